import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecordInput } from '../../common/callLog';
import { createDispatcher, type CallResult } from '../../common/contract';
import type { ClientCard } from '../../common/directory';
import type { FollowUp, WrapUp, WrapUpInput } from '../../common/wrapUp';
import { callLogMigrations, callLogSchemaVersion, CallLogService } from './callLog';
import { createFrontdesk } from './frontdesk';
import { openDatabase } from './sqlite';
import { WrapUpInputError } from './wrapUps';

/** better-sqlite3 itself, to look at a file behind the service's back. */
const RawDatabase = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => {
  prepare(sql: string): { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[]; get(...params: unknown[]): unknown };
  pragma(source: string, options?: { simple: true }): unknown;
  close(): void;
};

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-wrapups-'));
  dirs.push(dir);
  return dir;
};
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A clock the test moves: Tuesday 7 January 2025, 10:00 UTC. */
function clock() {
  let t = Date.UTC(2025, 0, 7, 10, 0);
  return { now: () => new Date(t), set: (iso: string) => (t = Date.parse(iso)), advance: (ms: number) => (t += ms) };
}
const at = (h: number, m = 0, day = 7) => new Date(Date.UTC(2025, 0, day, h, m)).toISOString();

function service(file: string | ':memory:' = ':memory:', now = clock()) {
  const s = new CallLogService(file, { now: now.now });
  closers.push(() => s.close());
  return s;
}

let seq = 0;
const answered = (over: Partial<CallRecordInput> = {}): CallRecordInput => ({
  direction: 'inbound',
  localUser: '1000',
  remoteNumber: '+74951234567',
  remoteName: 'Oleg Petrov',
  sipCallId: `call-${++seq}@lab`,
  startedAt: at(9, 0),
  answeredAt: at(9, 1),
  endedAt: at(9, 5),
  outcome: 'answered',
  ...over,
});
const wrap = (over: Partial<WrapUpInput> = {}): WrapUpInput => ({ localUser: '1000', remoteNumber: '+74951234567', outcome: 'resolved', ...over });

