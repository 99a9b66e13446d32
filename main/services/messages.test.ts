import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, flagText, messageEventText, messageHeaders, type MessageDraftInput, MessageDraftSchema, type MessageDraft } from '../../common/messages';
import type { MessagesConfig } from '../../common/provisioning';
import { CallLogService } from './callLog';
import { MessageCourier } from './messageCourier';
import { claimLeaseMs, MessageInputError, MessageStore, retryDelaysMs, type MessageContext } from './messages';

const codec = { utf8ToBase64: (t: string) => Buffer.from(t, 'utf8').toString('base64'), base64ToUtf8: (b: string) => Buffer.from(b, 'base64').toString('utf8') };
const dirs: string[] = [];
const closers: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(file?: string) {
  let t = Date.UTC(2026, 11, 6, 10, 0);
  const dbFile = file ?? path.join(dirs[dirs.push(mkdtempSync(path.join(tmpdir(), 'frontdesk-messages-'))) - 1]!, 'frontdesk.db');
  const calls = new CallLogService(dbFile);
  const store = new MessageStore(calls.database, codec, { now: () => t });
  closers.push(() => calls.close());
  return { calls, store, dbFile, advance: (ms: number) => (t += ms), now: () => t };
}

const ctx = (over: Partial<MessageContext> = {}): MessageContext => ({
  region: 'RU',
  language: 'ru',
  emailOf: () => null,
  webhook: false,
  alertAfterMs: 15 * 60_000,
  ...over,
});

const draft = (over: Partial<MessageDraftInput> = {}): MessageDraft =>
  MessageDraftSchema.parse({
    id: '5d1c2f0e-3a43-4c1e-9a52-0c2b8c7d9e10',
    recipients: [{ extension: '1002', name: 'Бухгалтерия' }],
    caller: { name: 'Олег Петров', position: 'финансовый директор', company: 'ООО «Ромашка»', phones: ['8 (495) 123-45-67'], email: 'oleg@romashka.ru' },
    subject: 'Счёт № 148',
    text: 'Счёт выставлен дважды, просит срочно перезвонить.\nОчень недоволен.',
    asks: ['call-back', 'urgent'],
    callBack: { date: '2026-12-07', from: '14:00', to: '16:00', timeZone: 'Asia/Yekaterinburg' },
    mood: 'annoyed',
    takenBy: { user: '1000', name: 'Reception' },
    takenAt: '2026-12-06T09:58:00.000Z',
    readBackAt: '2026-12-06T09:59:30.000Z',
    ...over,
  });

