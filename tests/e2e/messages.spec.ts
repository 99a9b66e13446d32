import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DirectoryService } from '../../main/services/directory';
import http from 'node:http';
import type { Locator, Page } from '@playwright/test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { answerCalls, placeCall, registerAsPhone } from '../../scripts/lab/caller';
import { startKamailio, stopKamailio } from '../../scripts/lab/lab';
import { expect, openAgent, startHost, test, type Agent, type HostHandle } from './support/frontdesk';

/**
 * Taking a message for an absent colleague, end to end against the lab: the form, the read-back,
 * the durable outbox (a host killed right after Save), SIP MESSAGE through Kamailio (msilo keeps
 * it for a colleague who is away), receipts back from the colleague's Frontdesk, e-mail to a real
 * SMTP server, the webhook, and an ordinary SIP phone that shows the text.
 */

/** The form: opens from "New message" in the Messages box. */
async function newMessage(page: Page): Promise<Locator> {
  await page.getByRole('region', { name: 'Messages' }).getByRole('button', { name: 'New message' }).click();
  const form = page.getByRole('dialog', { name: /^Take a message/ });
  await expect(form).toBeVisible();
  return form;
}

/** kill -9 of a host, then a new one on its data folder (as when Frontdesk is started again after a crash). */
async function killAndRestart(host: HostHandle, user: string): Promise<HostHandle> {
  const exited = new Promise((r) => host.process.once('exit', r));
  host.process.kill('SIGKILL');
  await exited;
  return startHost({ user, restartOf: host });
}

/** The receptionist's line for a message in "Messages taken here": its delivery state. */
const deliveryOf = (page: Page, forWhom: string) => page.getByRole('status', { name: `Delivery of the message for ${forWhom}` });

test('1002 is offline when 1000 takes a message for them; 1002 starts later and gets it exactly once; 1000 sees sent → delivered → done', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);

  const form = await newMessage(reception.page);
  // Keyboard first: the colleague by a part of the name, Enter adds them.
  await expect(form.getByLabel('Colleague (name, extension or department)')).toBeFocused();
  await form.getByLabel('Colleague (name, extension or department)').fill('accou');
  await form.getByLabel('Colleague (name, extension or department)').press('Enter');
  await expect(form.getByRole('list', { name: 'Recipients' })).toHaveText(/Accounting \(1002\)/);
  await form.getByLabel("Caller's name").fill('Олег Петров');
  await form.getByLabel('Company').fill('ООО «Ромашка»');
  await form.getByLabel("The message, in the caller's words").fill('Счёт выставлен дважды. Просит перезвонить до пятницы.');
  await form.getByLabel('Phone', { exact: true }).fill('8 (495) 123-45-67');
  await form.getByLabel('Phone', { exact: true }).press('Control+Enter');

  const readBack = form.getByRole('region', { name: 'Read it back to the caller' });
  await expect(readBack.getByLabel('Number, as you say it: +7, 495, 123, 45, 67')).toBeVisible();
  await expect(readBack).toContainText('Счёт выставлен дважды. Просит перезвонить до пятницы.');
  await expect(readBack.getByRole('button', { name: 'The caller confirmed: save and send' })).toBeFocused();
  await reception.page.keyboard.press('Enter');
  await expect(form).toBeHidden();
  await expect(reception.page.getByRole('status', { name: 'Messages notice' })).toHaveText('Message for Accounting (1002) saved; it is on its way');

  // 1002 is away: the PBX keeps the message (202), so it is sent but not yet delivered.
  const state = deliveryOf(reception.page, 'Accounting (1002)');
  await expect(state).toHaveText('Sent');
  const taken = reception.page.getByRole('article', { name: 'Message for Accounting (1002)' });
  await taken.getByRole('button', { name: 'History of the message for Accounting (1002)' }).click();
  await expect(taken.getByRole('list', { name: 'History' })).toContainText('read back: the number and the message were read back to the caller');
  await expect(taken.getByRole('list', { name: 'Delivery attempts' })).toContainText('SIP MESSAGE to 1002: 202 Accepted');

  // 1002's Frontdesk starts: the PBX hands over what it kept; it is in the inbox once.
  const accounting = await agents({ user: '1002' });
  await expect(accounting.registration).toHaveText(/Registered as 1002/);
  const inbox = accounting.page.getByRole('list', { name: 'Messages for you' });
  await expect(inbox.getByRole('article')).toHaveCount(1);
  const item = inbox.getByRole('article', { name: 'Message from Олег Петров, ООО «Ромашка»' });
  await expect(item).toContainText('New');
  await expect(accounting.page.getByRole('region', { name: 'Messages' }).getByLabel('1 unread')).toBeVisible();
  await expect(state).toHaveText('Delivered');

  await item.getByRole('button', { name: 'Open the message from Олег Петров, ООО «Ромашка»' }).click();
  await expect(item).toContainText('Счёт выставлен дважды. Просит перезвонить до пятницы.');
  await expect(item).toContainText('+7 495 123 45 67');
  await expect(item).toContainText('by Reception (1000)');
  await expect(item).toContainText('read back to the caller');
  await expect(accounting.page.getByRole('region', { name: 'Messages' }).getByLabel('1 unread')).toBeHidden();

  await item.getByRole('button', { name: 'Mark done: Олег Петров, ООО «Ромашка»' }).click();
  await expect(state).toHaveText('Done');
  await expect(taken.getByRole('list', { name: 'History' })).toContainText("delivered: to Accounting (1002)'s Frontdesk");
  await expect(taken.getByRole('list', { name: 'History' })).toContainText('marked done: by Accounting (1002)');

  // Still once, after a reload of 1002's window (the PBX does not hand it over again).
  await accounting.page.reload();
  await expect(accounting.registration).toHaveText(/Registered as 1002/);
  await expect(accounting.page.getByRole('list', { name: 'Messages for you' }).getByRole('article')).toHaveCount(1);
});

