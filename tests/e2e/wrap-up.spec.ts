import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CallLogService } from '../../main/services/callLog';
import { DirectoryService } from '../../main/services/directory';
import { answerCalls, placeCall } from '../../scripts/lab/caller';
import { pstnGatewayPort } from '../../scripts/lab/config';
import { expect, test } from './support/frontdesk';
import type { OpenAgent } from './support/frontdesk';
import { expectSoundBothWays } from './support/sound';

const oleg = { from: '+74951234567', label: 'Call from +7 495 123 45 67', who: 'Oleg Petrov, +7 495 123 45 67' };

/** Reception (1000) with Oleg Petrov in its directory, registered, and its Call back list still empty. */
async function receptionKnowingOleg(agents: OpenAgent) {
  const reception = await agents({
    user: '1000',
    seed: (dataDir) => {
      mkdirSync(dataDir, { recursive: true });
      const dir = new DirectoryService(path.join(dataDir, 'directory.db'), { defaultRegion: 'RU' });
      dir.create({ name: 'Oleg Petrov', phones: ['8 (495) 123-45-67'] });
      dir.close();
    },
  });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const callBack = reception.page.getByRole('region', { name: 'Call back', exact: true });
  await expect(callBack).toContainText('Nobody to call back today.');
  return { page: reception.page, callBack };
}

