import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  flagText,
  messageEventKeys,
  messageEventText,
  MessageDraftSchema,
  messageMailHtml,
  messageMailSubject,
  messagePlainText,
  messageProblems,
  normaliseMessage,
  phoneProblem,
  spokenGroups,
  type MessageDraftInput,
} from './messages';
import { fixedT } from './i18n/translate';

/** (common/ is typed without the DOM or Node: Node's Buffer from the global object.) */
const NodeBuffer = (globalThis as unknown as { Buffer: { from(s: string, enc: string): { toString(enc: string): string } } }).Buffer;
const codec = { utf8ToBase64: (t: string) => NodeBuffer.from(t, 'utf8').toString('base64'), base64ToUtf8: (b: string) => NodeBuffer.from(b, 'base64').toString('utf8') };
const draft = (over: Partial<MessageDraftInput> = {}) =>
  MessageDraftSchema.parse({
    id: '11111111-2222-4333-8444-555555555555',
    recipients: [{ extension: '1001', name: 'Sales' }],
    caller: { name: 'Ivan Petrov', position: '', company: 'Acme', phones: ['+7 495 123-45-67'], email: '' },
    text: 'Call me about the <order> & the invoice',
    asks: ['call-back'],
    takenBy: { user: '1000', name: 'Reception' },
    takenAt: '2026-12-06T09:58:00.000Z',
    ...over,
  });

describe('reading a number back', () => {
  it('groups numbers as people say them', () => {
    expect(spokenGroups('8 (495) 123-45-67', 'RU')).toEqual(['+7', '495', '123', '45', '67']);
    expect(spokenGroups('+7 912 345 67 89', 'RU')).toEqual(['+7', '912', '345', '67', '89']);
    expect(spokenGroups('+44 20 7946 0958', 'RU')).toEqual(['+44', '20', '7946', '0958']);
    expect(spokenGroups('1002', 'RU')).toEqual(['10', '02']);
    expect(spokenGroups('1234567', 'RU')).toEqual(['123', '45', '67']);
    expect(spokenGroups('', 'RU')).toEqual([]);
  });
});

describe('checks', () => {
  it('names each field that stops a save', () => {
    expect(messageProblems(draft({ recipients: [], text: '', caller: { name: '', position: '', company: '', phones: ['abc'], email: 'x@' } }), 'RU')).toEqual([
      { field: 'recipients', message: 'Choose who the message is for' },
      { field: 'caller.phones.0', message: '"abc" is not a phone number: it has no digits' },
      { field: 'caller.email', message: '"x@" is not an e-mail address' },
      { field: 'text', message: 'Write what the caller asked to pass on' },
    ]);
    expect(messageProblems(draft({ caller: { name: 'x', position: '', company: '', phones: [], email: '' } }), 'RU')).toEqual([
      { field: 'caller.phones.0', message: "A call back needs the caller's phone number" },
    ]);
    expect(messageProblems(draft({ callBack: { date: '', from: '16:00', to: '14:00', timeZone: 'Mars/Olympus' } }), 'RU').map((p) => p.field)).toEqual(['callBack.to', 'callBack.timeZone']);
    expect(messageProblems(draft(), 'RU')).toEqual([]);
  });

  it('reads phones as the dialler does', () => {
    expect(phoneProblem('8 (495) 123-45-67', 'RU')).toBeNull();
    expect(phoneProblem('1002', 'RU')).toBeNull();
    expect(phoneProblem('12ab34', 'RU')).toMatch(/is not a phone number/);
    expect(phoneProblem('+7 123', 'RU')).toMatch(/too short/);
    expect(normaliseMessage(draft({ caller: { name: ' Ivan ', position: '', company: '', phones: ['8 495 123 45 67', ' '], email: '' } }), 'RU').caller).toMatchObject({ name: 'Ivan', phones: ['+74951234567'] });
  });
});

