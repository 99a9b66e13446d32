import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { digitsOf, outcomeForEndReason, type CallRecordInput } from '../../common/callLog';
import { callLogSchemaVersion, CallLogService, manyHits } from './callLog';

/** better-sqlite3 itself, to look at or tamper with a file behind the service's back. */
const RawDatabase = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options?: { readonly?: boolean },
) => { pragma(source: string, options?: { simple: true }): unknown; close(): void };

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-calllog-'));
  dirs.push(dir);
  return dir;
};
const open: CallLogService[] = [];
const service = (file: string | ':memory:' = ':memory:') => {
  const s = new CallLogService(file);
  open.push(s);
  return s;
};
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const at = (minute: number, second = 0, ms = 0) => new Date(Date.UTC(2025, 0, 15, 9, minute, second, ms)).toISOString();

const answered = (over: Partial<CallRecordInput> = {}): CallRecordInput => ({
  direction: 'inbound',
  localUser: '1000',
  remoteNumber: '+74951234567',
  remoteName: 'Анна Петрова',
  dialledNumber: '+74957770000',
  sipCallId: null,
  startedAt: at(0, 0),
  answeredAt: at(0, 12, 500),
  endedAt: at(3, 0),
  outcome: 'answered',
  endCause: 'BYE',
  ...over,
});
const missed = (over: Partial<CallRecordInput> = {}): CallRecordInput => ({
  direction: 'inbound',
  localUser: '1000',
  remoteNumber: '+7 (812) 555-01-02',
  remoteName: null,
  startedAt: at(10),
  answeredAt: null,
  endedAt: at(10, 25),
  outcome: 'missed',
  endCause: 'Canceled',
  ...over,
});

describe('digitsOf and outcomeForEndReason', () => {
  it('keeps only the digits of a formatted number', () => {
    expect(digitsOf('+7 (495) 123-45-67')).toBe('74951234567');
    expect(digitsOf('1001')).toBe('1001');
    expect(digitsOf('anonymous')).toBe('');
  });

  it('maps every end reason of the call machine to one outcome', () => {
    expect(outcomeForEndReason('hangup-local', 'inbound')).toBe('answered');
    expect(outcomeForEndReason('hangup-remote', 'outbound')).toBe('answered');
    expect(outcomeForEndReason('missed', 'inbound')).toBe('missed');
    expect(outcomeForEndReason('declined', 'inbound')).toBe('declined');
    expect(outcomeForEndReason('answered-elsewhere', 'inbound')).toBe('answered-elsewhere');
    expect(outcomeForEndReason('rejected', 'outbound')).toBe('rejected');
    expect(outcomeForEndReason('no-answer', 'outbound')).toBe('no-answer');
    expect(outcomeForEndReason('no-answer', 'inbound')).toBe('missed');
    expect(outcomeForEndReason('cancelled', 'outbound')).toBe('cancelled');
    expect(outcomeForEndReason('failed', 'inbound')).toBe('failed');
    expect(outcomeForEndReason('transferred', 'inbound')).toBe('transferred');
    expect(outcomeForEndReason('replaced', 'inbound')).toBe('answered');
  });
});