describe('the schema', () => {
  it('one migration adds wrap-ups and follow-ups to a call history that already has calls', () => {
    const file = path.join(tmp(), 'frontdesk.db');
    const old = openDatabase(file, { what: 'call history', migrations: callLogMigrations.slice(0, 2) });
    old
      .prepare(
        `INSERT INTO calls (id, conversation_id, direction, local_user, remote_number, remote_digits, search_text, started_ms, answered_ms, ended_ms, outcome, seen)
         VALUES ('old-call', 'old-call', 'inbound', '1000', '+74951234567', '74951234567', '+74951234567 74951234567', 1, 2, 3, 'answered', 1)`,
      )
      .run();
    old.close();
    const calls = service(file);
    expect(callLogSchemaVersion).toBe(callLogMigrations.length);
    const raw = new RawDatabase(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(callLogSchemaVersion);
    const tables = (raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    raw.close();
    expect(tables).toEqual(expect.arrayContaining(['calls', 'script_runs', 'wrap_ups', 'follow_ups', 'follow_up_calls']));
    // Every later migration too: the old call reads with the columns added since (no client name kept then).
    expect(calls.get('old-call')).toMatchObject({ remoteNumber: '+74951234567', clientId: null, clientName: null, transfers: 0 });
    // Calls from before the upgrade are history: they are not suddenly all waiting for a wrap-up.
    expect(calls.wrapUps.pending()).toEqual([]);
    const w = calls.wrapUps.save(wrap({ callId: 'old-call', notes: 'Called about the invoice' }));
    expect(w).toMatchObject({ callId: 'old-call', status: 'done', callStartedAt: new Date(1).toISOString() });
  });
});

describe('wrap-ups', () => {
  it('an answered call with an outside party waits for its wrap-up; missed calls and colleagues do not', () => {
    const calls = service();
    const changes: number[] = [];
    calls.wrapUps.onWrapUpsChanged((c) => changes.push(c.pending));
    const talked = calls.record(answered());
    calls.record(answered({ outcome: 'missed', answeredAt: null }));
    calls.record(answered({ remoteNumber: '1001', remoteName: 'Sales' }));
    calls.record(answered({ direction: 'outbound', outcome: 'no-answer', answeredAt: null }));
    const pending = calls.wrapUps.pending('1000');
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ status: 'pending', callId: talked.id, sipCallId: talked.sipCallId, outcome: null, direction: 'inbound', remoteName: 'Oleg Petrov' });
    expect(calls.wrapUps.pending('1001')).toEqual([]);
    expect(changes).toEqual([1]);
    // Reporting the same call again adds nothing.
    calls.record(answered({ sipCallId: talked.sipCallId }));
    expect(calls.wrapUps.pendingCount()).toBe(1);
  });

  it('pending wrap-ups survive a restart: postponed is never lost', () => {
    const file = path.join(tmp(), 'frontdesk.db');
    const first = new CallLogService(file);
    const call = first.record(answered());
    first.close();
    const again = service(file);
    expect(again.wrapUps.pending().map((w) => w.callId)).toEqual([call.id]);
  });

  it('saved while the call is up (by its SIP call), then linked to the call when the history records it', () => {
    const calls = service();
    const sipCallId = 'live-1@lab';
    const saved = calls.wrapUps.save(wrap({ sipCallId, outcome: 'sale', notes: 'Ordered 40 chairs', clientId: 'client-1' }));
    expect(saved).toMatchObject({ status: 'done', callId: null, outcome: 'sale', clientId: 'client-1' });
    const record = calls.record(answered({ sipCallId }));
    expect(calls.wrapUps.pending()).toEqual([]);
    expect(calls.wrapUps.get({ callId: record.id })).toMatchObject({ id: saved.id, callId: record.id, direction: 'inbound', callStartedAt: at(9, 0) });
    // The call record carries the notes and the card.
    expect(calls.get(record.id)).toMatchObject({ notes: 'Ordered 40 chairs', clientId: 'client-1' });
  });

  it("the call record takes the card the wrap-up names, with the card's name; the caller ID's name stays apart", () => {
    const calls = service();
    // Recorded with the one card the number had (the services' lookup), under the caller ID "Outside caller".
    const record = calls.record(answered({ remoteName: 'Outside caller', clientId: 'client-1', clientName: 'Кузнецова Мария' }));
    expect(calls.get(record.id)).toMatchObject({ remoteName: 'Outside caller', clientId: 'client-1', clientName: 'Кузнецова Мария' });
    // The same card, named by id only: the name is kept.
    calls.wrapUps.save(wrap({ callId: record.id, clientId: 'client-1' }));
    expect(calls.get(record.id)).toMatchObject({ clientId: 'client-1', clientName: 'Кузнецова Мария' });
    // Another card (the agent's pick of two with the number): its name.
    calls.wrapUps.save(wrap({ callId: record.id }), { client: { id: 'client-2', name: 'Кузнецов Иван' } });
    expect(calls.get(record.id)).toMatchObject({ remoteName: 'Outside caller', clientId: 'client-2', clientName: 'Кузнецов Иван' });
  });

  it('a pending wrap-up is done by its history id; saving again edits it', () => {
    const now = clock();
    const calls = service(':memory:', now);
    const record = calls.record(answered());
    now.advance(60_000);
    const done = calls.wrapUps.save(wrap({ callId: record.id, outcome: 'not-interested', notes: 'Too expensive' }));
    expect(done).toMatchObject({ status: 'done', outcome: 'not-interested', notes: 'Too expensive', wrappedAt: now.now().toISOString(), nextStep: null });
    expect(calls.wrapUps.pending()).toEqual([]);
    const edited = calls.wrapUps.save(wrap({ sipCallId: record.sipCallId, outcome: 'resolved', notes: null }));
    expect(edited).toMatchObject({ id: done.id, outcome: 'resolved', notes: null });
    expect(calls.get(record.id)?.notes).toBeNull();
  });

  it('bad input is refused with the problem named, and writes nothing', () => {
    const calls = service();
    expect(() => calls.wrapUps.save(wrap({ sipCallId: 'x@lab', outcome: 'callback' }))).toThrow(
      'invalid wrap-up: nextStep: a "Callback needed" outcome needs the next step and its date',
    );
    expect(() => calls.wrapUps.save(wrap({ callId: 'nope' }))).toThrow(WrapUpInputError);
    expect(() => calls.wrapUps.save(wrap({ sipCallId: 'x@lab', followUpId: 'nope' }))).toThrow('followUpId: there is no follow-up "nope"');
    expect(calls.wrapUps.get({ localUser: '1000', sipCallId: 'x@lab' })).toBeNull();
    expect(calls.wrapUps.listFollowUps().items).toEqual([]);
  });

  it('by date range, for reports: those saved in [from, to), oldest first', () => {
    const now = clock();
    const calls = service(':memory:', now);
    now.set(at(9, 10));
    const a = calls.wrapUps.save(wrap({ sipCallId: 'a@lab', outcome: 'sale' }));
    now.set(at(12, 0));
    const b = calls.wrapUps.save(wrap({ sipCallId: 'b@lab', outcome: 'callback', nextStep: { what: 'Call back', dueAt: at(15) } }));
    now.set(at(9, 0, 8));
    calls.wrapUps.save(wrap({ sipCallId: 'c@lab' }));
    calls.record(answered()); // pending: not in a report of outcomes
    expect(calls.wrapUpsBetween(at(0, 0), at(0, 0, 8)).map((w) => [w.id, w.outcome])).toEqual([
      [a.id, 'sale'],
      [b.id, 'callback'],
    ]);
    expect(calls.wrapUpsBetween(at(9, 10), at(12, 0)).map((w) => w.id)).toEqual([a.id]);
    expect(calls.wrapUpsBetween(at(0, 0), at(0, 0, 8))[1]?.nextStep).toMatchObject({ what: 'Call back', dueAt: at(15), allDay: false });
    expect(() => calls.wrapUpsBetween(at(12), at(9))).toThrow('invalid date range: to: must not be before from');
  });
});

