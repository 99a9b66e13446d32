import { randomUUID } from 'node:crypto';
import {
  CallLogQuerySchema,
  CallRecordInputSchema,
  CallRecordSchema,
  describeIssues,
  digitsOf,
  isNumberLike,
  MarkMissedSeenSchema,
  type CallLogChanged,
  type CallLogPage,
  type CallLogQuery,
  type CallRecord,
  type CallRecordInput,
  type MarkMissedSeen,
  type ParsedCallRecordInput,
} from '../../common/callLog';
import { openDatabase, prepareCached, type Database, type Statement } from './sqlite';
import { ScriptRunSchema, type ScriptRun } from '../../common/callScript';
import { talkedOutcomes, type WrapUp, type WrapUpRange } from '../../common/wrapUp';
import { WrapUpStore, wrapUpsMigration } from './wrapUps';
import { messagesMigration } from './messages';


export class CallLogInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CallLogInputError';
  }
}

/**
 * Schema migrations, applied in order; `PRAGMA user_version` is the number applied so far.
 * Never edit a shipped migration: add the next one.
 */
export const callLogMigrations: readonly string[] = [
  // 1: the call history.
  `
  CREATE TABLE calls (
    seq             INTEGER PRIMARY KEY,               -- insertion order; rowid of the search index
    id              TEXT    NOT NULL UNIQUE,
    conversation_id TEXT    NOT NULL,
    direction       TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    local_user      TEXT    NOT NULL,
    remote_number   TEXT    NOT NULL,
    remote_name     TEXT,
    remote_digits   TEXT    NOT NULL,                  -- digitsOf(remote_number)
    search_text     TEXT    NOT NULL,                  -- lower-cased name, number and digits
    dialled_number  TEXT,
    sip_call_id     TEXT,
    started_ms      INTEGER NOT NULL,
    answered_ms     INTEGER,
    ended_ms        INTEGER NOT NULL,
    outcome         TEXT    NOT NULL,
    end_cause       TEXT,
    seen            INTEGER NOT NULL CHECK (seen IN (0, 1)),
    recording_id    TEXT,
    message_id      TEXT,
    client_id       TEXT,
    notes           TEXT,
    CHECK (ended_ms >= started_ms),
    CHECK (answered_ms IS NULL OR answered_ms BETWEEN started_ms AND ended_ms)
  );
  CREATE INDEX calls_by_start ON calls (started_ms);
  CREATE INDEX calls_by_outcome ON calls (outcome, started_ms);
  CREATE INDEX calls_by_remote_digits ON calls (remote_digits, started_ms);
  CREATE INDEX calls_by_conversation ON calls (conversation_id);
  CREATE INDEX calls_missed_unseen ON calls (started_ms) WHERE outcome = 'missed' AND seen = 0;
  CREATE UNIQUE INDEX calls_by_sip_call ON calls (local_user, direction, sip_call_id) WHERE sip_call_id IS NOT NULL;

  -- Substring search ("123-45" inside a number, "petr" inside a name): a trigram index, which a
  -- B-tree cannot give for a match in the middle. Kept in step with calls by triggers.
  CREATE VIRTUAL TABLE calls_search USING fts5 (search_text, content = 'calls', content_rowid = 'seq', tokenize = 'trigram');
  CREATE TRIGGER calls_search_insert AFTER INSERT ON calls BEGIN
    INSERT INTO calls_search (rowid, search_text) VALUES (new.seq, new.search_text);
  END;
  CREATE TRIGGER calls_search_delete AFTER DELETE ON calls BEGIN
    INSERT INTO calls_search (calls_search, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
  END;
  CREATE TRIGGER calls_search_update AFTER UPDATE OF search_text ON calls BEGIN
    INSERT INTO calls_search (calls_search, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
    INSERT INTO calls_search (rowid, search_text) VALUES (new.seq, new.search_text);
  END;
  `,
  // 2: the call script's state on a call, saved as the agent goes (keyed by the SIP call, so it is
  // there before the call ends and its history record exists).
  `
  CREATE TABLE script_runs (
    local_user TEXT NOT NULL,
    sip_call_id TEXT NOT NULL,
    script_id TEXT NOT NULL,
    run_json TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (local_user, sip_call_id)
  );
  `,
  // 3: wrap-ups (outcome, notes, next step of a call) and follow-ups (the Call back list); see wrapUps.ts.
  wrapUpsMigration,
  // 4: transfers: how many a caller went through, who handed them over or took them, and the note.
  `
  ALTER TABLE calls ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE calls ADD COLUMN transferred_from TEXT;
  ALTER TABLE calls ADD COLUMN transferred_to TEXT;
  ALTER TABLE calls ADD COLUMN handoff_note TEXT;
  `,
  // 5: the client card's name at the time of the call (remote_name is the caller ID's).
  `
  ALTER TABLE calls ADD COLUMN client_name TEXT;
  `,
  // 6: calls going on now, as they would be recorded if Frontdesk stopped this moment (see noteOpen).
  `
  CREATE TABLE open_calls (
    local_user TEXT NOT NULL,
    direction TEXT NOT NULL,
    sip_call_id TEXT NOT NULL,
    record_json TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (local_user, direction, sip_call_id)
  );
  `,
  // 7: what the agent typed into a wrap-up form and has not saved yet (see WrapUpStore.saveDraft).
  `
  CREATE TABLE wrap_up_drafts (
    local_user TEXT NOT NULL,
    key TEXT NOT NULL,
    draft_json TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (local_user, key)
  );
  `,
  // 8: messages taken for colleagues: drafts, the outbox with every attempt, the inbox; see messages.ts.
  messagesMigration,
];
export const callLogSchemaVersion = callLogMigrations.length;