describe('the outbox', () => {
  it('saves a message with its deliveries in one go; saving the same id again (a retried Save) adds nothing', () => {
    const { store } = setup();
    store.saveDraft('1000', draft());
    expect(store.drafts('1000')).toHaveLength(1);
    const first = store.save('1000', draft(), ctx({ emailOf: (e) => (e === '1002' ? 'buh@example.ru' : null), webhook: true }));
    expect(first.message.caller.phones).toEqual(['+74951234567']);
    expect(first.state).toBe('queued');
    expect(first.deliveries.map((d) => `${d.channel}:${d.target}`)).toEqual(['sip:1002', 'email:buh@example.ru', 'webhook:webhook']);
    expect(first.history.map((e) => e.what)).toEqual(['taken', 'read back', 'saved']);
    expect(store.drafts('1000')).toEqual([]);
    const again = store.save('1000', draft({ text: 'changed on a second press' }), ctx({ webhook: true }));
    expect(again.message.text).toBe(first.message.text);
    expect(again.deliveries).toHaveLength(3);
    expect(store.list('1000', ctx()).sent).toHaveLength(1);
    // A late draft write of a saved message does not bring the draft back.
    store.saveDraft('1000', draft());
    expect(store.drafts('1000')).toEqual([]);
  });

  it('refuses a message without a recipient or with a phone that cannot be a number, saying which field', () => {
    const { store } = setup();
    expect(() => store.save('1000', draft({ recipients: [] }), ctx())).toThrow(MessageInputError);
    expect(() => store.save('1000', draft({ recipients: [] }), ctx())).toThrow(/recipients: Choose who the message is for/);
    expect(() => store.save('1000', draft({ caller: { name: 'x', position: '', company: '', phones: ['12ab34'], email: '' } }), ctx())).toThrow(/caller\.phones\.0: "12ab34" is not a phone number/);
    expect(store.list('1000', ctx()).sent).toEqual([]);
  });

  it('hands the renderer a SIP MESSAGE: readable text for any phone, the structured message in X-Frontdesk-Message', () => {
    const { store } = setup();
    store.save('1000', draft(), ctx());
    const { jobs } = store.claimSip(ctx());
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.target).toBe('1002');
    expect(job.contentType).toBe('text/plain;charset=UTF-8');
    expect(job.body).toContain('СРОЧНО!');
    expect(job.body).toContain('Кто звонил: Олег Петров');
    expect(job.body).toContain('Сообщение: «Счёт выставлен дважды, просит срочно перезвонить.\nОчень недоволен.»');
    expect(job.body).toContain('Когда перезвонить: пн, 7 дек., 14:00–16:00 (время звонившего, Asia/Yekaterinburg)');
    const header = job.headers.find((h) => h.startsWith(`${messageHeaders.message}: `))!;
    const decoded = decodeMessage(header.slice(messageHeaders.message.length + 2), codec);
    expect(decoded?.id).toBe(draft().id);
    expect(decoded?.caller.company).toBe('ООО «Ромашка»');
  });

  it('records every attempt, backs off after a failure, and stops once a SIP answer takes it', () => {
    const { store, advance } = setup();
    store.save('1000', draft(), ctx());
    const [a1] = store.claimSip(ctx()).jobs;
    store.result({ deliveryId: a1!.deliveryId, attemptId: a1!.attemptId, ok: false, result: '480 Temporarily Unavailable', status: 480 });
    expect(store.claimSip(ctx()).jobs).toEqual([]); // not due yet
    const waiting = store.sent(draft().id)!;
    expect(Date.parse(waiting.deliveries[0]!.nextAttemptAt!) - Date.parse(waiting.attempts[0]!.at)).toBe(retryDelaysMs[0]);
    advance(retryDelaysMs[0]);
    const [a2] = store.claimSip(ctx()).jobs;
    store.result({ deliveryId: a2!.deliveryId, attemptId: a2!.attemptId, ok: false, result: '408 Request Timeout', status: 408 });
    const afterTwo = store.sent(draft().id)!;
    expect(Date.parse(afterTwo.deliveries[0]!.nextAttemptAt!) - Date.parse(afterTwo.attempts[1]!.at)).toBe(retryDelaysMs[1]);
    advance(retryDelaysMs[1]);
    const [a3] = store.claimSip(ctx()).jobs;
    store.result({ deliveryId: a3!.deliveryId, attemptId: a3!.attemptId, ok: true, result: '202 Accepted', status: 202 });
    const sent = store.sent(draft().id)!;
    expect(sent.state).toBe('sent');
    expect(sent.attempts.map((a) => [a.ok, a.result])).toEqual([
      [false, '480 Temporarily Unavailable'],
      [false, '408 Request Timeout'],
      [true, '202 Accepted'],
    ]);
    expect(sent.history.at(-1)).toMatchObject({ what: 'sent', says: { key: 'sentStored' } });
    expect(messageEventText(sent.history.at(-1)!)).toBe('sent: SIP MESSAGE to 1002: 202 Accepted (stored by the PBX until they are back)');
    advance(3_600_000);
    expect(store.claimSip(ctx()).jobs).toEqual([]);
  });

  it('after a crash between sending and recording the result, the message goes out again with the same id once its claim lapses', () => {
    const first = setup();
    first.store.save('1000', draft(), ctx());
    const [lost] = first.store.claimSip(ctx()).jobs;
    first.calls.close(); // kill -9: no result was ever recorded
    const second = setup(first.dbFile);
    second.advance(claimLeaseMs - 1000);
    expect(second.store.claimSip(ctx()).jobs).toEqual([]);
    second.advance(2000);
    const [again] = second.store.claimSip(ctx()).jobs;
    expect(again!.deliveryId).toBe(lost!.deliveryId);
    expect(again!.headers).toEqual(lost!.headers); // same message, same id: the recipient keeps it once
    second.store.result({ deliveryId: again!.deliveryId, attemptId: again!.attemptId, ok: true, result: '200 OK', status: 200 });
    expect(second.store.sent(draft().id)!.attempts.map((a) => a.result)).toEqual(['no result (Frontdesk was closed or restarted meanwhile)', '200 OK']);
  });

  it("the recipient keeps a message once however often it arrives, and its receipts take the sender's copy to delivered and done", () => {
    const sender = setup();
    const recipient = setup();
    recipient.store.setLocalName('1002', 'Бухгалтерия');
    const saved = sender.store.save('1000', draft(), ctx());
    expect(recipient.store.receive('1002', { user: '1000', name: 'Reception' }, saved.message)).toEqual({ created: true });
    expect(recipient.store.receive('1002', { user: '1000', name: 'Reception' }, saved.message)).toEqual({ created: false });
    const box = recipient.store.list('1002', ctx());
    expect(box.inbox).toHaveLength(1);
    expect(box.unread).toBe(1);
    const receipts = recipient.store.claimSip(ctx()).jobs;
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ target: '1000', contentType: 'application/vnd.frontdesk.message-status+json' });
    const delivered = JSON.parse(receipts[0]!.body);
    expect(delivered).toMatchObject({ id: saved.message.id, status: 'delivered', by: { user: '1002', name: 'Бухгалтерия' } });
    expect(sender.store.statusReceived({ user: '1002', name: '' }, delivered)).toBe(true);
    expect(sender.store.statusReceived({ user: '1002', name: '' }, delivered)).toBe(false);
    expect(sender.store.sent(saved.message.id)!.state).toBe('delivered');

    recipient.store.markDone('1002', saved.message.id);
    expect(recipient.store.list('1002', ctx()).unread).toBe(0);
    const done = recipient.store.claimSip(ctx()).jobs.map((j) => JSON.parse(j.body));
    expect(done).toEqual([expect.objectContaining({ status: 'done' })]);
    sender.store.statusReceived({ user: '1002', name: '' }, done[0]);
    const final = sender.store.sent(saved.message.id)!;
    expect(final.state).toBe('done');
    expect(final.history.map((e) => e.what)).toEqual(['taken', 'read back', 'saved', 'delivered', 'marked done']);
  });

  it('flags a message no recipient confirmed in time, saying what was tried', () => {
    const { store, advance } = setup();
    store.save('1000', draft(), ctx());
    const [job] = store.claimSip(ctx()).jobs;
    store.result({ deliveryId: job!.deliveryId, attemptId: job!.attemptId, ok: true, result: '202 Accepted', status: 202 });
    expect(store.list('1000', ctx()).flagged).toBe(0);
    advance(15 * 60_000);
    const list = store.list('1000', ctx());
    expect(list.flagged).toBe(1);
    expect(flagText(list.sent[0]!)).toBe("Not confirmed by Бухгалтерия (1002)'s Frontdesk after 15 min. Tried: SIP MESSAGE to 1002: 1 attempt, last 202 Accepted.");
    // Send again: SIP goes out again (same id), since no Frontdesk confirmed it.
    store.retry('1000', draft().id);
    expect(store.claimSip(ctx()).jobs).toHaveLength(1);
  });

  it('forwarding makes a new message from this desk and tells whoever sent the original', () => {
    const { store } = setup();
    store.receive('1002', { user: '1000', name: 'Reception' }, draft());
    store.claimSip(ctx()); // the "delivered" receipt
    const fwd = store.forward('1002', { id: draft().id, newId: '7e0a1b2c-0000-4000-8000-000000000001', to: [{ extension: '1003', name: 'Support' }], note: 'Это к вам', by: { user: '1002', name: 'Бухгалтерия' } }, ctx());
    expect(fwd.message.forwarded).toMatchObject({ by: { user: '1002' }, note: 'Это к вам', originalId: draft().id });
    expect(fwd.message.caller.name).toBe('Олег Петров');
    const jobs = store.claimSip(ctx()).jobs;
    expect(jobs.map((j) => j.target).sort()).toEqual(['1000', '1003']);
    expect(JSON.parse(jobs.find((j) => j.target === '1000')!.body)).toMatchObject({ status: 'forwarded', to: 'Support (1003)' });
    expect(store.inboxMessage(draft().id)!.forwardedTo).toBe('Support (1003)');
  });
});