test('kill -9 of the receptionist\'s host right after Save: after the restart the message is still in the outbox and reaches the colleague once', async ({ agents, browser }) => {
  const sales = await agents({ user: '1001' });
  await expect(sales.registration).toHaveText(/Registered as 1001/);
  const first = await openAgent(browser, { user: '1000' });
  let second: Awaited<ReturnType<typeof openAgent>> | null = null;
  let pbxDown = false;
  try {
    await expect(first.registration).toHaveText(/Registered as 1000/);
    // The PBX is away while the message is saved, so it cannot have left before the crash.
    await stopKamailio();
    pbxDown = true;
    await expect(first.registration).toHaveText(/Not registered/);
    const form = await newMessage(first.page);
    await form.getByLabel('Colleague (name, extension or department)').fill('1001');
    await form.getByLabel('Colleague (name, extension or department)').press('Enter');
    await form.getByLabel("Caller's name").fill('Мария Кузнецова');
    await form.getByLabel("The message, in the caller's words").fill('Перезвоните по поводу договора № 77.');
    await form.getByLabel('Phone', { exact: true }).fill('+7 912 345-67-89');
    await form.getByRole('button', { name: 'Save without reading back' }).click();
    await expect(form).toBeHidden();
    await expect(deliveryOf(first.page, 'Sales (1001)')).toHaveText('Queued');
    const restarting = killAndRestart(first.host, '1000');
    await startKamailio();
    pbxDown = false;
    const host = await restarting;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(host.url);
    second = { page, host, registration: page.getByRole('status', { name: 'Registration' }), close: async () => (await context.close(), await host.stop()) };
    await expect(second.registration).toHaveText(/Registered as 1000/);
    await expect(page.getByRole('article', { name: 'Message for Sales (1001)' })).toBeVisible();
    await expect(sales.registration).toHaveText(/Registered as 1001/);
    await expect(deliveryOf(page, 'Sales (1001)')).toHaveText('Delivered');
    const inbox = sales.page.getByRole('list', { name: 'Messages for you' });
    await expect(inbox.getByRole('article', { name: 'Message from Мария Кузнецова' })).toBeVisible();
    await expect(inbox.getByRole('article')).toHaveCount(1);
    const taken = page.getByRole('article', { name: 'Message for Sales (1001)' });
    await taken.getByRole('button', { name: 'History of the message for Sales (1001)' }).click();
    const attempts = taken.getByRole('list', { name: 'Delivery attempts' });
    await expect(attempts.getByRole('listitem')).toHaveCount(1);
    await expect(attempts).toContainText(/SIP MESSAGE to 1001: (200 OK|202 Accepted)/);
    console.log(`Delivery attempts across the kill -9: ${await attempts.innerText()}`);
  } finally {
    if (pbxDown) await startKamailio();
    await second?.close();
    await first.close().catch(() => undefined);
  }
});