interface Row {
  id: string;
  conversation_id: string;
  direction: string;
  local_user: string;
  remote_number: string;
  remote_name: string | null;
  dialled_number: string | null;
  sip_call_id: string | null;
  started_ms: number;
  answered_ms: number | null;
  ended_ms: number;
  outcome: string;
  end_cause: string | null;
  seen: number;
  recording_id: string | null;
  message_id: string | null;
  client_id: string | null;
  client_name: string | null;
  notes: string | null;
  transfers: number;
  transferred_from: string | null;
  transferred_to: string | null;
  handoff_note: string | null;
}

const columns = `id, conversation_id, direction, local_user, remote_number, remote_name, dialled_number, sip_call_id,
  started_ms, answered_ms, ended_ms, outcome, end_cause, seen, recording_id, message_id, client_id, client_name, notes,
  transfers, transferred_from, transferred_to, handoff_note`;

const iso = (ms: number) => new Date(ms).toISOString();

function toRecord(row: Row): CallRecord {
  return CallRecordSchema.parse({
    id: row.id,
    conversationId: row.conversation_id,
    direction: row.direction,
    localUser: row.local_user,
    remoteNumber: row.remote_number,
    remoteName: row.remote_name,
    dialledNumber: row.dialled_number,
    sipCallId: row.sip_call_id,
    startedAt: iso(row.started_ms),
    answeredAt: row.answered_ms === null ? null : iso(row.answered_ms),
    endedAt: iso(row.ended_ms),
    ringMs: row.answered_ms === null ? null : row.answered_ms - row.started_ms,
    durationMs: row.answered_ms === null ? null : row.ended_ms - row.answered_ms,
    outcome: row.outcome,
    endCause: row.end_cause,
    seen: row.seen === 1,
    recordingId: row.recording_id,
    messageId: row.message_id,
    clientId: row.client_id,
    clientName: row.client_name,
    notes: row.notes,
    transfers: row.transfers,
    transferredFrom: row.transferred_from,
    transferredTo: row.transferred_to,
    handoffNote: row.handoff_note,
  });
}

