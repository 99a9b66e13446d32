import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { placeCall, registerAsPhone } from '../../scripts/lab/caller';
import { labStateDir } from '../../scripts/lab/config';
import { restartKamailio } from '../../scripts/lab/lab';
import { watchPresence } from '../../scripts/lab/presence';
import { labProvisioning } from '../../scripts/provision';
import { parsePidf } from '../../common/presence';
import { expect, test, type Agent, type OpenAgent } from './support/frontdesk';

/**
 * Who is in, through the lab's PBX: Kamailio's presence server, the dialog-info it publishes for
 * every extension's calls (Frontdesks and plain SIP phones alike), registrations as presence, and
 * each Frontdesk's own PUBLISH (on a call, do not disturb, out of office until a time). The
 * receptionist reads it in the Colleagues panel and hears it first in the Transfer dialog.
 */

const panel = (page: Page) => page.getByRole('region', { name: 'Colleagues' });
/** A colleague's entry in the panel: its accessible name is "Sales (1001): <state>". */
const colleague = (page: Page, name: string, extension: string): Locator =>
  panel(page).getByRole('button', { name: new RegExp(`^${name} \\(${extension}\\): `) });
const expectState = (page: Page, name: string, extension: string, state: RegExp | string, timeout?: number) =>
  expect(colleague(page, name, extension)).toHaveAccessibleName(typeof state === 'string' ? `${name} (${extension}): ${state}` : new RegExp(`^${name} \\(${extension}\\): ${state.source}`), timeout ? { timeout } : undefined);

async function registered(agent: Agent, user: string) {
  await expect(agent.registration).toHaveText(new RegExp(`Registered as ${user}`));
}

/** Opens a Frontdesk for each extension (reception first) and waits until all are registered. */
async function desks<const U extends readonly string[]>(agents: OpenAgent, ...users: U): Promise<{ [K in keyof U]: Agent }> {
  const opened: Agent[] = [];
  for (const user of users) opened.push(await agents({ user }));
  for (const [i, a] of opened.entries()) await registered(a, users[i]!);
  return opened as { [K in keyof U]: Agent };
}

/** An outside caller rings `page`'s desk and is answered there. */
async function answerOutsideCall(page: Page, to: string) {
  const call = placeCall({ from: '+74951234567', to });
  const card = page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Connected');
  return { call, card };
}

/** "HH:MM" and "YYYY-MM-DD" of a local time, as the date and time fields take them. */
function localFields(d: Date) {
  const pad = (n: number) => String(n).padStart(2, '0');
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: `${pad(d.getHours())}:${pad(d.getMinutes())}` };
}

/** Sets "out of office" on `page`: back at `until`, with a reason. */
async function setOutOfOffice(page: Page, until: Date, reason: string) {
  await panel(page).getByRole('button', { name: 'Out of office…' }).click();
  const form = page.getByRole('form', { name: 'Out of office' });
  await form.getByLabel('Reason (colleagues see it)').fill(reason);
  const { date, time } = localFields(until);
  await form.getByLabel('Back on').fill(date);
  await form.getByLabel('Back at').fill(time);
  await form.getByRole('button', { name: 'Set out of office' }).click();
  await expect(form).toBeHidden();
}

test('a Frontdesk colleague (1001) rings, takes a call and hangs up: reception sees ringing, on a call with its duration, then available', async ({ agents }) => {
  const [reception, sales] = await desks(agents, '1000', '1001');
  await expectState(reception.page, 'Sales', '1001', 'Available');

  const call = placeCall({ from: '+74951234567', to: '1001' });
  const card = sales.page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await expect(card).toContainText('Incoming call');
  await expectState(reception.page, 'Sales', '1001', 'Ringing');
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Connected');
  await expectState(reception.page, 'Sales', '1001', /On a call, 0:0\d/);
  // the duration runs
  await expectState(reception.page, 'Sales', '1001', /On a call, 0:0[3-9]/);
  await card.getByRole('button', { name: 'Hold' }).click();
  await expectState(reception.page, 'Sales', '1001', /On hold, 0:\d\d/);
  await card.getByRole('button', { name: 'Resume' }).click();
  await expectState(reception.page, 'Sales', '1001', /On a call, 0:\d\d/);
  await card.getByRole('button', { name: 'Hang up' }).click();
  await expectState(reception.page, 'Sales', '1001', 'Available');
  expect((await call.result).ended).toBe('remote-bye');

  // Sales turns Do not disturb on: reception reads it.
  await sales.page.getByRole('button', { name: 'Settings' }).click();
  const dnd = sales.page.getByRole('region', { name: 'Settings' }).getByLabel('Do not disturb');
  await dnd.selectOption('reject');
  await expectState(reception.page, 'Sales', '1001', 'Do not disturb');
  await dnd.selectOption('off');
  await expectState(reception.page, 'Sales', '1001', 'Available');
});