test('the e-mail reaches a real SMTP server with every field in UTF-8 (Cyrillic intact), and the webhook gets the message as JSON', async ({ agents }) => {
  const mails: Buffer[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push(Buffer.concat(chunks));
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const posts: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      posts.push({ headers: req.headers, body });
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  try {
    const reception = await agents({
      user: '1000',
      provisioning: {
        colleagues: [
          { extension: '1002', name: 'Бухгалтерия', email: 'buh@romashka.test' },
          { extension: '1001', name: 'Sales' },
        ],
        messages: {
          smtp: { host: '127.0.0.1', port: (smtp.server.address() as AddressInfo).port, secure: false, from: 'Frontdesk <frontdesk@office.test>', requireValidCertificate: true },
          webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/chat`, headers: { authorization: 'Bearer chat-token' } },
        },
      },
    });
    await expect(reception.registration).toHaveText(/Registered as 1000/);
    const form = await newMessage(reception.page);
    await form.getByLabel('Colleague (name, extension or department)').fill('бух');
    await form.getByRole('button', { name: 'Add Бухгалтерия (1002)' }).click();
    await form.getByLabel("Caller's name").fill('Пётр Ёлкин');
    await form.getByLabel('Company').fill('АО «Щука и Ко»');
    await form.getByLabel("The message, in the caller's words").fill('Оплата прошла 5 декабря, просит закрыть акт сверки.\nСердится: звонит третий раз.');
    await form.getByLabel('What it is about').fill('Акт сверки за ноябрь');
    await form.getByLabel('Phone', { exact: true }).fill('+7 343 210-00-11');
    await form.getByLabel('Another phone (optional)').fill('8 912 000-11-22');
    await form.getByLabel('E-mail').fill('elkin@shchuka.test');
    await form.getByLabel('Position').fill('главный бухгалтер');
    await form.getByRole('checkbox', { name: 'Urgent' }).check();
    await form.getByLabel('Day').fill('2026-12-08');
    await form.getByLabel('From').fill('10:00');
    await form.getByLabel('Until').fill('12:00');
    await form.getByLabel("Caller's time zone, if not ours").fill('Asia/Yekaterinburg');
    await form.getByLabel("The caller's mood").selectOption('angry');
    await form.getByRole('button', { name: 'Read back…' }).click();
    await form.getByRole('button', { name: 'The caller confirmed: save and send' }).click();
    await expect(form).toBeHidden();

    await expect.poll(() => mails.length, { timeout: 20_000 }).toBe(1);
    const raw = mails[0]!.toString('latin1');
    expect(raw).toMatch(/charset=utf-8/i);
    const mail = await simpleParser(mails[0]!);
    expect(mail.to).toMatchObject({ text: 'buh@romashka.test' });
    expect(mail.subject).toBe('[СРОЧНО] Сообщение от Пётр Ёлкин, главный бухгалтер, АО «Щука и Ко»: перезвонить, срочно — Акт сверки за ноябрь');
    for (const line of [
      'Сообщение для: Бухгалтерия (1002)',
      'Кто звонил: Пётр Ёлкин',
      'Должность: главный бухгалтер',
      'Компания: АО «Щука и Ко»',
      'Телефон: +73432100011, +79120001122',
      'E-mail: elkin@shchuka.test',
      'Тема: Акт сверки за ноябрь',
      'Сообщение: «Оплата прошла 5 декабря, просит закрыть акт сверки.\nСердится: звонит третий раз.»',
      'Просит: перезвонить, срочно',
      'Когда перезвонить: вт, 8 дек., 10:00–12:00 (время звонившего, Asia/Yekaterinburg)',
      'Настроение: раздражён(а), сердит(а)',
      'Принял(а): Reception (1000)',
      'зачитано звонившему',
    ]) expect(mail.text).toContain(line);
    expect(mail.html).toContain('АО «Щука и Ко»');
    expect(mail.replyTo?.text).toBe('elkin@shchuka.test');

    await expect.poll(() => posts.length).toBe(1);
    expect(posts[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(posts[0]!.headers.authorization).toBe('Bearer chat-token');
    const body = JSON.parse(posts[0]!.body);
    expect(posts[0]!.headers['idempotency-key']).toBe(body.id);
    expect(body.message.caller).toMatchObject({ name: 'Пётр Ёлкин', company: 'АО «Щука и Ко»', phones: ['+73432100011', '+79120001122'] });
    expect(body.text).toContain('Сообщение: «Оплата прошла 5 декабря');

    const taken = reception.page.getByRole('article', { name: 'Message for Бухгалтерия (1002)' });
    await taken.getByRole('button', { name: 'History of the message for Бухгалтерия (1002)' }).click();
    await expect(taken.getByRole('list', { name: 'Delivery attempts' })).toContainText('e-mail to buh@romashka.test: 250');
    await expect(taken.getByRole('list', { name: 'Delivery attempts' })).toContainText('webhook to webhook: 200');
  } finally {
    await new Promise<void>((r) => smtp.close(() => r()));
    await new Promise<void>((r) => hook.close(() => r()));
  }
});

test("a failed transfer's Take a message opens the form for that colleague; read back and sent in at most 6 actions; an ordinary SIP phone shows it as text", async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const phone = await registerAsPhone({ user: '1001', port: 5091, ringMs: 300, rejectCode: 486 });
  try {
    const call = placeCall({ from: '+74951234567', fromName: 'Ivan Petrov', to: '1000' });
    const card = reception.page.getByRole('article', { name: 'Call from Ivan Petrov, +7 495 123 45 67' });
    await card.getByRole('button', { name: 'Answer' }).click();
    await expect(card).toContainText('Connected');
    await card.getByRole('button', { name: 'Transfer' }).click();
    const transfer = reception.page.getByRole('dialog', { name: /^Transfer / });
    await transfer.getByLabel('Colleague (name or extension)').fill('sal');
    await transfer.getByLabel('Reason for the call').fill('Сроки доставки');
    await transfer.getByRole('button', { name: 'Call colleague' }).click();
    await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Sales is busy \(486 Busy Here\)/);
    await phone.waitForTextMessage((m) => m.fromUser === '1000'); // the handoff note went ahead

    // From here, every click or key chord counts (typing the caller's words does not).
    const actions: string[] = [];
    await card.getByRole('button', { name: 'Take a message for Sales' }).click();
    actions.push('click "Take a message for Sales"');
    const form = reception.page.getByRole('dialog', { name: 'Take a message for Sales (1001)' });
    await expect(form.getByRole('list', { name: 'Recipients' })).toHaveText(/Sales \(1001\)/);
    await expect(form.getByLabel("Caller's name")).toHaveValue('Ivan Petrov');
    await expect(form.getByLabel('Phone', { exact: true })).toHaveValue('+74951234567');
    await expect(form.getByLabel('What it is about')).toHaveValue('Сроки доставки');
    const words = form.getByLabel("The message, in the caller's words");
    await expect(words).toBeFocused();
    await reception.page.keyboard.type('Заказ 4711 не пришёл, ждёт звонка сегодня.');
    await reception.page.keyboard.press('Control+Enter');
    actions.push('Ctrl+Enter (read back)');
    const readBack = form.getByRole('region', { name: 'Read it back to the caller' });
    await expect(readBack.getByLabel('Number, as you say it: +7, 495, 123, 45, 67')).toBeVisible();
    await reception.page.keyboard.press('Enter');
    actions.push('Enter (the caller confirmed: save and send)');
    await expect(form).toBeHidden();
    console.log(`Actions from the failed transfer to a message read back and sent: ${actions.length} (${actions.join(', ')})`);
    expect(actions.length).toBeLessThanOrEqual(6);

    // The ordinary phone shows it as text; it is not a Frontdesk, so nothing confirms delivery.
    const text = await phone.waitForTextMessage((m) => m.fromUser === '1000' && m.headers['X-Frontdesk-Message'] !== undefined, 15_000);
    expect(text.contentType).toMatch(/^text\/plain/);
    expect(text.body).toContain('Сообщение для: Sales (1001)');
    expect(text.body).toContain('Кто звонил: Ivan Petrov');
    expect(text.body).toContain('Телефон: +74951234567');
    expect(text.body).toContain('Тема: Сроки доставки');
    expect(text.body).toContain('Сообщение: «Заказ 4711 не пришёл, ждёт звонка сегодня.»');
    expect(text.body).toContain('Принял(а): Reception (1000)');
    await expect(deliveryOf(reception.page, 'Sales (1001)')).toHaveText('Sent');
    await card.getByRole('button', { name: 'Hang up' }).click();
    await call.result;
  } finally {
    await phone.stop();
  }
});

test('the draft is kept as it is typed: it survives closing the window and a killed host; bad input is named field by field and loses nothing', async ({ browser }) => {
  let agent: Agent & { close(): Promise<void> } = await openAgent(browser, { user: '1000' });
  try {
    await expect(agent.registration).toHaveText(/Registered as 1000/);
    let form = await newMessage(agent.page);
    await form.getByLabel("Caller's name").fill('Анна Смирнова');
    await form.getByLabel("The message, in the caller's words").fill('Хочет перенести встречу на четверг.');
    await form.getByLabel('Phone', { exact: true }).fill('12ab34');
    await form.getByRole('button', { name: 'Read back…' }).click();
    await expect(form.getByRole('alert')).toHaveText('2 things to fix: Choose who the message is for; "12ab34" is not a phone number: use digits, spaces, brackets, + and -');
    await expect(form.getByLabel('Colleague (name, extension or department)')).toBeFocused();
    await expect(form.getByLabel('Phone', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(form.getByLabel("The message, in the caller's words")).toHaveValue('Хочет перенести встречу на четверг.');
    await form.getByLabel('Colleague (name, extension or department)').fill('support');
    await form.getByLabel('Colleague (name, extension or department)').press('Enter');
    await expect(form.getByRole('status', { name: 'Draft' })).toHaveText(/Draft saved at/);

    // Closing the window (a reload) and then a host that dies: the draft is still there.
    await agent.page.reload();
    const host = await killAndRestart(agent.host, '1000');
    await agent.page.goto(host.url);
    const old = agent;
    agent = { ...agent, host, close: async () => (await old.page.context().close(), await host.stop()) };
    const messages = agent.page.getByRole('region', { name: 'Messages' });
    await messages.getByRole('button', { name: 'Continue the draft for Support from Анна Смирнова' }).click();
    form = agent.page.getByRole('dialog', { name: 'Take a message for Support (1003)' });
    await expect(form.getByLabel("The message, in the caller's words")).toHaveValue('Хочет перенести встречу на четверг.');
    await expect(form.getByLabel('Phone', { exact: true })).toHaveValue('12ab34');
    await form.getByLabel('Phone', { exact: true }).fill('+7 495 765-43-21');
    await form.getByRole('button', { name: 'Save without reading back' }).click();
    await expect(form).toBeHidden();
    await expect(messages.getByRole('list', { name: 'Message drafts' })).toBeHidden();
    await expect(agent.page.getByRole('article', { name: 'Message for Support (1003)' })).toBeVisible();
  } finally {
    await agent.close();
  }
});

test('the inbox: Call back dials the caller with the client call-back script; Forward sends it on to another colleague and tells the receptionist', async ({ agents }) => {
  const gateway = answerCalls({ port: 5070, ringMs: 200 });
  try {
    const [reception, accounting, support] = [await agents({ user: '1000' }), await agents({ user: '1002' }), await agents({ user: '1003' })];
    for (const a of [reception, accounting, support]) await expect(a.registration).toHaveText(/Registered as/);
    const form = await newMessage(reception.page);
    await form.getByLabel('Colleague (name, extension or department)').fill('1002');
    await form.getByLabel('Colleague (name, extension or department)').press('Enter');
    await form.getByLabel("Caller's name").fill('Ivan Petrov');
    await form.getByLabel("The message, in the caller's words").fill('Please call about the invoice');
    await form.getByLabel('Phone', { exact: true }).fill('+7 495 123-45-67');
    await form.getByRole('button', { name: 'Save without reading back' }).click();

    const item = accounting.page.getByRole('list', { name: 'Messages for you' }).getByRole('article', { name: 'Message from Ivan Petrov' });
    await item.getByRole('button', { name: 'Call back Ivan Petrov' }).click();
    const call = accounting.page.getByRole('article', { name: /^Call to Ivan Petrov/ });
    await expect(call).toContainText('Connected');
    await expect(accounting.page.getByRole('region', { name: 'Caller' })).toContainText('Calling a client back');
    await call.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => gateway.calls().length).toBe(1);

    await item.getByRole('button', { name: 'Forward: Ivan Petrov' }).click();
    const fwd = item.getByRole('form', { name: 'Forward the message' });
    await fwd.getByLabel('Forward to (name or extension)').fill('1003');
    await fwd.getByLabel('Note (optional)').fill('This is for Support');
    await fwd.getByLabel('Note (optional)').press('Enter');
    await expect(item).toContainText('forwarded to Support (1003)');
    const atSupport = support.page.getByRole('list', { name: 'Messages for you' }).getByRole('article', { name: 'Message from Ivan Petrov' });
    await atSupport.getByRole('button', { name: 'Open the message from Ivan Petrov' }).click();
    await expect(atSupport).toContainText('forwarded by Accounting: This is for Support');
    await expect(atSupport).toContainText('by Reception (1000)');
    const taken = reception.page.getByRole('article', { name: 'Message for Accounting (1002)' });
    await taken.getByRole('button', { name: 'History of the message for Accounting (1002)' }).click();
    await expect(taken.getByRole('list', { name: 'History' })).toContainText('forwarded: by Accounting (1002) to Support (1003)');
    await expect(deliveryOf(reception.page, 'Accounting (1002)')).toHaveText('Done');
  } finally {
    await gateway.stop();
  }
});

test('Alt+M on a ringing call opens the form prefilled from the call and the client card; the History row offers it too', async ({ agents }) => {
  const reception = await agents({
    user: '1000',
    seed: (dataDir) => {
      mkdirSync(dataDir, { recursive: true });
      const dir = new DirectoryService(path.join(dataDir, 'directory.db'), { defaultRegion: 'RU' });
      dir.create({ name: 'Oleg Petrov', company: 'Romashka LLC', position: 'CFO', phones: ['8 (495) 123-45-67'], emails: ['oleg@romashka.test'], request: 'Invoice 148 issued twice' });
      dir.close();
    },
  });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = placeCall({ from: '+74951234567', to: '1000', cancelAfterMs: 30_000 });
  const ringing = reception.page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await expect(ringing.getByRole('button', { name: 'Answer' })).toBeFocused();
  await reception.page.keyboard.press('Alt+M');
  const form = reception.page.getByRole('dialog', { name: 'Take a message' });
  await expect(form.getByLabel('Colleague (name, extension or department)')).toBeFocused();
  await expect(form.getByLabel('Phone', { exact: true })).toHaveValue('+74951234567');
  await expect(form.getByLabel("Caller's name")).toHaveValue('Oleg Petrov');
  await expect(form.getByLabel('Company')).toHaveValue('Romashka LLC');
  await expect(form.getByLabel('Position')).toHaveValue('CFO');
  await expect(form.getByLabel('E-mail')).toHaveValue('oleg@romashka.test');
  await expect(form.getByLabel('What it is about')).toHaveValue('Invoice 148 issued twice');
  await expect(form).toContainText(/Taken by Reception \(1000\) at .*, during the call with \+7 495 123 45 67/);
  await form.getByRole('button', { name: 'Close (keep the draft)' }).click();
  await expect(form).toBeHidden();
  await call.stop();

  // The missed call's History row: Take a message about it.
  const row = reception.page.getByRole('list', { name: 'Call history' }).getByRole('listitem').first();
  await row.getByRole('button', { name: /^Take a message about the call with/ }).click();
  const again = reception.page.getByRole('dialog', { name: 'Take a message' });
  await expect(again.getByLabel('Phone', { exact: true })).toHaveValue('+74951234567');
  await expect(again.getByLabel('Company')).toHaveValue('Romashka LLC');
});