/** What the search index holds for a call: lower-cased name, number and the number's digits. */
const searchTextOf = (number: string, name: string | null) =>
  [name ?? '', number, digitsOf(number)].filter(Boolean).join(' ').toLowerCase();

/** An FTS5 phrase: the whole term, quotes doubled, so no character of it is query syntax. */
const phrase = (term: string) => `"${term.replaceAll('"', '""')}"`;

/** The trigram index only answers terms of three characters or more; shorter ones are scanned. */
const minIndexedTerm = 3;
/** Words of a search beyond this many are ignored (and the statement cache stays small). */
const maxSearchTerms = 8;
/** From this many index hits on, a search walks the history newest first instead of sorting the hits. */
export const manyHits = 500;
/** Counts index hits up to `manyHits` (cheap: it reads the trigram index only). */
const countHitsSql = `SELECT count(*) AS n FROM (SELECT 1 FROM calls_search WHERE calls_search MATCH ? LIMIT ${manyHits})`;

/**
 * The call history, in a SQLite database (better-sqlite3, synchronous, WAL). Every input is
 * validated with the schemas in common/callLog.ts; a malformed one throws and writes nothing.
 */
export class CallLogService {
  private readonly db: Database;
  private readonly listeners = new Set<(change: CallLogChanged) => void>();
  private readonly cache = new Map<string, Statement>();
  private readonly insertStmt: Statement;
  private readonly bySipCallStmt: Statement;
  private readonly byIdStmt: Statement;
  private readonly missedUnseenStmt: Statement;
  /** Wrap-ups and follow-ups, in this database (a wrap-up, its call and its follow-up commit together). */
  readonly wrapUps: WrapUpStore;

  constructor(dbFile: string | ':memory:', options: { now?: () => Date } = {}) {
    // One fsync per commit: a call that ended is on disk even if the PC loses power right after.
    this.db = openDatabase(dbFile, { what: 'call history', migrations: callLogMigrations });
    this.wrapUps = new WrapUpStore(this.db, options);
    this.insertStmt = this.db.prepare(`
      INSERT INTO calls (id, conversation_id, direction, local_user, remote_number, remote_name, remote_digits, search_text,
        dialled_number, sip_call_id, started_ms, answered_ms, ended_ms, outcome, end_cause, seen,
        recording_id, message_id, client_id, client_name, notes, transfers, transferred_from, transferred_to, handoff_note)
      VALUES (@id, @conversationId, @direction, @localUser, @remoteNumber, @remoteName, @remoteDigits, @searchText,
        @dialledNumber, @sipCallId, @startedMs, @answeredMs, @endedMs, @outcome, @endCause, @seen,
        @recordingId, @messageId, @clientId, @clientName, @notes, @transfers, @transferredFrom, @transferredTo, @handoffNote)`);
    this.bySipCallStmt = this.db.prepare(
      `SELECT ${columns} FROM calls WHERE local_user = ? AND direction = ? AND sip_call_id = ?`,
    );
    this.byIdStmt = this.db.prepare(`SELECT ${columns} FROM calls WHERE id = ?`);
    this.missedUnseenStmt = this.db.prepare(
      // The partial index holds exactly the unseen missed calls; without the hint the planner
      // prefers (outcome, started_ms) and reads every missed call's row.
      `SELECT count(*) AS n FROM calls INDEXED BY calls_missed_unseen WHERE outcome = 'missed' AND seen = 0`,
    );
  }


