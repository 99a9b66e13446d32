import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { describeIssues, digitsOf } from '../../common/callLog';
import {
  FollowUpAddSchema,
  FollowUpAttemptSchema,
  FollowUpDoneSchema,
  FollowUpQuerySchema,
  FollowUpRescheduleSchema,
  FollowUpSchema,
  needsWrapUp,
  WrapUpDraftSchema,
  WrapUpDraftWriteSchema,
  WrapUpInputSchema,
  WrapUpRangeSchema,
  WrapUpRefSchema,
  WrapUpSchema,
  type FollowUp,
  type FollowUpAdd,
  type FollowUpAttempt,
  type FollowUpDone,
  type FollowUpList,
  type FollowUpQuery,
  type FollowUpReschedule,
  type FollowUpsChanged,
  type WrapUp,
  type WrapUpDraft,
  type WrapUpInput,
  type WrapUpRange,
  type WrapUpRef,
  type WrapUpsChanged,
} from '../../common/wrapUp';
import { prepareCached, type Database, type Statement } from './sqlite';

export class WrapUpInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WrapUpInputError';
  }
}

/**
 * The call log's schema for wrap-ups and follow-ups (one migration of callLog.ts; the tables live in
 * the call history's database so a wrap-up, its call and its follow-up are written in one transaction).
 */
export const wrapUpsMigration = `
  -- One per call with an outside party that was answered: pending when the call is recorded, done
  -- when the agent saves it. Named by the SIP call (the renderer's key while the call is up) and,
  -- once the history has the call, by its id.
  CREATE TABLE wrap_ups (
    id             TEXT    PRIMARY KEY,
    local_user     TEXT    NOT NULL,
    sip_call_id    TEXT,
    call_id        TEXT,                               -- calls.id
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'done')),
    outcome        TEXT,                               -- a key of wrapUpOutcomes (text: the list may grow)
    notes          TEXT,
    client_id      TEXT,                               -- the client card (directory.db)
    remote_number  TEXT    NOT NULL,
    remote_name    TEXT,
    next_step      TEXT,
    next_due_ms    INTEGER,
    next_all_day   INTEGER CHECK (next_all_day IN (0, 1)),
    follow_up_id   TEXT,                               -- the follow-up the next step became
    callback_of    TEXT,                               -- the follow-up this call was the call back for
    call_ended_ms  INTEGER,
    created_ms     INTEGER NOT NULL,
    wrapped_ms     INTEGER,
    CHECK (status = 'pending' OR (outcome IS NOT NULL AND wrapped_ms IS NOT NULL)),
    CHECK ((next_step IS NULL) = (next_due_ms IS NULL))
  );
  CREATE UNIQUE INDEX wrap_ups_by_sip_call ON wrap_ups (local_user, sip_call_id) WHERE sip_call_id IS NOT NULL;
  CREATE UNIQUE INDEX wrap_ups_by_call ON wrap_ups (call_id) WHERE call_id IS NOT NULL;
  CREATE INDEX wrap_ups_pending ON wrap_ups (local_user, call_ended_ms) WHERE status = 'pending';
  CREATE INDEX wrap_ups_by_wrapped ON wrap_ups (wrapped_ms) WHERE status = 'done';

  -- Who to call back, about what, and when: from a wrap-up's next step, a web lead, a missed call.
  CREATE TABLE follow_ups (
    id                 TEXT    PRIMARY KEY,
    source             TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    name               TEXT,
    number             TEXT    NOT NULL,
    digits             TEXT    NOT NULL,
    client_id          TEXT,
    reason             TEXT    NOT NULL,
    due_ms             INTEGER NOT NULL,
    all_day            INTEGER NOT NULL CHECK (all_day IN (0, 1)),
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL,
    origin_call_id     TEXT,
    origin_wrap_up_id  TEXT,
    external_id        TEXT,                           -- e.g. the CRM's lead id: never added twice
    done_ms            INTEGER,
    done_by_wrap_up_id TEXT,
    done_note          TEXT,
    CHECK (status = 'open' OR done_ms IS NOT NULL)
  );
  CREATE INDEX follow_ups_open_by_due ON follow_ups (due_ms, created_ms) WHERE status = 'open';
  CREATE UNIQUE INDEX follow_ups_by_external ON follow_ups (source, external_id) WHERE external_id IS NOT NULL;
  CREATE INDEX follow_ups_by_client ON follow_ups (client_id) WHERE client_id IS NOT NULL;

  -- The calls made from the Call back list for a follow-up: the wrap-up of such a call closes it.
  CREATE TABLE follow_up_calls (
    local_user   TEXT    NOT NULL,
    sip_call_id  TEXT    NOT NULL,
    follow_up_id TEXT    NOT NULL,
    at_ms        INTEGER NOT NULL,
    PRIMARY KEY (local_user, sip_call_id)
  );
  CREATE INDEX follow_up_calls_by_follow_up ON follow_up_calls (follow_up_id, at_ms);
`;