describe('CallLogService.record', () => {
  it('derives ring time and talk time from the timestamps and fills in id, conversation and links', () => {
    const log = service();
    const r = log.record(answered());
    expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.conversationId).toBe(r.id);
    expect(r.ringMs).toBe(12_500);
    expect(r.durationMs).toBe(167_500);
    expect(r).toMatchObject({
      direction: 'inbound',
      localUser: '1000',
      remoteNumber: '+74951234567',
      remoteName: 'Анна Петрова',
      dialledNumber: '+74957770000',
      startedAt: at(0),
      answeredAt: at(0, 12, 500),
      endedAt: at(3),
      outcome: 'answered',
      endCause: 'BYE',
      seen: true,
      recordingId: null,
      messageId: null,
      clientId: null,
      notes: null,
    });
    expect(log.get(r.id)).toEqual(r);
    expect(log.get('no-such-id')).toBeNull();
  });

  it('stores times with an offset as UTC instants', () => {
    const r = service().record(answered({ startedAt: '2025-01-15T12:00:00+03:00', answeredAt: '2025-01-15T12:00:05+03:00', endedAt: '2025-01-15T09:01:00Z' }));
    expect(r.startedAt).toBe('2025-01-15T09:00:00.000Z');
    expect(r.ringMs).toBe(5_000);
    expect(r.durationMs).toBe(55_000);
  });

  it('gives a missed call no ring time to answer and no duration, and leaves it unseen', () => {
    const log = service();
    const r = log.record(missed());
    expect(r).toMatchObject({ outcome: 'missed', answeredAt: null, ringMs: null, durationMs: null, seen: false, remoteName: null });
    expect(log.missedUnseenCount()).toBe(1);
  });

  it('stores each outcome, seen unless missed', () => {
    const log = service();
    const out = (over: Partial<CallRecordInput>) => ({ direction: 'outbound' as const, remoteNumber: '1001', answeredAt: null, ...over });
    const cases: CallRecordInput[] = [
      answered(),
      missed(),
      missed({ outcome: 'declined', endCause: '486 Busy Here' }),
      missed({ outcome: 'answered-elsewhere', endCause: 'Call completed elsewhere' }),
      answered(out({ outcome: 'rejected', endCause: '486 Busy Here' })),
      answered(out({ outcome: 'no-answer', endCause: '408 Request Timeout' })),
      answered(out({ outcome: 'cancelled', endCause: 'Canceled' })),
      answered({ outcome: 'transferred' }),
      answered({ outcome: 'failed', endCause: 'RTP Timeout' }),
      missed({ outcome: 'failed', endCause: '503 Service Unavailable' }),
    ];
    const stored = cases.map((c) => log.record(c));
    expect(stored.map((r) => [r.outcome, r.seen, r.durationMs === null])).toEqual([
      ['answered', true, false],
      ['missed', false, true],
      ['declined', true, true],
      ['answered-elsewhere', true, true],
      ['rejected', true, true],
      ['no-answer', true, true],
      ['cancelled', true, true],
      ['transferred', true, false],
      ['failed', true, false],
      ['failed', true, true],
    ]);
    expect(stored[4]!.endCause).toBe('486 Busy Here');
    expect(log.list({ outcome: 'rejected' }).records.map((r) => r.id)).toEqual([stored[4]!.id]);
    expect(log.missedUnseenCount()).toBe(1);
  });

  it('links legs of one conversation when the renderer gives the id', () => {
    const log = service();
    const first = log.record(answered({ outcome: 'transferred' }));
    const second = log.record(answered({ conversationId: first.conversationId, localUser: '1001', startedAt: at(1), answeredAt: at(1, 2), endedAt: at(4) }));
    expect(second.conversationId).toBe(first.id);
    expect(second.id).not.toBe(first.id);
  });

  it('keeps what a transfer carried: the count, who handed over, who took it, and the note', () => {
    const log = service();
    const conversationId = 'c0ffee00-1111-2222-3333-444455556666';
    const handedOver = log.record(
      answered({ conversationId, outcome: 'transferred', transfers: 0, transferredTo: 'Sales (1001)', handoffNote: 'Transfer from Reception (1000): Иван Петров\nReason: счёт' }),
    );
    const taken = log.record(
      answered({ conversationId, localUser: '1001', transfers: 1, transferredFrom: 'Reception (1000)', handoffNote: 'Reason: счёт', startedAt: at(1), answeredAt: at(1, 2), endedAt: at(4) }),
    );
    expect(handedOver).toMatchObject({ outcome: 'transferred', transfers: 0, transferredTo: 'Sales (1001)', transferredFrom: null });
    expect(handedOver.handoffNote).toContain('Иван Петров');
    expect(taken).toMatchObject({ conversationId, transfers: 1, transferredFrom: 'Reception (1000)', transferredTo: null, handoffNote: 'Reason: счёт' });
    expect(log.list().records.filter((r) => r.conversationId === conversationId)).toHaveLength(2);
    expect(log.record(answered({ sipCallId: 'x@y' })).transfers).toBe(0);
  });

  it('treats a second report of the same SIP call as the same record', () => {
    const log = service();
    const events: number[] = [];
    log.onChanged((c) => events.push(c.missedUnseen));
    const a = log.record(missed({ sipCallId: 'abc@pbx' }));
    const b = log.record(missed({ sipCallId: 'abc@pbx', remoteName: 'changed' }));
    expect(b).toEqual(a);
    expect(log.list().records).toHaveLength(1);
    expect(events).toEqual([1]);
    // The same Call-ID the other way round (a call to oneself) is another leg.
    log.record(answered({ direction: 'outbound', sipCallId: 'abc@pbx', remoteNumber: '1000' }));
    expect(log.list().records).toHaveLength(2);
  });

  it('keeps a call whose caller ID breaks the length limits: what does not fit is cut and ends with "…"', () => {
    const name = `Иван ${'Петров'.repeat(400)}`;
    const r = service().record(answered({ remoteName: name, remoteNumber: '7'.repeat(300), endCause: `500 ${'x'.repeat(900)}` }));
    expect(r.remoteName).toHaveLength(200);
    expect(r.remoteName!.startsWith('Иван Петров')).toBe(true);
    expect(r.remoteName!.endsWith('…')).toBe(true);
    expect(r.remoteNumber).toHaveLength(200);
    expect(r.endCause!.endsWith('…')).toBe(true);
  });

  it('turns blank optional text into null', () => {
    const r = service().record(answered({ remoteName: '  ', sipCallId: '', endCause: '' }));
    expect(r).toMatchObject({ remoteName: null, sipCallId: null, endCause: null });
  });
});