  /**
   * Stores a call that ended and returns it. Ring time and talk time are derived from the
   * timestamps; a missed call starts unseen (the badge), every other call seen. Reporting the same
   * SIP call again (same extension, direction and Call-ID, e.g. a retried report) returns the
   * stored record and writes nothing.
   */
  record(input: CallRecordInput): CallRecord {
    const parsed = CallRecordInputSchema.safeParse(input);
    if (!parsed.success) throw new CallLogInputError(`invalid call record: ${describeIssues(parsed.error)}`);
    const r = parsed.data;
    const result = this.db.transaction((): { row: Row; created: boolean; wrapUpPending?: boolean } => {
      if (r.sipCallId !== null) {
        this.statement('DELETE FROM open_calls WHERE local_user = ? AND direction = ? AND sip_call_id = ?').run(r.localUser, r.direction, r.sipCallId);
        const existing = this.bySipCallStmt.get(r.localUser, r.direction, r.sipCallId) as Row | undefined;
        // Closed as interrupted while the call in fact went on (only the services had stopped):
        // the real end replaces the guess.
        if (existing && existing.outcome === 'interrupted' && r.outcome !== 'interrupted') return this.completeInterrupted(existing, r);
        if (existing) return { row: existing, created: false };
      }
      const id = randomUUID();
      this.insertStmt.run({
        id,
        conversationId: r.conversationId ?? id,
        direction: r.direction,
        localUser: r.localUser,
        remoteNumber: r.remoteNumber,
        remoteName: r.remoteName,
        remoteDigits: digitsOf(r.remoteNumber),
        searchText: searchTextOf(r.remoteNumber, r.remoteName),
        dialledNumber: r.dialledNumber,
        sipCallId: r.sipCallId,
        startedMs: Date.parse(r.startedAt),
        answeredMs: r.answeredAt === null ? null : Date.parse(r.answeredAt),
        endedMs: Date.parse(r.endedAt),
        outcome: r.outcome,
        endCause: r.endCause,
        seen: r.outcome === 'missed' ? 0 : 1,
        recordingId: r.recordingId,
        messageId: r.messageId,
        clientId: r.clientId,
        clientName: r.clientName,
        notes: r.notes,
        transfers: r.transfers,
        transferredFrom: r.transferredFrom,
        transferredTo: r.transferredTo,
        handoffNote: r.handoffNote,
      });
      const wrapUpPending = this.wrapUpFor(id, r);
      return { row: this.byIdStmt.get(id) as Row, created: true, wrapUpPending };
    }).immediate();
    if (result.created) this.emit();
    if (result.wrapUpPending) this.wrapUps.notifyWrapUps();
    return toRecord(result.row);
  }

  /**
   * A call going on now, as it would be recorded if Frontdesk stopped this moment (outcome
   * "interrupted", ended now). The renderer notes it when the call starts and as it goes; the
   * call's own record replaces it when it ends. What is left of them when Frontdesk starts again
   * (a crash, a kill, the power) is closed by `closeOpen` at the last moment noted.
   */
  noteOpen(input: CallRecordInput): void {
    const parsed = CallRecordInputSchema.safeParse({ ...input, outcome: 'interrupted' });
    if (!parsed.success) throw new CallLogInputError(`invalid call record: ${describeIssues(parsed.error)}`);
    const r = parsed.data;
    if (r.sipCallId === null) throw new CallLogInputError('invalid call record: sipCallId: an open call is noted by its SIP Call-ID');
    this.statement(
      `INSERT INTO open_calls (local_user, direction, sip_call_id, record_json, updated_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (local_user, direction, sip_call_id) DO UPDATE SET record_json = excluded.record_json, updated_ms = excluded.updated_ms`,
    ).run(r.localUser, r.direction, r.sipCallId, JSON.stringify(input), Date.parse(r.endedAt));
  }