test('a plain SIP phone registered as 1002 (SIPp) shows too: offline, available once registered, ringing, on a call, available, offline again', async ({ agents }) => {
  const [reception] = await desks(agents, '1000');
  await expectState(reception.page, 'Accounting', '1002', 'Offline (not registered)');
  const phone = await registerAsPhone({ user: '1002', port: 5092, ringMs: 3000, hangupAfterMs: 6000 });
  try {
    await expectState(reception.page, 'Accounting', '1002', 'Available');
    const call = placeCall({ from: '+74951234567', to: '1002' });
    await expectState(reception.page, 'Accounting', '1002', 'Ringing');
    await expectState(reception.page, 'Accounting', '1002', /On a call, 0:0\d/);
    expect((await call.result).code).toBe(200);
    await expectState(reception.page, 'Accounting', '1002', 'Available');
  } finally {
    await phone.stop();
  }
  await expectState(reception.page, 'Accounting', '1002', 'Offline (not registered)');
});

test('1003 sets "out of office until …": reception sees it with the note; Transfer to 1003 says so first, places no call, and offers a message, an available colleague of the department, or trying anyway', async ({ agents }) => {
  const [reception, support] = await desks(agents, '1000', '1003');
  // Spare (1004), in Support too, is at their desk phone.
  const spare = await registerAsPhone({ user: '1004', port: 5094, ringMs: 500 });
  try {
    const until = new Date(Date.now() + 2 * 3600_000);
    until.setMinutes(Math.ceil(until.getMinutes() / 5) * 5, 0, 0);
    const { time } = localFields(until);
    const sameDay = localFields(until).date === localFields(new Date()).date;
    const when = `${sameDay ? '' : 'tomorrow '}${time}`;
    await setOutOfOffice(support.page, until, 'at a meeting');
    await expect(support.page.getByRole('status', { name: 'Your status' })).toHaveText(`You: Out of office until ${when}: at a meeting`);
    await expectState(reception.page, 'Support', '1003', `Out of office until ${when}: at a meeting`);
    await expectState(reception.page, 'Spare', '1004', 'Available');

    const { card } = await answerOutsideCall(reception.page, '1000');
    await card.getByRole('button', { name: 'Transfer' }).click();
    const dialog = reception.page.getByRole('dialog', { name: /^Transfer / });
    // Opening Transfer already says who is in.
    await expect(dialog.getByRole('button', { name: /^Support \(1003\), Support — Out of office until/ })).toBeVisible();
    await dialog.getByLabel('Colleague (name or extension)').fill('1003');
    const absent = dialog.getByRole('alert', { name: 'Support is not available' });
    await expect(absent).toContainText(`Support is out of office until ${when}: at a meeting. Tell the caller so first, then ask who is calling.`);
    await expect(absent.getByRole('button', { name: 'Transfer to Spare (1004) instead: available' })).toBeVisible();
    await expect(absent.getByRole('button', { name: 'Try anyway' })).toBeVisible();
    // Enter (Call colleague) places no call while the agent has not chosen.
    await dialog.getByLabel('Reason for the call').fill('Invoice 4711 is wrong');
    await dialog.getByRole('button', { name: 'Call colleague' }).click();
    await expect(absent.getByRole('button', { name: 'Take a message for Support' })).toBeFocused();
    await expect(dialog).toBeVisible();
    await expect(card).toContainText('Connected');
    await expect(support.page.getByRole('article')).toHaveCount(0);

    // The message form, for Support, prefilled from the call and the note typed so far.
    await absent.getByRole('button', { name: 'Take a message for Support' }).click();
    const message = reception.page.getByRole('dialog', { name: 'Take a message for Support (1003)' });
    await expect(message.getByRole('list', { name: 'Recipients' })).toHaveText(/Support \(1003\)/);
    await expect(message.getByLabel('What it is about')).toHaveValue('Invoice 4711 is wrong');
    await expect(message.getByLabel('Phone', { exact: true })).toHaveValue('+74951234567');
    await message.getByLabel("The message, in the caller's words").fill('Please call back about invoice 4711 today.');
    await message.getByLabel("The message, in the caller's words").press('Control+Enter');
    await message.getByRole('region', { name: 'Read it back to the caller' }).getByRole('button', { name: 'The caller confirmed: save and send' }).click();
    await expect(message).toBeHidden();
    // Support's Frontdesk has it in its inbox, and says so back to the receptionist.
    const inbox = support.page.getByRole('list', { name: 'Messages for you' });
    await expect(inbox.getByRole('article')).toHaveCount(1);
    const item = inbox.getByRole('article', { name: 'Message from +7 495 123 45 67' });
    await expect(item).toContainText('Invoice 4711 is wrong');
    await item.getByRole('button', { name: 'Open the message from +7 495 123 45 67' }).click();
    await expect(item).toContainText('Please call back about invoice 4711 today.');
    await expect(reception.page.getByRole('status', { name: 'Delivery of the message for Support (1003)' })).toHaveText('Delivered');

    // Another colleague of the department instead: the transfer goes to them.
    await card.getByRole('button', { name: 'Transfer' }).click();
    await dialog.getByLabel('Colleague (name or extension)').fill('1003');
    await absent.getByRole('button', { name: 'Transfer to Spare (1004) instead: available' }).click();
    await expect(dialog.getByText('Transfer to Spare (1004)')).toBeVisible();
    await expect(absent).toBeHidden();
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Try anyway: the call is placed after all.
    await card.getByRole('button', { name: 'Transfer' }).click();
    await dialog.getByLabel('Colleague (name or extension)').fill('1003');
    await absent.getByRole('button', { name: 'Try anyway' }).click();
    await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Calling Support \(1003\); the caller is on hold/);
    await expect(support.page.getByRole('article', { name: 'Call from Reception, 1000' })).toContainText('Incoming call');
    await card.getByRole('button', { name: 'Cancel transfer' }).click();
    await expect(card).toContainText('Connected');

    // Back in: the state goes to colleagues at once.
    await support.page.getByRole('button', { name: "I'm back" }).click();
    await expectState(reception.page, 'Support', '1003', 'Available');
  } finally {
    await spare.stop();
  }
});