describe('follow-ups', () => {
  it('a next step becomes a follow-up linked to the call and the wrap-up, on the card\'s client', () => {
    const now = clock();
    const calls = service(':memory:', now);
    const record = calls.record(answered());
    const w = calls.wrapUps.save(
      wrap({ callId: record.id, outcome: 'callback', notes: 'Wants 40 chairs', nextStep: { what: 'Send the price list and call back', dueAt: at(0, 0, 9), allDay: true } }),
      { client: { id: 'client-1', name: 'Oleg Petrov' } },
    );
    const f = calls.wrapUps.followUp(w.nextStep!.followUpId!);
    expect(f).toMatchObject({
      source: 'wrap-up',
      status: 'open',
      name: 'Oleg Petrov',
      number: '+74951234567',
      clientId: 'client-1',
      reason: 'Send the price list and call back',
      dueAt: at(0, 0, 9),
      allDay: true,
      originCallId: record.id,
      originWrapUpId: w.id,
      originNote: 'Wants 40 chairs',
      attempts: 0,
    });
    expect(w.clientId).toBe('client-1');
  });

  it('the list: due by the end of the day, soonest first, with how many come later', () => {
    const now = clock();
    const calls = service(':memory:', now);
    const add = (reason: string, dueAt: string, over: Partial<Parameters<typeof calls.wrapUps.addFollowUp>[0]> = {}) =>
      calls.wrapUps.addFollowUp({ source: 'manual', number: '+74951112233', reason, dueAt, ...over }).id;
    const later = add('next week', at(9, 0, 14));
    const today = add('this afternoon', at(15, 0));
    const overdue = add('yesterday', at(16, 0, 6));
    const morning = add('this morning', at(8, 0));
    const endOfDay = at(23, 59, 7);
    const list = calls.wrapUps.listFollowUps({ dueBy: endOfDay });
    expect(list.items.map((f) => f.id)).toEqual([overdue, morning, today]);
    expect(list.later).toBe(1);
    expect(calls.wrapUps.listFollowUps().items.map((f) => f.id)).toEqual([overdue, morning, today, later]);
    expect(calls.wrapUps.listFollowUps({ dueBy: endOfDay, limit: 1 }).items.map((f) => f.id)).toEqual([overdue]);
  });

  it('rescheduling moves it off today\'s list and back on its new date; a closed one cannot be', () => {
    const now = clock();
    const calls = service(':memory:', now);
    const f = calls.wrapUps.addFollowUp({ source: 'manual', number: '+74951112233', reason: 'Call back', dueAt: at(11) });
    const moved = calls.wrapUps.reschedule({ id: f.id, dueAt: at(0, 0, 9), allDay: true, reason: 'Call back after the holiday' });
    expect(moved).toMatchObject({ dueAt: at(0, 0, 9), allDay: true, reason: 'Call back after the holiday', status: 'open' });
    expect(calls.wrapUps.listFollowUps({ dueBy: at(23, 59) })).toEqual({ items: [], later: 1 });
    expect(calls.wrapUps.listFollowUps({ dueBy: at(23, 59, 9) }).items.map((x) => x.id)).toEqual([f.id]);
    calls.wrapUps.markDone({ id: f.id, note: 'Sent by e-mail' });
    expect(calls.wrapUps.followUp(f.id)).toMatchObject({ status: 'done', doneNote: 'Sent by e-mail', doneByWrapUpId: null });
    expect(() => calls.wrapUps.reschedule({ id: f.id, dueAt: at(12) })).toThrow('the follow-up is already done: it cannot be rescheduled');
    expect(() => calls.wrapUps.markDone({ id: 'nope' })).toThrow('there is no follow-up "nope"');
  });

  it('the call back\'s wrap-up closes it; its own next step is the new date', () => {
    const now = clock();
    const calls = service(':memory:', now);
    const first = calls.record(answered());
    const w1 = calls.wrapUps.save(wrap({ callId: first.id, outcome: 'callback', nextStep: { what: 'Call back about the quote', dueAt: at(15) } }));
    const followUpId = w1.nextStep!.followUpId!;
    // "Call Oleg Petrov" from the list: the outbound call is linked to the follow-up.
    now.set(at(15, 2));
    const sipCallId = 'callback-1@lab';
    expect(calls.wrapUps.attempt({ id: followUpId, localUser: '1000', sipCallId })).toMatchObject({ attempts: 1, lastAttemptAt: at(15, 2), lastAttemptOutcome: null });
    const callback = calls.record(answered({ direction: 'outbound', sipCallId, startedAt: at(15, 2), answeredAt: at(15, 3), endedAt: at(15, 8) }));
    expect(calls.wrapUps.pending()[0]).toMatchObject({ callId: callback.id, callbackOf: followUpId });
    const w2 = calls.wrapUps.save(wrap({ callId: callback.id, outcome: 'callback', notes: 'Still deciding', nextStep: { what: 'Call again', dueAt: at(11, 0, 10) } }));
    expect(w2.callbackOf).toBe(followUpId);
    expect(calls.wrapUps.followUp(followUpId)).toMatchObject({ status: 'done', doneByWrapUpId: w2.id, doneNote: 'Still deciding', lastAttemptOutcome: 'answered' });
    const next = calls.wrapUps.followUp(w2.nextStep!.followUpId!);
    expect(next).toMatchObject({ status: 'open', reason: 'Call again', dueAt: at(11, 0, 10), originCallId: callback.id });
    expect(calls.wrapUps.listFollowUps().items.map((f) => f.id)).toEqual([next!.id]);
  });

  it('a call back nobody answered leaves it open, with the attempt and how it ended', () => {
    const calls = service();
    const f = calls.wrapUps.addFollowUp({ source: 'web-lead', number: '+74957654321', reason: '40 chairs' });
    calls.wrapUps.attempt({ id: f.id, localUser: '1000', sipCallId: 'try-1@lab' });
    calls.record(answered({ direction: 'outbound', sipCallId: 'try-1@lab', outcome: 'no-answer', answeredAt: null, remoteNumber: '+74957654321' }));
    expect(calls.wrapUps.pending()).toEqual([]);
    expect(calls.wrapUps.followUp(f.id)).toMatchObject({ status: 'open', attempts: 1, lastAttemptOutcome: 'no-answer' });
  });

  it('editing the wrap-up edits its follow-up; removing the next step cancels it', () => {
    const calls = service();
    const record = calls.record(answered());
    const w = calls.wrapUps.save(wrap({ callId: record.id, nextStep: { what: 'Send the quote', dueAt: at(15) } }));
    const id = w.nextStep!.followUpId!;
    const edited = calls.wrapUps.save(wrap({ callId: record.id, nextStep: { what: 'Send the quote and call', dueAt: at(16) } }));
    expect(edited.nextStep?.followUpId).toBe(id);
    expect(calls.wrapUps.followUp(id)).toMatchObject({ reason: 'Send the quote and call', dueAt: at(16), status: 'open' });
    const removed = calls.wrapUps.save(wrap({ callId: record.id }));
    expect(removed.nextStep).toBeNull();
    expect(calls.wrapUps.followUp(id)).toMatchObject({ status: 'cancelled', doneNote: 'the next step was removed from the wrap-up' });
    expect(calls.wrapUps.listFollowUps().items).toEqual([]);
  });

  it('a web lead is added once, however often its import or its call comes again', () => {
    const now = clock();
    const calls = service(':memory:', now);
    const events: number[] = [];
    calls.wrapUps.onFollowUpsChanged((c) => events.push(c.open));
    const lead = { source: 'web-lead' as const, number: '+7 (495) 765-43-21', name: 'Irina', reason: 'A quote for a kitchen', externalId: 'lead:L-9', createdAt: at(8, 30) };
    const a = calls.wrapUps.addFollowUp(lead);
    const b = calls.wrapUps.addFollowUp({ ...lead, reason: 'changed' });
    expect(b).toEqual(a);
    expect(a).toMatchObject({ source: 'web-lead', dueAt: at(10, 0), createdAt: at(8, 30), externalId: 'lead:L-9', reason: 'A quote for a kitchen' });
    expect(events).toEqual([1]);
    expect(() => calls.wrapUps.addFollowUp({ ...lead, number: 'Irina' })).toThrow('invalid follow-up: number: must be a phone number');
  });
});