  /**
   * Closes the calls a stopped Frontdesk left open (of one extension, or all), as "interrupted" at
   * the last moment they were noted; one someone talked on gets its wrap-up. `complete` adds what
   * other services know of each (its recording). Returns how many.
   */
  closeOpen(localUser?: string, complete: (input: CallRecordInput) => CallRecordInput = (input) => input): number {
    const rows = (
      localUser === undefined
        ? this.statement('SELECT record_json FROM open_calls').all()
        : this.statement('SELECT record_json FROM open_calls WHERE local_user = ?').all(localUser)
    ) as { record_json: string }[];
    let closed = 0;
    for (const row of rows) {
      try {
        this.record(complete({ ...(JSON.parse(row.record_json) as CallRecordInput), outcome: 'interrupted' }));
        closed++;
      } catch {
        // a note that no longer reads is dropped below rather than kept for ever
      }
    }
    if (localUser === undefined) this.statement('DELETE FROM open_calls').run();
    else this.statement('DELETE FROM open_calls WHERE local_user = ?').run(localUser);
    return closed;
  }

  /** The real end of a call that had been closed as interrupted. */
  private completeInterrupted(existing: Row, r: ParsedCallRecordInput): { row: Row; created: boolean; wrapUpPending: boolean } {
    this.statement(
      `UPDATE calls SET answered_ms = ?, ended_ms = ?, outcome = ?, end_cause = ?, seen = ?, transfers = ?, transferred_from = ?, transferred_to = ?,
         handoff_note = ? WHERE id = ?`,
    ).run(
      r.answeredAt === null ? null : Date.parse(r.answeredAt),
      Date.parse(r.endedAt),
      r.outcome,
      r.endCause,
      r.outcome === 'missed' ? 0 : 1,
      r.transfers,
      r.transferredFrom,
      r.transferredTo,
      r.handoffNote,
      existing.id,
    );
    const wrapUpPending = this.wrapUpFor(existing.id, r);
    return { row: this.byIdStmt.get(existing.id) as Row, created: true, wrapUpPending };
  }

  /** A call someone talked on gets its wrap-up (pending, or the one saved while it was up): whether one is pending. */
  private wrapUpFor(id: string, r: ParsedCallRecordInput): boolean {
    return this.wrapUps.callRecorded({
      id,
      localUser: r.localUser,
      sipCallId: r.sipCallId,
      remoteNumber: r.remoteNumber,
      remoteName: r.remoteName,
      answered: r.answeredAt !== null && talkedOutcomes.has(r.outcome),
      endedMs: Date.parse(r.endedAt),
    });
  }