test('"out of office" clears itself at its time, on the colleague\'s own desk and at reception', async ({ agents }) => {
  test.setTimeout(150_000);
  const [reception, support] = await desks(agents, '1000', '1003');
  // The next full minute at least 20 s away: the field takes minutes.
  const until = new Date(Date.now() + 20_000);
  until.setSeconds(0, 0);
  until.setMinutes(until.getMinutes() + 1);
  // What the PBX holds for 1003, as any phone watching it would get it (not only a Frontdesk, which reads the time itself).
  const atPbx = watchPresence({ as: '1002', targets: ['1003'], events: ['presence'], register: false });
  const published = () => {
    const last = atPbx.lines.filter((l) => l.type === 'notify' && l.body).at(-1);
    return last && last.type === 'notify' ? (parsePidf(last.body)?.activities ?? []) : null;
  };
  try {
    await setOutOfOffice(support.page, until, 'back soon');
    await expectState(reception.page, 'Support', '1003', `Out of office until ${localFields(until).time}: back soon`);
    await expect.poll(published).toEqual(['away']);
    await expect(support.page.getByRole('status', { name: 'Your status' })).toHaveText('You: Available', { timeout: until.getTime() - Date.now() + 10_000 });
    await expectState(reception.page, 'Support', '1003', 'Available');
    // Support's Frontdesk published itself back at the time.
    await expect.poll(published, { timeout: 10_000 }).toEqual([]);
  } finally {
    await atPbx.stop();
  }
  await expect(panel(support.page).getByRole('button', { name: 'Out of office…' })).toBeVisible();
  // still over after a reload of the colleague's page (the setting was cleared, not just hidden)
  await support.page.reload();
  await expect(support.page.getByRole('status', { name: 'Your status' })).toHaveText('You: Available');
});