describe('through the contract, with the client card', () => {
  it('a wrap-up links the one card with the number, puts the next step on it, and the card lists the call with its outcome and notes', async () => {
    const root = tmp();
    const events: string[] = [];
    const fd = createFrontdesk({ dataDir: path.join(root, 'data'), provisioningFile: null, shell: 'browser-host', version: '0' }, (name) => events.push(name));
    closers.push(() => fd.close());
    const dispatch = createDispatcher(fd.handlers);
    const call = async <T>(channel: string, input: unknown): Promise<T> => {
      const result: CallResult = await dispatch(`frontdesk:${channel}`, input);
      if (!result.ok) throw new Error(result.error.message);
      return result.value as T;
    };
    const client = fd.directory.create({ name: 'Oleg Petrov', phones: ['8 (495) 123-45-67'] });
    const record = await call<{ id: string }>('calls.record', answered({ remoteName: null }));
    expect(events).toContain('wrapUps.changed');
    const pending = await call<WrapUp[]>('wrapUps.pending', { localUser: '1000' });
    expect(pending.map((w) => w.callId)).toEqual([record.id]);

    const saved = await call<WrapUp>('wrapUps.save', {
      localUser: '1000',
      callId: record.id,
      remoteNumber: '+74951234567',
      outcome: 'callback',
      notes: 'Wants 40 chairs',
      nextStep: { what: 'Send the price list', dueAt: new Date(2025, 0, 9).toISOString(), allDay: true },
    });
    expect(saved.clientId).toBe(client.id);
    expect(events).toContain('followUps.changed');
    expect(fd.directory.get(client.id)).toMatchObject({ nextStep: 'Send the price list', nextStepDate: '2025-01-09' });
    const list = await call<{ items: FollowUp[] }>('followUps.list', {});
    expect(list.items[0]).toMatchObject({ name: 'Oleg Petrov', clientId: client.id, reason: 'Send the price list' });

    const card = await call<ClientCard>('directory.get', { id: client.id });
    expect(card.lastCalls).toHaveLength(1);
    expect(card.lastCalls[0]).toMatchObject({ id: record.id, notes: 'Wants 40 chairs', clientId: client.id, wrapUp: { outcome: 'callback', notes: 'Wants 40 chairs' } });

    // Bad input crosses back as a message naming the problem.
    const refused = await dispatch('frontdesk:wrapUps.save', { localUser: '1000', callId: record.id, remoteNumber: '+74951234567', outcome: 'callback' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'bad-input', message: 'nextStep: a "Callback needed" outcome needs the next step and its date' } });
    const noCard = await dispatch('frontdesk:wrapUps.save', { localUser: '1000', callId: record.id, remoteNumber: '+74951234567', outcome: 'resolved', clientId: 'nope' });
    expect(noCard).toEqual({ ok: false, error: { code: 'failed', message: 'invalid wrap-up: clientId: there is no client card "nope"' } });
  });
});