describe('how a message reads', () => {
  it('as plain text for a phone, in English', () => {
    expect(messagePlainText(draft({ asks: ['urgent', 'call-back'], mood: 'angry', readBackAt: '2026-12-06T09:59:00.000Z' }), 'en', { timeZone: 'UTC' })).toBe(
      [
        'URGENT!',
        'Message for: Sales (1001)',
        'Caller: Ivan Petrov',
        'Company: Acme',
        'Phone: +7 495 123-45-67',
        'Message: "Call me about the <order> & the invoice"',
        'Asks: urgent, please call back',
        'Mood: angry',
        'Taken by: Reception (1000), 6 Dec 2026, 09:58; read back to the caller',
      ].join('\n'),
    );
  });

  it('in an e-mail: a subject that says who and what, HTML escaped', () => {
    expect(messageMailSubject(draft(), 'en')).toBe('Message from Ivan Petrov, Acme: please call back');
    const html = messageMailHtml(draft(), 'en');
    expect(html).toContain('Call me about the &lt;order&gt; &amp; the invoice');
    expect(html).not.toContain('<order>');
  });

  it('travels in a header and comes back the same; anything else is not a message', () => {
    const m = draft({ text: 'Перезвоните «срочно»' });
    expect(decodeMessage(encodeMessage(m, codec), codec)).toEqual(m);
    expect(decodeMessage('not base64!', codec)).toBeNull();
    expect(decodeMessage(NodeBuffer.from('{"id":"x"}', 'utf8').toString('base64url'), codec)).toBeNull();
  });
});

describe("a message's history and flag in the UI language", () => {
  const ru = fixedT('ru');
  const params = { by: 'Анна (1001)', to: 'Олег (1003)', from: 'Анна (1001)', recipients: 'Олег (1003)', channel: 'sip', target: '1003', result: '202 Accepted' } as const;
  /** An English word left in a Russian line (SIP MESSAGE and Frontdesk are names; "Accepted" is the PBX's own answer). */
  const englishWord = (text: string) => /\b(?!(?:SIP|MESSAGE|Frontdesk|Accepted)\b)[A-Za-z]{2,}\b/.exec(text)?.[0] ?? null;

  it('tells every kind of event in Russian under Russian', () => {
    for (const key of messageEventKeys) {
      const text = messageEventText({ what: key, detail: null, says: { key, params } }, ru);
      expect(englishWord(text), `${key}: ${text}`).toBeNull();
    }
    expect(messageEventText({ what: 'taken', detail: null, says: { key: 'taken', params: { by: 'Анна (1001)' } } }, ru)).toBe('принято: Анна (1001)');
    expect(messageEventText({ what: 'sent', detail: null, says: { key: 'sent', params: { channel: 'webhook', target: 'webhook', result: '200' } } }, ru)).toBe('отправлено: веб-хук на веб-хук: 200');
    expect(messageEventText({ what: 'forwarded', detail: null, says: { key: 'forwardedTo', params: { to: 'Олег (1003)', note: 'срочно' } } }, ru)).toBe('переслано: Олег (1003): срочно');
  });

  it('tells an event recorded before, without data, as it was written', () => {
    expect(messageEventText({ what: 'taken', detail: 'by Anna (1001)', says: null }, ru)).toBe('taken: by Anna (1001)');
    expect(messageEventText({ what: 'read', detail: null, says: null })).toBe('read');
  });

  it('flags in Russian under Russian, with what was tried', () => {
    const deliveries = [
      { id: 'a', channel: 'sip', target: '1002', recipient: '1002', state: 'sent', attempts: 3, nextAttemptAt: null, lastResult: '202 Accepted', sentAt: null },
      { id: 'b', channel: 'email', target: 'buh@example.ru', recipient: '1002', state: 'failed', attempts: 0, nextAttemptAt: null, lastResult: null, sentAt: null },
    ] as const;
    expect(flagText({ flag: { kind: 'unconfirmed', who: 'Бухгалтерия (1002)', minutes: 15 }, deliveries: [...deliveries] }, ru)).toBe(
      'Frontdesk получателя (Бухгалтерия (1002)) не подтвердил получение за 15 мин. Попытки: SIP MESSAGE на 1002: 3 попытки, последний ответ: 202 Accepted; эл. почта на buh@example.ru: ещё не отправлялось.',
    );
    expect(flagText({ flag: { kind: 'undelivered', channels: ['email', 'webhook'] }, deliveries: [deliveries[1]] }, ru)).toBe(
      'Не удалось доставить (эл. почта и веб-хук). Попытки: эл. почта на buh@example.ru: ещё не отправлялось.',
    );
    expect(flagText({ flag: null, deliveries: [] }, ru)).toBeNull();
  });
});