describe('e-mail and webhook', () => {
  async function smtp(options: { reject?: boolean } = {}) {
    const mails: { to: string[]; raw: Buffer }[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, cb) {
        if (options.reject) return cb(Object.assign(new Error('5.1.1 No such mailbox'), { responseCode: 550 }));
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    return { port: (server.server.address() as AddressInfo).port, mails };
  }

  it('e-mails every field in UTF-8, Cyrillic intact, and records the server\'s answer', async () => {
    const { store } = setup();
    const server = await smtp();
    const config: MessagesConfig = { smtp: { host: '127.0.0.1', port: server.port, secure: false, from: 'Frontdesk <frontdesk@example.ru>', requireValidCertificate: true } };
    const courier = new MessageCourier(store, () => ({ messages: config, language: 'ru' }));
    closers.push(() => courier.close());
    store.save('1000', draft(), ctx({ emailOf: () => 'buh@example.ru' }));
    courier.kick();
    await expect.poll(() => server.mails.length, { timeout: 10_000 }).toBe(1);
    const mail = await simpleParser(server.mails[0]!.raw);
    expect(server.mails[0]!.to).toEqual(['buh@example.ru']);
    expect(mail.subject).toBe('[СРОЧНО] Сообщение от Олег Петров, финансовый директор, ООО «Ромашка»: перезвонить, срочно — Счёт № 148');
    for (const text of [
      'Сообщение для: Бухгалтерия (1002)',
      'Кто звонил: Олег Петров',
      'Должность: финансовый директор',
      'Компания: ООО «Ромашка»',
      'Телефон: +74951234567',
      'E-mail: oleg@romashka.ru',
      'Тема: Счёт № 148',
      'Сообщение: «Счёт выставлен дважды, просит срочно перезвонить.\nОчень недоволен.»',
      'Просит: перезвонить, срочно',
      'Когда перезвонить: пн, 7 дек., 14:00–16:00 (время звонившего, Asia/Yekaterinburg)',
      'Настроение: недоволен(на)',
      'Принял(а): Reception (1000)',
      'зачитано звонившему',
    ]) expect(mail.text).toContain(text);
    expect(mail.html).toContain('ООО «Ромашка»');
    expect(mail.replyTo?.text).toBe('oleg@romashka.ru');
    await expect.poll(() => store.sent(draft().id)!.deliveries[1]!.state).toBe('sent');
    expect(store.sent(draft().id)!.attempts.find((a) => a.channel === 'email')).toMatchObject({ ok: true, result: expect.stringMatching(/^250/) });
  });

  it('a mailbox the server refuses (550) is not tried again, and the message is flagged with why', async () => {
    const { store } = setup();
    const server = await smtp({ reject: true });
    const courier = new MessageCourier(store, () => ({ messages: { smtp: { host: '127.0.0.1', port: server.port, secure: false, from: 'f@example.ru', requireValidCertificate: true } }, language: 'en' }));
    closers.push(() => courier.close());
    store.save('1000', draft(), ctx({ emailOf: () => 'nobody@example.ru' }));
    courier.kick();
    await expect.poll(() => store.sent(draft().id)!.deliveries[1]!.state, { timeout: 10_000 }).toBe('failed');
    expect(flagText(store.sent(draft().id)!)).toMatch(/^Could not be delivered by e-mail\. Tried: .*e-mail to nobody@example\.ru: 1 attempt, last 550/);
  });

  it('posts the message as JSON to the webhook with its id as the idempotency key, and retries a 503', async () => {
    const { store, advance } = setup();
    const posts: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        posts.push({ headers: req.headers, body });
        res.writeHead(posts.length === 1 ? 503 : 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const courier = new MessageCourier(store, () => ({ messages: { webhook: { url, headers: { authorization: 'Bearer t' } } }, language: 'ru' }));
    closers.push(() => courier.close());
    store.save('1000', draft(), ctx({ webhook: true }));
    courier.kick();
    await expect.poll(() => store.sent(draft().id)!.attempts.length).toBe(1);
    expect(store.sent(draft().id)!.deliveries.find((d) => d.channel === 'webhook')!.state).toBe('queued');
    advance(retryDelaysMs[0]);
    courier.kick();
    await expect.poll(() => store.sent(draft().id)!.deliveries.find((d) => d.channel === 'webhook')!.state).toBe('sent');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.headers['idempotency-key']).toBe(draft().id);
    expect(posts[1]!.headers.authorization).toBe('Bearer t');
    const body = JSON.parse(posts[1]!.body);
    expect(body).toMatchObject({ type: 'frontdesk.message', id: draft().id, message: { caller: { name: 'Олег Петров' } } });
    expect(body.text).toContain('Сообщение: «Счёт выставлен дважды');
  });
});