describe('wrap-up drafts: what was typed outlives the page', () => {
  it('kept as typed, read back after a restart, dropped when the wrap-up is saved', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-drafts-'));
    const file = path.join(dir, 'frontdesk.db');
    const first = new CallLogService(file);
    first.wrapUps.saveDraft({ localUser: '1000', key: 'abc@pbx', draft: { outcome: 'callback', notes: 'Перезвонить насчёт счёта', step: '', date: '', time: '' } });
    first.wrapUps.saveDraft({ localUser: '1000', key: 'abc@pbx', draft: { outcome: 'callback', notes: 'Перезвонить насчёт счёта 4711', step: 'Call back', date: '2025-01-16', time: '' } });
    first.wrapUps.saveDraft({ localUser: '1001', key: 'other@pbx', draft: { outcome: null, notes: 'x', step: '', date: '', time: '' } });
    first.close();
    const again = new CallLogService(file);
    expect(again.wrapUps.drafts('1000')).toEqual([
      { key: 'abc@pbx', draft: { outcome: 'callback', notes: 'Перезвонить насчёт счёта 4711', step: 'Call back', date: '2025-01-16', time: '' } },
    ]);
    again.wrapUps.saveDraft({ localUser: '1000', key: 'abc@pbx', draft: null });
    expect(again.wrapUps.drafts('1000')).toEqual([]);
    expect(() => again.wrapUps.saveDraft({ localUser: '1000', key: 'k', draft: { outcome: 'nonsense' as never, notes: '', step: '', date: '', time: '' } })).toThrow(/invalid wrap-up draft/);
    again.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