test('1001 goes offline (Frontdesk stopped without a word) and reception sees it within its registration expiry; it comes back: available', async ({ agents }) => {
  test.setTimeout(150_000);
  const reception = await agents({ user: '1000' });
  const provisioning = { account: { ...labProvisioning('1001').account, registerExpires: 60 } };
  const sales = await agents({ user: '1001', provisioning });
  await registered(reception, '1000');
  await registered(sales, '1001');
  await expectState(reception.page, 'Sales', '1001', 'Available');

  // The services killed and the page crashed: no un-REGISTER, no un-PUBLISH.
  sales.host.process.kill('SIGKILL');
  const cdp = await sales.page.context().newCDPSession(sales.page);
  void cdp.send('Page.crash').catch(() => undefined);
  await expectState(reception.page, 'Sales', '1001', 'Offline (not registered)', 70_000);

  const again = await agents({ user: '1001', restartOf: sales.host });
  await registered(again, '1001');
  await expectState(reception.page, 'Sales', '1001', 'Available');
});

test('Kamailio restarts: every Frontdesk subscribes and publishes again by itself, and colleagues keep being shown as they are', async ({ agents }) => {
  const [reception, sales] = await desks(agents, '1000', '1001');
  await expectState(reception.page, 'Sales', '1001', 'Available');

  await restartKamailio({ log: () => undefined });
  await registered(reception, '1000');
  await registered(sales, '1001');
  await expectState(reception.page, 'Sales', '1001', 'Available');
  // New state after the restart reaches reception: subscriptions and publications both recovered.
  const { call, card } = await answerOutsideCall(sales.page, '1001');
  await expectState(reception.page, 'Sales', '1001', /On a call/);
  await card.getByRole('button', { name: 'Hang up' }).click();
  expect((await call.result).ended).toBe('remote-bye');
  await expectState(reception.page, 'Sales', '1001', 'Available');
  await sales.page.getByRole('button', { name: 'Settings' }).click();
  await sales.page.getByRole('region', { name: 'Settings' }).getByLabel('Do not disturb').selectOption('missed');
  await expectState(reception.page, 'Sales', '1001', 'Do not disturb');
});

test('a PBX without presence: every colleague reads "unknown" with the reason, the PBX is asked once per event and not again, and presence comes back with the PBX', async ({ agents }) => {
  const log = path.join(labStateDir(), 'kamailio.log');
  const refusedSinceStart = () => {
    const text = fs.readFileSync(log, 'utf8');
    const run = text.slice(text.lastIndexOf('===== '));
    return run.split('\n').filter((l) => /(SUBSCRIBE|PUBLISH) for \d+ .* refused: no presence server/.test(l));
  };
  await restartKamailio({ presence: false, log: () => undefined });
  try {
    const [reception] = await desks(agents, '1000');
    for (const [name, ext] of [['Sales', '1001'], ['Accounting', '1002'], ['Support', '1003'], ['Spare', '1004']] as const) {
      await expectState(reception.page, name, ext, /Unknown: the PBX does not offer (presence|line state) \(489 Bad Event\)/);
    }
    await expect(panel(reception.page)).toContainText('Colleagues may not see your status: the PBX does not accept presence from desks (489 Bad Event)');
    // No error loop: one SUBSCRIBE per event and one PUBLISH, then quiet.
    await reception.page.waitForTimeout(10_000);
    const refused = refusedSinceStart();
    expect(refused.filter((l) => l.includes('SUBSCRIBE'))).toHaveLength(2);
    expect(refused.filter((l) => l.includes('PUBLISH'))).toHaveLength(1);

    // Transfers work as before: nothing is known, so nothing stops the call.
    const { card } = await answerOutsideCall(reception.page, '1000');
    await card.getByRole('button', { name: 'Transfer' }).click();
    const dialog = reception.page.getByRole('dialog', { name: /^Transfer / });
    await dialog.getByLabel('Colleague (name or extension)').fill('1001');
    await expect(dialog.getByRole('alert')).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await restartKamailio({ log: () => undefined });
    await registered(reception, '1000');
    await expectState(reception.page, 'Sales', '1001', 'Offline (not registered)');
  } finally {
    await restartKamailio({ log: () => undefined });
  }
});