  get(id: string): CallRecord | null {
    const row = this.byIdStmt.get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /**
   * A page of the history, newest first. `search` matches the remote number's digits when it is a
   * number being typed ("+7 (495) 123-45" → "749512345" anywhere in the number); otherwise every
   * word must appear in the name or the number, case-insensitive (Cyrillic included).
   */
  list(query: CallLogQuery = {}): CallLogPage {
    const parsed = CallLogQuerySchema.safeParse(query);
    if (!parsed.success) throw new CallLogInputError(`invalid call history query: ${describeIssues(parsed.error)}`);
    const q = parsed.data;
    const filters: string[] = [];
    const params: unknown[] = [];
    let match: string | null = null;
    const search = q.search?.trim() ?? '';
    if (search) {
      const words = isNumberLike(search) ? [digitsOf(search)] : search.toLowerCase().split(/\s+/);
      const terms = [...new Set(words)].slice(0, maxSearchTerms);
      const indexed = terms.filter((t) => t.length >= minIndexedTerm);
      if (indexed.length) match = indexed.map(phrase).join(' AND ');
      for (const term of terms.filter((t) => t.length < minIndexedTerm)) {
        filters.push('instr(search_text, ?) > 0');
        params.push(term);
      }
    }
    if (q.outcome) {
      filters.push('outcome = ?');
      params.push(q.outcome);
    }
    if (q.before) {
      filters.push('started_ms < ?');
      params.push(Date.parse(q.before));
    }
    const newestFirst = 'ORDER BY started_ms DESC, seq DESC';
    let sql: string;
    if (match === null) {
      sql = `SELECT ${columns} FROM calls ${filters.length ? `WHERE ${filters.join(' AND ')}` : ''} ${newestFirst} LIMIT ?`;
    } else {
      // Two plans for the same query. Few index hits: fetch them and sort. Many (a common name):
      // walk the start-time index newest first and stop at the limit, instead of fetching thousands
      // of rows to sort. An outcome filter walks its own (outcome, start) index, which stops early too.
      const hits = (this.statement(countHitsSql).get(match) as { n: number }).n;
      if (hits === 0) return { records: [], missedUnseen: this.missedUnseenCount() };
      const hitsIn = 'seq IN (SELECT rowid FROM calls_search WHERE calls_search MATCH ?)';
      const where = [hitsIn, ...filters].join(' AND ');
      sql =
        hits < manyHits || q.outcome
          ? `SELECT ${columns} FROM calls WHERE ${where} ${newestFirst} LIMIT ?`
          : `SELECT ${columns} FROM calls WHERE seq IN (
               SELECT seq FROM calls INDEXED BY calls_by_start WHERE ${where} ${newestFirst} LIMIT ?
             ) ${newestFirst}`;
      params.unshift(match);
    }
    params.push(q.limit);
    const rows = this.statement(sql).all(...params) as Row[];
    return { records: rows.map(toRecord), missedUnseen: this.missedUnseenCount() };
  }

  /** Marks missed calls as seen (all of them, or those that started at or before `through`); returns how many. */
  markMissedSeen(options: MarkMissedSeen = {}): number {
    const parsed = MarkMissedSeenSchema.safeParse(options);
    if (!parsed.success) throw new CallLogInputError(`invalid request: ${describeIssues(parsed.error)}`);
    const { through } = parsed.data;
    const changes = through
      ? this.statement(`UPDATE calls INDEXED BY calls_missed_unseen SET seen = 1 WHERE outcome = 'missed' AND seen = 0 AND started_ms <= ?`).run(Date.parse(through)).changes
      : this.statement(`UPDATE calls INDEXED BY calls_missed_unseen SET seen = 1 WHERE outcome = 'missed' AND seen = 0`).run().changes;
    if (changes > 0) this.emit();
    return changes;
  }

  /** The wrap-ups saved in [from, to), oldest first, each with its call's id, direction and times (for reports). */
  wrapUpsBetween(from: string, to: string): WrapUp[] {
    return this.wrapUps.between({ from, to } satisfies WrapUpRange);
  }

  missedUnseenCount(): number {
    return (this.missedUnseenStmt.get() as { n: number }).n;
  }

  /** Called after every change with the new missed-call count (for the `calls.changed` event). */
  onChanged(listener: (change: CallLogChanged) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Saves (replaces) the script run of a call; what the agent answered survives a crash mid-call. */
  saveScriptRun(input: { localUser: string; sipCallId: string; run: ScriptRun }): void {
    const run = ScriptRunSchema.parse(input.run);
    this.db
      .prepare(
        `INSERT INTO script_runs (local_user, sip_call_id, script_id, run_json, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (local_user, sip_call_id) DO UPDATE SET script_id = excluded.script_id, run_json = excluded.run_json, updated_at = excluded.updated_at`,
      )
      .run(input.localUser, input.sipCallId, run.scriptId, JSON.stringify(run), new Date().toISOString());
  }

  getScriptRun(localUser: string, sipCallId: string): ScriptRun | null {
    const row = this.db.prepare('SELECT run_json FROM script_runs WHERE local_user = ? AND sip_call_id = ?').get(localUser, sipCallId) as
      | { run_json: string }
      | undefined;
    if (!row) return null;
    const parsed = ScriptRunSchema.safeParse(JSON.parse(row.run_json));
    return parsed.success ? parsed.data : null;
  }

  /** The connection, for the read-only reports over the history and the script runs (reports.ts). */
  get database(): Database {
    return this.db;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private statement(sql: string): Statement {
    return prepareCached(this.cache, this.db, sql);
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const change = { missedUnseen: this.missedUnseenCount() };
    for (const l of this.listeners) l(change);
  }
}