describe('CallLogService rejects bad input and writes nothing', () => {
  const bad: [string, CallRecordInput, RegExp][] = [
    ['an empty number', answered({ remoteNumber: ' ' }), /remoteNumber: must not be empty/],
    ['a time that is not ISO 8601', answered({ startedAt: '15/01/2025 09:00' }), /startedAt: must be an ISO 8601 date-time/],
    ['an end before the start', answered({ endedAt: '2025-01-15T08:59:00.000Z' }), /endedAt: must not be before startedAt/],
    ['an answer before the start', answered({ answeredAt: '2025-01-15T08:59:59.000Z' }), /answeredAt: must not be before startedAt/],
    ['an answer after the end', answered({ answeredAt: at(4) }), /answeredAt: must not be after endedAt/],
    ['an answered call without an answer time', answered({ answeredAt: null }), /answeredAt: is required for an answered call/],
    ['a missed call with an answer time', missed({ answeredAt: at(10, 5) }), /answeredAt: must be null for a "missed" call/],
    ['a missed outbound call', missed({ direction: 'outbound' }), /outcome: "missed" only applies to inbound calls/],
    ['a cancelled inbound call', missed({ outcome: 'cancelled' }), /outcome: "cancelled" only applies to outbound calls/],
    ['an unknown outcome', answered({ outcome: 'hangup-local' as never }), /outcome: /],
    ['an unknown field', { ...answered(), ringMs: 5 } as CallRecordInput, /invalid call record: .*ringMs/],
  ];
  for (const [what, input, message] of bad) {
    it(`refuses ${what}`, () => {
      const log = service();
      const events: unknown[] = [];
      log.onChanged((c) => events.push(c));
      expect(() => log.record(input)).toThrow(message);
      expect(log.list()).toEqual({ records: [], missedUnseen: 0 });
      expect(events).toEqual([]);
    });
  }

  it('refuses a malformed query with a readable message', () => {
    const log = service();
    expect(() => log.list({ limit: 0 })).toThrow(/invalid call history query: limit/);
    expect(() => log.list({ limit: 501 })).toThrow(/limit/);
    expect(() => log.list({ before: 'yesterday' })).toThrow(/before: must be an ISO 8601 date-time/);
    expect(() => log.markMissedSeen({ through: 'now' })).toThrow(/through/);
  });
});