test('a call ends, the agent wraps it up with a next step for today, calls back from the list with the call-back script, and its wrap-up closes the follow-up', async ({ agents }) => {
  const gateway = answerCalls({ port: pstnGatewayPort, ringMs: 500 });
  try {
    const { page, callBack } = await receptionKnowingOleg(agents);

    // An outside caller rings, the agent answers, the caller hangs up.
    const call = placeCall({ from: oleg.from, to: '1000', hangupAfterMs: 2500 });
    const ringing = page.getByRole('article', { name: oleg.label });
    await ringing.getByRole('button', { name: 'Answer' }).click();
    await expect(ringing).toContainText('The other side hung up');
    expect((await call.result).ended).toBe('local-bye');

    // The wrap-up form appears with the focus on the outcome; arrows pick one.
    const form = page.getByRole('form', { name: `Wrap-up: ${oleg.who}` });
    await expect(form.getByRole('radio', { name: 'Resolved' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(form.getByRole('radio', { name: 'Callback needed' })).toBeChecked();
    await form.getByLabel('Notes').fill('Wants 40 chairs, asked for the price list');
    // Saving without the next step a callback needs says what is missing, and keeps what was typed.
    await form.getByLabel('Notes').press('Control+Enter');
    await expect(form.getByRole('alert')).toHaveText('Callback needed: write the next step and its date');
    await expect(form.getByLabel('Notes')).toHaveValue('Wants 40 chairs, asked for the price list');
    await form.getByLabel('Next step', { exact: true }).fill('Send the price list and call back');
    await form.getByRole('button', { name: 'Today' }).click();
    await form.getByLabel('Notes').press('Control+Enter');
    await expect(form).toBeHidden();
    await expect(page.getByRole('status', { name: 'Wrap-up' })).toHaveText('Wrap-up saved');

    // It comes back today in the Call back list, with a count.
    await expect(callBack.getByRole('img', { name: '1 to call back' })).toHaveText('1');
    const row = callBack.getByRole('listitem');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Oleg Petrov');
    await expect(row).toContainText('Send the price list and call back');
    await expect(row).toContainText('today (any time) · next step of a call');

    // "Call Oleg Petrov": Frontdesk dials the number, the outside party answers, the call-back script shows.
    await page.getByRole('button', { name: 'Dismiss: Call from +7 495 123 45 67' }).click();
    await callBack.getByRole('button', { name: 'Call Oleg Petrov' }).click();
    const outgoing = page.getByRole('article', { name: `Call to ${oleg.who}` });
    await expect(outgoing).toContainText('Connected');
    const [received] = await gateway.waitForCalls(1, 10_000);
    expect(received!.requestUri).toContain('+74951234567');
    const panel = page.getByRole('region', { name: 'Caller' });
    await expect(panel.getByRole('region', { name: 'Calling back' })).toContainText('Send the price list and call back');
    const script = panel.getByRole('region', { name: 'Call script' });
    await expect(script).toContainText('Calling a client back');
    await expect(script).toContainText('Chosen because: Outbound call, call back (next step of a call)');
    await expect(script).toContainText(/Good (morning|afternoon|evening), Oleg Petrov! This is Reception from our company\. As we agreed today, I'm calling you back\./);
    await expect(script).toContainText("Why you are calling: Send the price list and call back. Last call's notes: Wants 40 chairs, asked for the price list.");

    // The client card lists the earlier call with its outcome and note.
    const card = panel.getByRole('article', { name: 'Client card: Oleg Petrov' });
    const earlier = card.getByRole('list', { name: 'Last calls' }).getByRole('listitem');
    await expect(earlier).toHaveCount(1);
    await expect(earlier).toContainText('incoming');
    await expect(earlier).toContainText('Callback needed');
    await expect(earlier).toContainText('Wants 40 chairs, asked for the price list');
    await expect(earlier).toContainText('Next step: Send the price list and call back (today (any time))');
    await expect(card.getByLabel('Next step', { exact: true })).toHaveValue('Send the price list and call back');

    // The agent hangs up: the call back's wrap-up closes the follow-up.
    await outgoing.getByRole('button', { name: 'Hang up' }).click();
    const second = page.getByRole('form', { name: `Wrap-up: ${oleg.who}` });
    await expect(second.getByRole('radio', { name: 'Resolved' })).toBeFocused();
    await second.getByRole('radio', { name: 'Sale' }).check();
    await second.getByLabel('Notes').fill('Ordered 40 chairs');
    await second.getByRole('radio', { name: 'Sale' }).press('Enter');
    await expect(second).toBeHidden();
    await expect(callBack).toContainText('Nobody to call back today.');
    await expect(callBack.getByRole('img')).toHaveCount(0);
    await expect(earlier).toHaveCount(2);
    await expect(earlier.first()).toContainText('outgoing');
    await expect(earlier.first()).toContainText('Sale');
    await expect(earlier.first()).toContainText('Ordered 40 chairs');
  } finally {
    await gateway.stop();
  }
});

test('from the keyboard a wrap-up takes no more keys than the mouse takes clicks (outcome, note, next step "Tomorrow", save: 5), and the open card shows the agreed next step at once', async ({ agents }) => {
  const { page, callBack } = await receptionKnowingOleg(agents);
  const call = placeCall({ from: oleg.from, to: '1000', hangupAfterMs: 2000 });
  const ringing = page.getByRole('article', { name: oleg.label });
  await ringing.getByRole('button', { name: 'Answer' }).click();
  await expect(ringing).toContainText('The other side hung up');
  await call.result;
  const panel = page.getByRole('region', { name: 'Caller' });
  const card = panel.getByRole('article', { name: 'Client card: Oleg Petrov' });
  await expect(card.getByLabel('Next step', { exact: true })).toHaveValue('');

  const form = page.getByRole('form', { name: `Wrap-up: ${oleg.who}` });
  const notes = form.getByLabel('Notes');
  const step = form.getByLabel('Next step', { exact: true });
  const date = form.getByLabel('Date', { exact: true });
  await expect(form.getByRole('radio', { name: 'Resolved' })).toBeFocused();
  const tomorrow = await page.evaluate(() => {
    const d = new Date(Date.now() + 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  });

  // The quick dates come right after the next step in Tab order, before the date and time fields.
  await step.focus();
  for (const name of ['Today', 'Tomorrow', 'In 3 days', 'In a week']) {
    await page.keyboard.press('Tab');
    await expect(form.getByRole('button', { name, exact: true })).toBeFocused();
  }
  await page.keyboard.press('Tab');
  await expect(date).toBeFocused();
  await form.getByRole('radio', { name: 'Resolved' }).focus();

  // The path itself, counted: every key that is not typing text.
  let keys = 0;
  const press = async (key: string) => {
    keys += 1;
    await page.keyboard.press(key);
  };
  await press('ArrowDown');
  await expect(form.getByRole('radio', { name: 'Callback needed' })).toBeChecked();
  await press('Tab');
  await expect(notes).toBeFocused();
  await page.keyboard.type('Wants the price list for 40 chairs');
  await press('Tab');
  await expect(step).toBeFocused();
  await page.keyboard.type('Send the price list and call back');
  await press('Alt+1');
  await expect(date).toHaveValue(tomorrow);
  await expect(step).toBeFocused();
  await press('Control+Enter');
  await expect(form).toBeHidden();
  await expect(page.getByRole('status', { name: 'Wrap-up' })).toHaveText('Wrap-up saved');
  // Outcome, a note, next step "Tomorrow", save: five clicks with the mouse, five keys.
  expect(keys).toBe(5);
  await expect(callBack).toContainText('1 more on later dates');

  // The card still open for this call takes the next step just agreed, as its Last calls do.
  const last = card.getByRole('list', { name: 'Last calls' }).getByRole('listitem');
  await expect(last).toHaveCount(1);
  await expect(last).toContainText('Next step: Send the price list and call back');
  await expect(card.getByLabel('Next step', { exact: true })).toHaveValue('Send the price list and call back');
  await expect(card.getByLabel('Next step date')).toHaveValue(tomorrow);
});

test('web leads in the list: overdue marked, the web-lead script, a postponed wrap-up survives a reload and still closes the lead; rescheduling', async ({ agents }) => {
  const gateway = answerCalls({ port: pstnGatewayPort, ringMs: 500 });
  const now = new Date();
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1, 18, 0);
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 10, 0);
  try {
    const sales = await agents({
      user: '1000',
      // What the CRM connector or an import puts in through the service (followUps.add).
      seed: (dataDir) => {
        mkdirSync(dataDir, { recursive: true });
        const calls = new CallLogService(path.join(dataDir, 'frontdesk.db'));
        const lead = { source: 'web-lead' as const, number: '+7 495 765-43-21', name: 'Irina Sokolova', reason: 'A quote for a kitchen' };
        calls.wrapUps.addFollowUp({ ...lead, createdAt: yesterday.toISOString(), dueAt: yesterday.toISOString(), externalId: 'lead:L-9' });
        calls.wrapUps.addFollowUp({ source: 'manual', number: '+7 495 111-22-33', name: 'Anna Volkova', reason: 'Ask about the invoice', dueAt: now.toISOString(), allDay: false });
        calls.wrapUps.addFollowUp({ source: 'manual', number: '+7 495 222-33-44', name: 'Pavel', reason: 'Next week', dueAt: tomorrow.toISOString() });
        calls.close();
      },
    });
    await expect(sales.registration).toHaveText(/Registered as 1000/);
    const page = sales.page;
    const callBack = page.getByRole('region', { name: 'Call back', exact: true });
    await expect(callBack.getByRole('img', { name: '2 to call back, 2 overdue' })).toHaveText('2');
    const rows = callBack.getByRole('listitem');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toContainText('Irina Sokolova');
    await expect(rows.nth(0)).toContainText('Overdue yesterday 18:00 · web lead · left yesterday');
    await expect(rows.nth(1)).toContainText('Anna Volkova');
    await expect(callBack).toContainText('1 more on later dates');

    // Rescheduling moves Anna to tomorrow: off today's list.
    await callBack.getByRole('button', { name: 'Reschedule: Anna Volkova' }).click();
    const reschedule = callBack.getByRole('form', { name: 'Reschedule: Anna Volkova' });
    await expect(reschedule.getByLabel('New date')).toBeFocused();
    await reschedule.getByRole('button', { name: 'Move' }).click();
    await expect(rows).toHaveCount(1);
    await expect(callBack).toContainText('2 more on later dates');

    await callBack.getByRole('button', { name: 'Call Irina Sokolova' }).click();
    const outgoing = page.getByRole('article', { name: 'Call to Irina Sokolova, +7 495 765 43 21' });
    await expect(outgoing).toContainText('Connected');
    const [received] = await gateway.waitForCalls(1, 10_000);
    expect(received!.requestUri).toContain('+74957654321');
    await expectSoundBothWays(page, { rtp: () => gateway.rtp(received!.callId) }, received!.callId, 'the web lead called back');
    const script = page.getByRole('region', { name: 'Call script' });
    await expect(script).toContainText('Web lead — calling back');
    await expect(script).toContainText('Chosen because: Outbound call, call back (web lead)');
    await expect(script).toContainText("You left a request on our site yesterday, and I'm calling about it. Is this a good time to talk?");
    await expect(script).toContainText('The request, as the lead left it: A quote for a kitchen.');

    // Hung up; Escape postpones the wrap-up: it waits, visible, and survives a reload.
    await outgoing.getByRole('button', { name: 'Hang up' }).click();
    const form = page.getByRole('form', { name: 'Wrap-up: Irina Sokolova, +7 495 765 43 21' });
    await expect(form.getByRole('radio', { name: 'Resolved' })).toBeFocused();
    await form.getByLabel('Notes').fill('Measurements on Friday');
    await form.getByLabel('Notes').press('Escape');
    await expect(form).toBeHidden();
    const waiting = page.getByRole('region', { name: 'Wrap-up pending' });
    await expect(waiting.getByRole('img', { name: '1 call waits for a wrap-up' })).toBeVisible();
    // The draft is kept while the app runs.
    await waiting.getByRole('button', { name: 'Wrap up: Irina Sokolova, +7 495 765 43 21' }).click();
    await expect(form.getByLabel('Notes')).toHaveValue('Measurements on Friday');
    await form.getByRole('button', { name: 'Later' }).click();

    await page.reload();
    await expect(sales.registration).toHaveText(/Registered as 1000/);
    await waiting.getByRole('button', { name: 'Wrap up: Irina Sokolova, +7 495 765 43 21' }).click();
    await form.getByRole('radio', { name: 'Sale' }).check();
    await form.getByLabel('Next step', { exact: true }).fill('Measure the kitchen');
    await form.getByLabel('Date', { exact: true }).fill('2030-02-01');
    await form.getByLabel('Time', { exact: true }).fill('11:30');
    await form.getByRole('button', { name: 'Save wrap-up' }).click();
    await expect(form).toBeHidden();
    await expect(waiting).toBeHidden();
    // The lead is done (closed by its call back's wrap-up, linked by the services across the reload); the new step waits for its date.
    await expect(callBack).toContainText('Nobody to call back today.');
    await expect(callBack).toContainText('3 more on later dates');
  } finally {
    await gateway.stop();
  }
});

test('a call back typed in by hand: a wrong number is refused and nothing typed is lost, a known number is linked to its client, a later date waits, and the call uses the call-back script', async ({ agents }) => {
  const gateway = answerCalls({ port: pstnGatewayPort, ringMs: 300 });
  try {
    const { page, callBack } = await receptionKnowingOleg(agents);

    // From the keyboard: the button opens the form with the focus on the number.
    const add = callBack.getByRole('button', { name: 'Add a follow-up' });
    await add.focus();
    await page.keyboard.press('Enter');
    const form = callBack.getByRole('form', { name: 'Add a follow-up' });
    await expect(form.getByLabel('Number')).toBeFocused();
    await page.keyboard.type('8 495 12x');
    await form.getByLabel('What to call about').fill('Confirm the delivery date');
    await form.getByLabel('What to call about').press('Enter');
    await expect(form.getByRole('alert')).toHaveText('Number: "8 495 12x" is not a phone number or an extension');
    await expect(form.getByLabel('What to call about')).toHaveValue('Confirm the delivery date');

    // Oleg's number as people write it: linked to his card and named after it, due today.
    await form.getByLabel('Number').fill('8 (495) 123-45-67');
    await form.getByLabel('Number').press('Enter');
    await expect(form).toBeHidden();
    await expect(add).toBeFocused();
    const row = callBack.getByRole('listitem');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Oleg Petrov');
    await expect(row).toContainText('Confirm the delivery date');
    await expect(row).toContainText('today (any time) · added by hand');

    // Another for tomorrow at 11:00 waits for its day.
    await add.click();
    await form.getByLabel('Number').fill('+7 495 765-43-21');
    await form.getByLabel('Name (optional)').fill('Irina Sokolova');
    await form.getByLabel('What to call about').fill('Send the quote');
    const tomorrow = await page.evaluate(() => {
      const d = new Date(Date.now() + 86_400_000);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    await form.getByLabel('Date').fill(tomorrow);
    await form.getByLabel('Time (optional)').fill('11:00');
    await form.getByRole('button', { name: 'Add' }).click();
    await expect(form).toBeHidden();
    await expect(row).toHaveCount(1);
    await expect(callBack).toContainText('1 more on later dates');

    // Calling Oleg back: the client call-back script, chosen for a call back added by hand, with his card.
    await callBack.getByRole('button', { name: 'Call Oleg Petrov' }).click();
    const outgoing = page.getByRole('article', { name: 'Call to Oleg Petrov, +7 495 123 45 67' });
    await expect(outgoing).toContainText('Connected');
    const panel = page.getByRole('region', { name: 'Caller' });
    await expect(panel.getByRole('region', { name: 'Calling back' })).toContainText('Confirm the delivery date');
    const script = panel.getByRole('region', { name: 'Call script' });
    await expect(script).toContainText('Calling a client back');
    await expect(script).toContainText('Chosen because: Outbound call, call back (added by hand)');
    await expect(panel.getByRole('article', { name: 'Client card: Oleg Petrov' })).toBeVisible();
    await outgoing.getByRole('button', { name: 'Hang up' }).click();
  } finally {
    await gateway.stop();
  }
});