interface WrapUpRow {
  id: string;
  local_user: string;
  sip_call_id: string | null;
  call_id: string | null;
  status: string;
  outcome: string | null;
  notes: string | null;
  client_id: string | null;
  remote_number: string;
  remote_name: string | null;
  next_step: string | null;
  next_due_ms: number | null;
  next_all_day: number | null;
  follow_up_id: string | null;
  callback_of: string | null;
  call_ended_ms: number | null;
  created_ms: number;
  wrapped_ms: number | null;
  direction: string | null;
  started_ms: number | null;
  ended_ms: number | null;
}

interface FollowUpRow {
  id: string;
  source: string;
  status: string;
  name: string | null;
  number: string;
  client_id: string | null;
  reason: string;
  due_ms: number;
  all_day: number;
  created_ms: number;
  updated_ms: number;
  origin_call_id: string | null;
  origin_wrap_up_id: string | null;
  origin_note: string | null;
  external_id: string | null;
  attempts: number;
  last_attempt_ms: number | null;
  last_attempt_outcome: string | null;
  done_ms: number | null;
  done_by_wrap_up_id: string | null;
  done_note: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

const wrapUpSelect = `
  SELECT w.*, c.direction AS direction, c.started_ms AS started_ms, c.ended_ms AS ended_ms
  FROM wrap_ups w LEFT JOIN calls c ON c.id = w.call_id`;

const followUpSelect = `
  SELECT f.*, w.notes AS origin_note,
    (SELECT count(*) FROM follow_up_calls a WHERE a.follow_up_id = f.id) AS attempts,
    la.at_ms AS last_attempt_ms,
    (SELECT c.outcome FROM calls c WHERE c.local_user = la.local_user AND c.direction = 'outbound' AND c.sip_call_id = la.sip_call_id) AS last_attempt_outcome
  FROM follow_ups f
  LEFT JOIN wrap_ups w ON w.id = f.origin_wrap_up_id
  LEFT JOIN follow_up_calls la ON la.rowid = (
    SELECT rowid FROM follow_up_calls WHERE follow_up_id = f.id ORDER BY at_ms DESC, rowid DESC LIMIT 1
  )`;

function toWrapUp(row: WrapUpRow): WrapUp {
  return WrapUpSchema.parse({
    id: row.id,
    status: row.status,
    localUser: row.local_user,
    sipCallId: row.sip_call_id,
    callId: row.call_id,
    direction: row.direction,
    remoteNumber: row.remote_number,
    remoteName: row.remote_name,
    clientId: row.client_id,
    callStartedAt: isoOrNull(row.started_ms),
    callEndedAt: isoOrNull(row.ended_ms ?? row.call_ended_ms),
    outcome: row.outcome,
    notes: row.notes,
    nextStep:
      row.next_step === null || row.next_due_ms === null
        ? null
        : { what: row.next_step, dueAt: iso(row.next_due_ms), allDay: row.next_all_day === 1, followUpId: row.follow_up_id },
    callbackOf: row.callback_of,
    wrappedAt: isoOrNull(row.wrapped_ms),
  });
}

function toFollowUp(row: FollowUpRow): FollowUp {
  return FollowUpSchema.parse({
    id: row.id,
    source: row.source,
    status: row.status,
    name: row.name,
    number: row.number,
    clientId: row.client_id,
    reason: row.reason,
    dueAt: iso(row.due_ms),
    allDay: row.all_day === 1,
    createdAt: iso(row.created_ms),
    updatedAt: iso(row.updated_ms),
    originCallId: row.origin_call_id,
    originWrapUpId: row.origin_wrap_up_id,
    originNote: row.origin_note,
    externalId: row.external_id,
    attempts: row.attempts,
    lastAttemptAt: isoOrNull(row.last_attempt_ms),
    lastAttemptOutcome: row.last_attempt_outcome,
    doneAt: isoOrNull(row.done_ms),
    doneByWrapUpId: row.done_by_wrap_up_id,
    doneNote: row.done_note,
  });
}

/** The call the history holds, as the wrap-up needs it. */
interface CallRow {
  id: string;
  local_user: string;
  sip_call_id: string | null;
  remote_number: string;
  remote_name: string | null;
  ended_ms: number;
}

/** What `CallLogService.record` tells the store about a call it has just written. */
export interface RecordedCall {
  id: string;
  localUser: string;
  sipCallId: string | null;
  remoteNumber: string;
  remoteName: string | null;
  /** Someone talked on it (answered here; also a call that failed after it was answered). */
  answered: boolean;
  endedMs: number;
}

/** The client card the services resolved for a wrap-up (directory.db is another database). */
export interface WrapUpClient {
  id: string;
  name: string | null;
}

/**
 * Wrap-ups and follow-ups, in the call history's database (the caller owns the connection; the
 * schema is one of callLog.ts's migrations). Every write is one transaction; every input is
 * validated with common/wrapUp.ts and a malformed one throws `WrapUpInputError` and writes nothing.
 */
export class WrapUpStore {
  private readonly cache = new Map<string, Statement>();
  private readonly wrapUpListeners = new Set<(change: WrapUpsChanged) => void>();
  private readonly followUpListeners = new Set<(change: FollowUpsChanged) => void>();
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    options: { now?: () => Date } = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  // -------------------------------------------------------------------------------------------
  // Wrap-ups