describe('CallLogService.list', () => {
  const seed = (log: CallLogService) => {
    log.record(answered({ remoteNumber: '+74951234567', remoteName: 'Анна Петрова', startedAt: at(0), answeredAt: at(0, 5), endedAt: at(1) }));
    log.record(answered({ remoteNumber: '+78125550102', remoteName: 'Oleg Smirnov', startedAt: at(2), answeredAt: at(2, 5), endedAt: at(3) }));
    log.record(missed({ remoteNumber: '1001', remoteName: 'Sales', startedAt: at(4), endedAt: at(4, 30) }));
    log.record(answered({ direction: 'outbound', remoteNumber: 'alice', remoteName: null, startedAt: at(5), answeredAt: at(5, 5), endedAt: at(6) }));
  };
  const numbers = (log: CallLogService, query: Parameters<CallLogService['list']>[0]) => log.list(query).records.map((r) => r.remoteNumber);

  it('lists newest first', () => {
    const log = service();
    seed(log);
    expect(numbers(log, {})).toEqual(['alice', '1001', '+78125550102', '+74951234567']);
  });

  it('finds a number by how it is written: formatted, partial, national digits', () => {
    const log = service();
    seed(log);
    expect(numbers(log, { search: '+7 (495) 123-45-67' })).toEqual(['+74951234567']);
    expect(numbers(log, { search: '123-45' })).toEqual(['+74951234567']);
    expect(numbers(log, { search: '555 01' })).toEqual(['+78125550102']);
    expect(numbers(log, { search: '100' })).toEqual(['1001']);
    expect(numbers(log, { search: '10' })).toEqual(['1001', '+78125550102']);
    expect(numbers(log, { search: '999' })).toEqual([]);
  });

  it('finds a name case-insensitively, Cyrillic included, word by word in any order', () => {
    const log = service();
    seed(log);
    expect(numbers(log, { search: 'петрова' })).toEqual(['+74951234567']);
    expect(numbers(log, { search: 'ПЕТР' })).toEqual(['+74951234567']);
    expect(numbers(log, { search: 'smirnov oleg' })).toEqual(['+78125550102']);
    expect(numbers(log, { search: 'OL' })).toEqual(['+78125550102']);
    expect(numbers(log, { search: 'Alice' })).toEqual(['alice']);
    expect(numbers(log, { search: 'anna "x' })).toEqual([]);
    expect(numbers(log, { search: '   ' })).toHaveLength(4);
  });

  it('combines search and outcome', () => {
    const log = service();
    seed(log);
    log.record(missed({ remoteNumber: '+74951234567', startedAt: at(7), endedAt: at(7, 10) }));
    expect(numbers(log, { search: '4951234567', outcome: 'missed' })).toEqual(['+74951234567']);
    expect(log.list({ search: '4951234567' }).records.map((r) => r.outcome)).toEqual(['missed', 'answered']);
  });

  it('pages with limit and the before cursor without skipping or repeating', () => {
    const log = service();
    for (let i = 0; i < 25; i++) {
      log.record(answered({ remoteNumber: `+7495000${String(i).padStart(4, '0')}`, startedAt: at(i), answeredAt: at(i, 1), endedAt: at(i, 30) }));
    }
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = log.list({ limit: 10, ...(before ? { before } : {}) }).records;
      if (!page.length) break;
      seen.push(...page.map((r) => r.remoteNumber));
      before = page.at(-1)!.startedAt;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen[0]).toBe('+74950000024');
    expect(seen[24]).toBe('+74950000000');
    expect(log.list({ before: at(3) }).records.map((r) => r.startedAt)).toEqual([at(2), at(1), at(0)]);
    expect(log.list().records).toHaveLength(25);
  });
  it('gives the same answers when a search hits more calls than it sorts in memory', () => {
    const log = service();
    const total = 2 * manyHits; // "smirnov" hits two thirds (the walk), "kuznetsov" one third (the sort)
    // Start times out of insertion order (calls are recorded when they end), so the order can only come from startedAt.
    const starts = Array.from({ length: total }, (_, i) => (i * 37) % total);
    for (const [i, minute] of starts.entries()) {
      const name = i % 3 === 0 ? 'Ivan Kuznetsov' : 'Oleg Smirnov';
      const startedAt = new Date(Date.UTC(2025, 0, 1) + minute * 60_000).toISOString();
      log.record(answered({ remoteNumber: `+7916${String(i).padStart(7, '0')}`, remoteName: name, startedAt, answeredAt: startedAt, endedAt: startedAt }));
    }
    const smirnov = log.list({ search: 'smirnov', limit: 500 }).records;
    const expected = starts
      .map((minute, i) => ({ minute, i }))
      .filter(({ i }) => i % 3 !== 0)
      .sort((a, b) => b.minute - a.minute)
      .map(({ i }) => `+7916${String(i).padStart(7, '0')}`);
    expect(expected.length).toBeGreaterThanOrEqual(manyHits);
    expect(smirnov.map((r) => r.remoteNumber)).toEqual(expected.slice(0, 500));

    const cursor = smirnov[99]!.startedAt;
    expect(log.list({ search: 'smirnov', before: cursor, limit: 10 }).records.map((r) => r.remoteNumber)).toEqual(expected.slice(100, 110));
    expect(log.list({ search: 'smirnov ol', limit: 3 }).records.map((r) => r.remoteNumber)).toEqual(expected.slice(0, 3));
    expect(log.list({ search: 'smirnov', outcome: 'missed' }).records).toEqual([]);
    expect(log.list({ search: 'kuznetsov' }).records).toHaveLength(100);
    expect(log.list({ search: 'smirnov kuznetsov' }).records).toEqual([]);
  });
});