test('a colleague opens a menu by right-click or by key: call them, transfer the caller to them, take a message for them; the panel searches and groups by department', async ({ agents }) => {
  const [reception, sales] = await desks(agents, '1000', '1001');
  const accounting = await registerAsPhone({ user: '1002', port: 5092, ringMs: 500 });
  try {
    // grouped by department, searchable
    for (const d of ['Sales', 'Accounting', 'Support']) await expect(panel(reception.page).getByRole('list', { name: d })).toBeVisible();
    await expect(panel(reception.page).getByRole('list', { name: 'Support' }).getByRole('button')).toHaveCount(2);
    await panel(reception.page).getByLabel('Search colleagues').fill('spa');
    await expect(panel(reception.page).getByRole('button', { name: /\(100\d\): / })).toHaveCount(1);
    await expect(colleague(reception.page, 'Spare', '1004')).toBeVisible();
    await panel(reception.page).getByLabel('Search colleagues').fill('');

    // Right-click: call Sales.
    await colleague(reception.page, 'Sales', '1001').click({ button: 'right' });
    const menu = reception.page.getByRole('menu', { name: 'Actions for Sales (1001)' });
    await expect(menu.getByRole('menuitem', { name: 'Call Sales' })).toBeFocused();
    await expect(menu.getByRole('menuitem', { name: /^Transfer the caller to Sales/ })).toHaveAttribute('aria-disabled', 'true');
    await menu.getByRole('menuitem', { name: 'Call Sales' }).click();
    const atSales = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
    await expect(atSales).toContainText('Incoming call');
    await reception.page.getByRole('article', { name: /^Call to / }).getByRole('button', { name: 'Hang up' }).click();
    await expect(atSales).toContainText('Missed');

    // Keys: Shift+F10 on Sales during an outside call, down to "Transfer the caller to Sales".
    const { card } = await answerOutsideCall(reception.page, '1000');
    await colleague(reception.page, 'Sales', '1001').focus();
    await reception.page.keyboard.press('Shift+F10');
    await expect(menu.getByRole('menuitem', { name: 'Call Sales' })).toBeFocused();
    await reception.page.keyboard.press('ArrowDown');
    await expect(menu.getByRole('menuitem', { name: 'Transfer the caller to Sales' })).toBeFocused();
    await reception.page.keyboard.press('Enter');
    const dialog = reception.page.getByRole('dialog', { name: /^Transfer / });
    await expect(dialog.getByText('Transfer to Sales (1001)')).toBeVisible();
    await dialog.getByRole('button', { name: 'Call colleague' }).click();
    await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Calling Sales \(1001\)/);
    await card.getByRole('button', { name: 'Cancel transfer' }).click();
    await expect(card).toContainText('Connected');

    // Enter on Accounting (a desk phone), Escape closes the menu and gives the focus back; then a message.
    await colleague(reception.page, 'Accounting', '1002').focus();
    await reception.page.keyboard.press('Enter');
    const accountingMenu = reception.page.getByRole('menu', { name: 'Actions for Accounting (1002)' });
    await expect(accountingMenu).toBeVisible();
    await reception.page.keyboard.press('Escape');
    await expect(accountingMenu).toBeHidden();
    await expect(colleague(reception.page, 'Accounting', '1002')).toBeFocused();
    await reception.page.keyboard.press('Enter');
    await accountingMenu.getByRole('menuitem', { name: 'Take a message for Accounting' }).click();
    // The message form, for Accounting, about the call going on.
    const message = reception.page.getByRole('dialog', { name: 'Take a message for Accounting (1002)' });
    await expect(message.getByLabel('Phone', { exact: true })).toHaveValue('+74951234567');
    await message.getByLabel("The message, in the caller's words").fill('Please call about the invoice');
    await message.getByLabel("The message, in the caller's words").press('Control+Enter');
    await message.getByRole('region', { name: 'Read it back to the caller' }).getByRole('button', { name: 'The caller confirmed: save and send' }).click();
    await expect(message).toBeHidden();
    // A desk phone shows it as text.
    const text = await accounting.waitForTextMessage((m) => m.fromUser === '1000' && m.headers['X-Frontdesk-Message'] !== undefined, 15_000);
    expect(text.body).toContain('Сообщение для: Accounting (1002)');
    expect(text.body).toContain('Телефон: +74951234567');
    expect(text.body).toContain('Сообщение: «Please call about the invoice»');
  } finally {
    await accounting.stop();
  }
});