  /**
   * Called by `CallLogService.record` inside its transaction for every call it writes: links a
   * wrap-up saved while the call was up to the call (and its notes and card to the call record), or
   * makes the call's wrap-up pending when it needs one. Returns true when a pending one was added
   * (tell the listeners with `notifyWrapUps` after the commit).
   */
  callRecorded(call: RecordedCall): boolean {
    const existing = call.sipCallId === null ? undefined : this.rowByKey(call.localUser, call.sipCallId);
    if (existing) {
      this.statement(`UPDATE wrap_ups SET call_id = ?, call_ended_ms = ? WHERE id = ? AND call_id IS NULL`).run(call.id, call.endedMs, existing.id);
      if (existing.status === 'done') this.copyToCall(call.id, existing.notes, existing.client_id === null ? null : { id: existing.client_id, name: null });
      if (existing.follow_up_id) {
        this.statement(`UPDATE follow_ups SET origin_call_id = ? WHERE id = ? AND origin_call_id IS NULL`).run(call.id, existing.follow_up_id);
      }
      return false;
    }
    if (!needsWrapUp({ answered: call.answered, remoteNumber: call.remoteNumber })) return false;
    const callbackOf = call.sipCallId === null ? null : this.attemptOf(call.localUser, call.sipCallId);
    this.statement(
      `INSERT INTO wrap_ups (id, local_user, sip_call_id, call_id, status, remote_number, remote_name, callback_of, call_ended_ms, created_ms)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
    ).run(randomUUID(), call.localUser, call.sipCallId, call.id, call.remoteNumber, call.remoteName, callbackOf, call.endedMs, this.now().getTime());
    return true;
  }

  /**
   * Saves a call's wrap-up (again, to edit it) and returns it. Its next step becomes a follow-up
   * (edited with it while still open; cancelled when the step is removed); the follow-up this call
   * was the call back for is closed by it; the call record gets the notes and the client card.
   */
  save(input: WrapUpInput, resolved: { client?: WrapUpClient | null } = {}): WrapUp {
    const parsed = WrapUpInputSchema.safeParse(input);
    if (!parsed.success) throw new WrapUpInputError(`invalid wrap-up: ${describeIssues(parsed.error)}`);
    const w = parsed.data;
    let followUpsChanged = false;
    const id = this.db.transaction((): string => {
      const nowMs = this.now().getTime();
      const call = w.callId !== null ? this.callById(w.callId) : w.sipCallId !== null ? this.callBySip(w.localUser, w.sipCallId) : undefined;
      if (w.callId !== null && !call) throw new WrapUpInputError(`invalid wrap-up: callId: no call in the history has the id "${w.callId}"`);
      let row = call ? this.rowByCall(call.id) : undefined;
      const sipCallId = w.sipCallId ?? call?.sip_call_id ?? null;
      const localUser = call?.local_user ?? w.localUser;
      if (!row && sipCallId !== null) row = this.rowByKey(localUser, sipCallId);
      if (w.followUpId !== null && !this.followUpRow(w.followUpId)) {
        throw new WrapUpInputError(`invalid wrap-up: followUpId: there is no follow-up "${w.followUpId}"`);
      }
      const wrapUpId = row?.id ?? randomUUID();
      const callbackOf = w.followUpId ?? row?.callback_of ?? (sipCallId === null ? null : this.attemptOf(localUser, sipCallId));
      const client = resolved.client ?? (w.clientId !== null ? { id: w.clientId, name: null } : null);
      const remoteNumber = call?.remote_number ?? w.remoteNumber;
      const remoteName = w.remoteName ?? call?.remote_name ?? null;

      // The next step: a follow-up of its own, kept in step with the wrap-up while it is open.
      let followUpId = row?.follow_up_id ?? null;
      const current = followUpId ? this.followUpRow(followUpId) : undefined;
      const step = w.nextStep;
      if (step) {
        const dueMs = Date.parse(step.dueAt);
        if (current && current.status === 'open') {
          this.statement(
            `UPDATE follow_ups SET reason = ?, due_ms = ?, all_day = ?, client_id = ?, name = ?, updated_ms = ? WHERE id = ?`,
          ).run(step.what, dueMs, step.allDay ? 1 : 0, client?.id ?? null, client?.name ?? remoteName, nowMs, current.id);
        } else if (!current || current.reason !== step.what || current.due_ms !== dueMs) {
          followUpId = randomUUID();
          this.statement(
            `INSERT INTO follow_ups (id, source, status, name, number, digits, client_id, reason, due_ms, all_day, created_ms, updated_ms, origin_call_id, origin_wrap_up_id)
             VALUES (?, 'wrap-up', 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(followUpId, client?.name ?? remoteName, remoteNumber, digitsOf(remoteNumber), client?.id ?? null, step.what, dueMs, step.allDay ? 1 : 0, nowMs, nowMs, call?.id ?? null, wrapUpId);
        }
        followUpsChanged = true;
      } else if (current) {
        if (current.status === 'open') {
          this.statement(`UPDATE follow_ups SET status = 'cancelled', done_ms = ?, done_note = ?, updated_ms = ? WHERE id = ?`).run(
            nowMs,
            'the next step was removed from the wrap-up',
            nowMs,
            current.id,
          );
          followUpsChanged = true;
        }
        followUpId = null;
      }

      const values = {
        id: wrapUpId,
        localUser,
        sipCallId,
        callId: call?.id ?? row?.call_id ?? null,
        outcome: w.outcome,
        notes: w.notes,
        clientId: client?.id ?? null,
        remoteNumber,
        remoteName,
        nextStep: step?.what ?? null,
        nextDueMs: step ? Date.parse(step.dueAt) : null,
        nextAllDay: step ? (step.allDay ? 1 : 0) : null,
        followUpId,
        callbackOf,
        callEndedMs: call?.ended_ms ?? row?.call_ended_ms ?? null,
        nowMs,
      };
      if (row) {
        this.statement(
          `UPDATE wrap_ups SET status = 'done', sip_call_id = @sipCallId, call_id = @callId, outcome = @outcome, notes = @notes, client_id = @clientId,
             remote_number = @remoteNumber, remote_name = @remoteName, next_step = @nextStep, next_due_ms = @nextDueMs, next_all_day = @nextAllDay,
             follow_up_id = @followUpId, callback_of = @callbackOf, call_ended_ms = @callEndedMs, wrapped_ms = @nowMs
           WHERE id = @id`,
        ).run(values);
      } else {
        this.statement(
          `INSERT INTO wrap_ups (id, local_user, sip_call_id, call_id, status, outcome, notes, client_id, remote_number, remote_name, next_step,
             next_due_ms, next_all_day, follow_up_id, callback_of, call_ended_ms, created_ms, wrapped_ms)
           VALUES (@id, @localUser, @sipCallId, @callId, 'done', @outcome, @notes, @clientId, @remoteNumber, @remoteName, @nextStep,
             @nextDueMs, @nextAllDay, @followUpId, @callbackOf, @callEndedMs, @nowMs, @nowMs)`,
        ).run(values);
      }

      // The follow-up this call was the call back for is done (a new next step is its new date).
      if (callbackOf !== null && callbackOf !== followUpId) {
        const closed = this.statement(
          `UPDATE follow_ups SET status = 'done', done_ms = ?, done_by_wrap_up_id = ?, done_note = ?, updated_ms = ? WHERE id = ? AND status = 'open'`,
        ).run(nowMs, wrapUpId, w.notes, nowMs, callbackOf);
        if (closed.changes > 0) followUpsChanged = true;
      }
      if (values.callId !== null) this.copyToCall(values.callId, w.notes, client);
      return wrapUpId;
    }).immediate();
    this.notifyWrapUps();
    if (followUpsChanged) this.notifyFollowUps();
    return this.wrapUpById(id)!;
  }

  /** A call's wrap-up (pending or done), or null when it has none. */
  get(ref: WrapUpRef): WrapUp | null {
    const parsed = WrapUpRefSchema.safeParse(ref);
    if (!parsed.success) throw new WrapUpInputError(`invalid wrap-up reference: ${describeIssues(parsed.error)}`);
    const r = parsed.data;
    const row =
      'callId' in r
        ? (this.statement(`${wrapUpSelect} WHERE w.call_id = ?`).get(r.callId) as WrapUpRow | undefined)
        : (this.statement(`${wrapUpSelect} WHERE w.local_user = ? AND w.sip_call_id = ?`).get(r.localUser, r.sipCallId) as WrapUpRow | undefined);
    return row ? toWrapUp(row) : null;
  }

  /** Calls waiting for their wrap-up (of one extension, or all), oldest first: none is ever lost. */
  pending(localUser?: string): WrapUp[] {
    const rows = (
      localUser === undefined
        ? this.statement(`${wrapUpSelect} WHERE w.status = 'pending' ORDER BY w.call_ended_ms, w.created_ms`).all()
        : this.statement(`${wrapUpSelect} WHERE w.status = 'pending' AND w.local_user = ? ORDER BY w.call_ended_ms, w.created_ms`).all(localUser)
    ) as WrapUpRow[];
    return rows.map(toWrapUp);
  }

  pendingCount(): number {
    return (this.statement(`SELECT count(*) AS n FROM wrap_ups WHERE status = 'pending'`).get() as { n: number }).n;
  }

  /** The wrap-ups saved in [from, to), oldest first: for reports (outcome, notes, next step, the call). */
  /** Keeps (or with `draft: null` drops) what the agent typed into a wrap-up form, as they type. */
  saveDraft(input: z.input<typeof WrapUpDraftWriteSchema>): void {
    const parsed = WrapUpDraftWriteSchema.safeParse(input);
    if (!parsed.success) throw new WrapUpInputError(`invalid wrap-up draft: ${describeIssues(parsed.error)}`);
    const { localUser, key, draft } = parsed.data;
    if (draft === null) {
      this.statement('DELETE FROM wrap_up_drafts WHERE local_user = ? AND key = ?').run(localUser, key);
      return;
    }
    this.statement(
      `INSERT INTO wrap_up_drafts (local_user, key, draft_json, updated_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (local_user, key) DO UPDATE SET draft_json = excluded.draft_json, updated_ms = excluded.updated_ms`,
    ).run(localUser, key, JSON.stringify(draft), this.now().getTime());
  }

  /** The unsaved wrap-up forms of an extension (drafts that no longer read are left out). */
  drafts(localUser: string): { key: string; draft: WrapUpDraft }[] {
    const rows = this.statement('SELECT key, draft_json FROM wrap_up_drafts WHERE local_user = ? ORDER BY updated_ms').all(localUser) as { key: string; draft_json: string }[];
    return rows.flatMap((r) => {
      try {
        const draft = WrapUpDraftSchema.safeParse(JSON.parse(r.draft_json));
        return draft.success ? [{ key: r.key, draft: draft.data }] : [];
      } catch {
        return [];
      }
    });
  }

  between(range: WrapUpRange): WrapUp[] {
    const parsed = WrapUpRangeSchema.safeParse(range);
    if (!parsed.success) throw new WrapUpInputError(`invalid date range: ${describeIssues(parsed.error)}`);
    const rows = this.statement(
      `${wrapUpSelect} WHERE w.status = 'done' AND w.wrapped_ms >= ? AND w.wrapped_ms < ? ORDER BY w.wrapped_ms, w.id`,
    ).all(Date.parse(parsed.data.from), Date.parse(parsed.data.to)) as WrapUpRow[];
    return rows.map(toWrapUp);
  }

  /** The wrap-ups of these calls (history ids), by call id; calls without one are left out. */
  forCalls(callIds: readonly string[]): Map<string, WrapUp> {
    const out = new Map<string, WrapUp>();
    const stmt = this.statement(`${wrapUpSelect} WHERE w.call_id = ?`);
    for (const callId of new Set(callIds)) {
      const row = stmt.get(callId) as WrapUpRow | undefined;
      if (row) out.set(callId, toWrapUp(row));
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Follow-ups

  /**
   * A follow-up from outside a wrap-up (a web lead, a missed call, one typed in). With an
   * `externalId` already there (same source), returns that one and changes nothing.
   */
  addFollowUp(input: FollowUpAdd): FollowUp {
    const parsed = FollowUpAddSchema.safeParse(input);
    if (!parsed.success) throw new WrapUpInputError(`invalid follow-up: ${describeIssues(parsed.error)}`);
    const f = parsed.data;
    const { id, created } = this.db.transaction((): { id: string; created: boolean } => {
      if (f.externalId !== null) {
        const existing = this.statement(`SELECT id FROM follow_ups WHERE source = ? AND external_id = ?`).get(f.source, f.externalId) as { id: string } | undefined;
        if (existing) return { id: existing.id, created: false };
      }
      const nowMs = this.now().getTime();
      const newId = randomUUID();
      this.statement(
        `INSERT INTO follow_ups (id, source, status, name, number, digits, client_id, reason, due_ms, all_day, created_ms, updated_ms, external_id)
         VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        newId,
        f.source,
        f.name,
        f.number,
        digitsOf(f.number),
        f.clientId,
        f.reason,
        f.dueAt ? Date.parse(f.dueAt) : nowMs,
        f.allDay ? 1 : 0,
        f.createdAt ? Date.parse(f.createdAt) : nowMs,
        nowMs,
        f.externalId,
      );
      return { id: newId, created: true };
    }).immediate();
    if (created) this.notifyFollowUps();
    return this.followUp(id)!;
  }

  followUp(id: string): FollowUp | null {
    const row = this.statement(`${followUpSelect} WHERE f.id = ?`).get(id) as FollowUpRow | undefined;
    return row ? toFollowUp(row) : null;
  }

  /** Open follow-ups due at or before `dueBy` (all open ones without it), soonest first, and how many come later. */
  listFollowUps(query: FollowUpQuery = {}): FollowUpList {
    const parsed = FollowUpQuerySchema.safeParse(query);
    if (!parsed.success) throw new WrapUpInputError(`invalid follow-up query: ${describeIssues(parsed.error)}`);
    const { dueBy, limit } = parsed.data;
    const until = dueBy === undefined ? Number.MAX_SAFE_INTEGER : Date.parse(dueBy);
    const rows = this.statement(
      `${followUpSelect} WHERE f.status = 'open' AND f.due_ms <= ? ORDER BY f.due_ms, f.created_ms, f.id LIMIT ?`,
    ).all(until, limit) as FollowUpRow[];
    const later = (this.statement(`SELECT count(*) AS n FROM follow_ups WHERE status = 'open' AND due_ms > ?`).get(until) as { n: number }).n;
    return { items: rows.map(toFollowUp), later };
  }

  /** Moves an open follow-up to another date (and, optionally, another reason). */
  reschedule(input: FollowUpReschedule): FollowUp {
    const parsed = FollowUpRescheduleSchema.safeParse(input);
    if (!parsed.success) throw new WrapUpInputError(`invalid reschedule: ${describeIssues(parsed.error)}`);
    const r = parsed.data;
    this.db.transaction(() => {
      const row = this.openFollowUp(r.id, 'rescheduled');
      this.statement(`UPDATE follow_ups SET due_ms = ?, all_day = ?, reason = ?, updated_ms = ? WHERE id = ?`).run(
        Date.parse(r.dueAt),
        r.allDay ? 1 : 0,
        r.reason ?? row.reason,
        this.now().getTime(),
        r.id,
      );
    }).immediate();
    this.notifyFollowUps();
    return this.followUp(r.id)!;
  }

  /** "Done" without a call back (done elsewhere, by e-mail…). */
  markDone(input: FollowUpDone): FollowUp {
    const parsed = FollowUpDoneSchema.safeParse(input);
    if (!parsed.success) throw new WrapUpInputError(`invalid request: ${describeIssues(parsed.error)}`);
    const { id, note } = parsed.data;
    this.db.transaction(() => {
      this.openFollowUp(id, 'marked done');
      const nowMs = this.now().getTime();
      this.statement(`UPDATE follow_ups SET status = 'done', done_ms = ?, done_note = ?, updated_ms = ? WHERE id = ?`).run(nowMs, note, nowMs, id);
    }).immediate();
    this.notifyFollowUps();
    return this.followUp(id)!;
  }

  /** Links a call made from the list to its follow-up (its wrap-up will close it); counts the attempt. */
  attempt(input: FollowUpAttempt): FollowUp {
    const parsed = FollowUpAttemptSchema.safeParse(input);
    if (!parsed.success) throw new WrapUpInputError(`invalid call back: ${describeIssues(parsed.error)}`);
    const a = parsed.data;
    this.db.transaction(() => {
      this.openFollowUp(a.id, 'called back');
      this.statement(
        `INSERT INTO follow_up_calls (local_user, sip_call_id, follow_up_id, at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (local_user, sip_call_id) DO UPDATE SET follow_up_id = excluded.follow_up_id`,
      ).run(a.localUser, a.sipCallId, a.id, this.now().getTime());
      // A wrap-up already pending for that call (recorded before the link arrived) closes it too.
      this.statement(`UPDATE wrap_ups SET callback_of = ? WHERE local_user = ? AND sip_call_id = ? AND callback_of IS NULL`).run(a.id, a.localUser, a.sipCallId);
    }).immediate();
    this.notifyFollowUps();
    return this.followUp(a.id)!;
  }

  openFollowUpCount(): number {
    return (this.statement(`SELECT count(*) AS n FROM follow_ups WHERE status = 'open'`).get() as { n: number }).n;
  }

  // -------------------------------------------------------------------------------------------
  // Events

  onWrapUpsChanged(listener: (change: WrapUpsChanged) => void): () => void {
    this.wrapUpListeners.add(listener);
    return () => this.wrapUpListeners.delete(listener);
  }

  onFollowUpsChanged(listener: (change: FollowUpsChanged) => void): () => void {
    this.followUpListeners.add(listener);
    return () => this.followUpListeners.delete(listener);
  }

  notifyWrapUps(): void {
    if (this.wrapUpListeners.size === 0) return;
    const change = { pending: this.pendingCount() };
    for (const l of this.wrapUpListeners) l(change);
  }

  notifyFollowUps(): void {
    if (this.followUpListeners.size === 0) return;
    const change = { open: this.openFollowUpCount() };
    for (const l of this.followUpListeners) l(change);
  }

  // -------------------------------------------------------------------------------------------

  private rowByKey(localUser: string, sipCallId: string): WrapUpRow | undefined {
    return this.statement(`${wrapUpSelect} WHERE w.local_user = ? AND w.sip_call_id = ?`).get(localUser, sipCallId) as WrapUpRow | undefined;
  }

  private rowByCall(callId: string): WrapUpRow | undefined {
    return this.statement(`${wrapUpSelect} WHERE w.call_id = ?`).get(callId) as WrapUpRow | undefined;
  }

  private wrapUpById(id: string): WrapUp | null {
    const row = this.statement(`${wrapUpSelect} WHERE w.id = ?`).get(id) as WrapUpRow | undefined;
    return row ? toWrapUp(row) : null;
  }

  private callById(id: string): CallRow | undefined {
    return this.statement(`SELECT id, local_user, sip_call_id, remote_number, remote_name, ended_ms FROM calls WHERE id = ?`).get(id) as CallRow | undefined;
  }

  /** The call with this SIP Call-ID on this extension (either direction; the newest if both). */
  private callBySip(localUser: string, sipCallId: string): CallRow | undefined {
    return this.statement(
      `SELECT id, local_user, sip_call_id, remote_number, remote_name, ended_ms FROM calls WHERE local_user = ? AND sip_call_id = ? ORDER BY started_ms DESC LIMIT 1`,
    ).get(localUser, sipCallId) as CallRow | undefined;
  }

  private attemptOf(localUser: string, sipCallId: string): string | null {
    const row = this.statement(`SELECT follow_up_id FROM follow_up_calls WHERE local_user = ? AND sip_call_id = ?`).get(localUser, sipCallId) as
      | { follow_up_id: string }
      | undefined;
    return row?.follow_up_id ?? null;
  }

  private followUpRow(id: string): { id: string; status: string; reason: string; due_ms: number } | undefined {
    return this.statement(`SELECT id, status, reason, due_ms FROM follow_ups WHERE id = ?`).get(id) as
      | { id: string; status: string; reason: string; due_ms: number }
      | undefined;
  }

  private openFollowUp(id: string, verb: string): { id: string; status: string; reason: string; due_ms: number } {
    const row = this.followUpRow(id);
    if (!row) throw new WrapUpInputError(`there is no follow-up "${id}"`);
    if (row.status !== 'open') throw new WrapUpInputError(`the follow-up is ${row.status === 'done' ? 'already done' : 'cancelled'}: it cannot be ${verb}`);
    return row;
  }

  /**
   * The call record carries the wrap-up's notes and the client card it was about, with the card's
   * name (a name not given keeps the one the call was recorded with when it is the same card).
   */
  private copyToCall(callId: string, notes: string | null, client: WrapUpClient | null): void {
    this.statement(
      `UPDATE calls SET notes = @notes,
         client_name = CASE WHEN @clientId IS NULL THEN client_name WHEN @clientId IS client_id THEN coalesce(@clientName, client_name) ELSE @clientName END,
         client_id = coalesce(@clientId, client_id)
       WHERE id = @callId`,
    ).run({ notes, clientId: client?.id ?? null, clientName: client?.name ?? null, callId });
  }

  private statement(sql: string): Statement {
    return prepareCached(this.cache, this.db, sql);
  }
}