describe('the missed-call badge', () => {
  it('counts unseen missed calls and clears them when the agent looks', () => {
    const log = service();
    const events: number[] = [];
    log.onChanged((c) => events.push(c.missedUnseen));
    log.record(missed({ startedAt: at(1), endedAt: at(1, 20) }));
    log.record(answered({ startedAt: at(2), answeredAt: at(2, 3), endedAt: at(3) }));
    log.record(missed({ startedAt: at(4), endedAt: at(4, 20) }));
    log.record(missed({ startedAt: at(6), endedAt: at(6, 20) }));
    expect(log.missedUnseenCount()).toBe(3);
    expect(log.list({ limit: 1 }).missedUnseen).toBe(3);

    // Only what the agent saw: a missed call that arrives after the list was shown stays unseen.
    expect(log.markMissedSeen({ through: at(4) })).toBe(2);
    expect(log.missedUnseenCount()).toBe(1);
    expect(log.list({ outcome: 'missed' }).records.map((r) => r.seen)).toEqual([false, true, true]);

    expect(log.markMissedSeen()).toBe(1);
    expect(log.markMissedSeen()).toBe(0);
    expect(log.missedUnseenCount()).toBe(0);
    expect(events).toEqual([1, 1, 2, 3, 1, 0]);
  });
});

describe('the database file', () => {
  it('keeps the history across a restart', () => {
    const file = path.join(tmp(), 'frontdesk.db');
    const first = new CallLogService(file);
    const a = first.record(answered());
    const m = first.record(missed());
    first.close();
    expect(readdirSync(path.dirname(file))).toContain('frontdesk.db');

    const again = service(file);
    expect(again.get(a.id)).toEqual(a);
    expect(again.list().records.map((r) => r.id)).toEqual([m.id, a.id]);
    expect(again.missedUnseenCount()).toBe(1);
    expect(again.list({ search: 'петров' }).records.map((r) => r.id)).toEqual([a.id]);
  });

  it('migrates once: opening an up-to-date file again changes nothing', () => {
    const file = path.join(tmp(), 'frontdesk.db');
    const first = new CallLogService(file);
    const a = first.record(answered());
    first.close();
    const second = new CallLogService(file);
    second.close();
    const third = service(file);
    expect(third.list().records).toEqual([a]);
    // A second connection while the first is open (another process on the same file) migrates nothing and sees the same rows.
    const fourth = service(file);
    const b = fourth.record(missed());
    expect(third.list().records.map((r) => r.id)).toEqual([b.id, a.id]);
    expect(third.missedUnseenCount()).toBe(1);
  });

  it('refuses a file written by a newer schema instead of guessing', () => {
    const file = path.join(tmp(), 'frontdesk.db');
    new CallLogService(file).close();
    const raw = new RawDatabase(file);
    raw.pragma(`user_version = ${callLogSchemaVersion + 1}`);
    raw.close();
    expect(() => new CallLogService(file)).toThrow(`newer Frontdesk (schema ${callLogSchemaVersion + 1}; this version knows up to ${callLogSchemaVersion})`);
  });

  it('uses WAL journaling for a file database', () => {
    const file = path.join(tmp(), 'frontdesk.db');
    service(file).record(answered());
    const raw = new RawDatabase(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(callLogSchemaVersion);
    raw.close();
  });
});

describe('script runs saved with the call', () => {
  it('keeps the latest run of a call, across a reopen', () => {
    const file = path.join(tmp(), 'calls.db');
    const at = '2026-11-23T10:00:00.000Z';
    const first = new CallLogService(file);
    first.saveScriptRun({ localUser: '1000', sipCallId: 'abc@x', run: { scriptId: 's', answers: {}, history: [{ page: 'greeting', at }], lastQuestionId: null, finishedAt: null } });
    first.saveScriptRun({
      localUser: '1000',
      sipCallId: 'abc@x',
      run: { scriptId: 's', answers: { when: { value: 'Tuesday', at } }, history: [{ page: 'greeting', at }, { page: 'booking', at }], lastQuestionId: 'when', finishedAt: null },
    });
    first.close();
    const again = new CallLogService(file);
    expect(again.getScriptRun('1000', 'abc@x')).toMatchObject({ lastQuestionId: 'when', answers: { when: { value: 'Tuesday' } } });
    expect(again.getScriptRun('1001', 'abc@x')).toBeNull();
    again.close();
  });
});

describe('a call in progress survives Frontdesk stopping (crash, kill, power)', () => {
  it('noted as it goes, closed as interrupted at the last moment noted when Frontdesk starts again, with its wrap-up pending', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-open-calls-'));
    dirs.push(dir);
    const file = path.join(dir, 'frontdesk.db');
    const first = new CallLogService(file);
    first.noteOpen(answered({ sipCallId: 'crash@pbx', endedAt: at(1), outcome: 'interrupted' }));
    first.noteOpen(answered({ sipCallId: 'crash@pbx', endedAt: at(2, 30), outcome: 'interrupted' }));
    first.noteOpen(missed({ sipCallId: 'ringing@pbx', endedAt: at(10, 5), outcome: 'interrupted' }));
    expect(first.list().records).toHaveLength(0); // not in the history while it goes on
    first.close(); // (what a crash leaves: the database as it was)

    const again = new CallLogService(file);
    open.push(again);
    expect(again.closeOpen()).toBe(2);
    const records = again.list().records;
    const talked = records.find((r) => r.sipCallId === 'crash@pbx')!;
    expect(talked).toMatchObject({ outcome: 'interrupted', endedAt: at(2, 30), answeredAt: at(0, 12, 500), durationMs: 137_500 });
    expect(records.find((r) => r.sipCallId === 'ringing@pbx')).toMatchObject({ outcome: 'interrupted', answeredAt: null });
    expect(again.wrapUps.pending('1000').map((w) => w.sipCallId)).toEqual(['crash@pbx']);
    expect(again.closeOpen()).toBe(0);
  });

  it('a call that ends normally leaves nothing open; one closed as interrupted while it went on gets its real end', () => {
    const log = service();
    log.noteOpen(answered({ sipCallId: 'a@pbx', endedAt: at(1), outcome: 'interrupted' }));
    log.record(answered({ sipCallId: 'a@pbx' }));
    expect(log.closeOpen()).toBe(0);
    log.noteOpen(answered({ sipCallId: 'b@pbx', endedAt: at(1), outcome: 'interrupted' }));
    expect(log.closeOpen('1000')).toBe(1); // the services restarted; the page (and the call) went on
    const final = log.record(answered({ sipCallId: 'b@pbx', endedAt: at(5), endCause: 'BYE' }));
    expect(final).toMatchObject({ outcome: 'answered', endedAt: at(5) });
    expect(log.list().records.filter((r) => r.sipCallId === 'b@pbx')).toHaveLength(1);
  });

  it('closing open calls takes in what other services know of each: a recording made before the crash stays linked to its row', () => {
    const log = service();
    log.noteOpen(answered({ sipCallId: 'rec@pbx', endedAt: at(1), outcome: 'interrupted' }));
    expect(log.closeOpen(undefined, (input) => ({ ...input, recordingId: input.sipCallId === 'rec@pbx' ? 'recording-1' : null }))).toBe(1);
    expect(log.list().records.find((r) => r.sipCallId === 'rec@pbx')).toMatchObject({ outcome: 'interrupted', recordingId: 'recording-1' });
  });

  it('an open call is noted by its Call-ID', () => {
    expect(() => service().noteOpen(answered({ sipCallId: null }))).toThrow(/sipCallId/);
  });
});
