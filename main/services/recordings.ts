import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, rmSync, statfsSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describeIssues } from '../../common/callLog';
import {
  lowDiskBytes,
  RecordingAppendSchema,
  RecordingBeginSchema,
  RecordingEndSchema,
  RecordingMarksSchema,
  RecordingMarkSchema,
  RecordingQuerySchema,
  recordingFileName,
  type Recording,
  type RecordingDisk,
  type RecordingMark,
  type RetentionReport,
} from '../../common/recordings';
import { fault, SaidError } from '../../common/said';
import { ownerOnlyFolder } from './ownerOnly';
import { openDatabase, prepareCached, type Database, type Statement } from './sqlite';
import { makeFileSeekable } from './webm';
import { writeFailure } from './writeFailure';
import type { z } from 'zod';

/**
 * Call recordings on disk, crash-safe. The audio arrives in chunks as the call goes (one a second)
 * and each is appended and fsynced before the call that sent it returns, so a crash of the app or
 * the machine loses at most the last second. A finished recording's WebM gets its duration and
 * index (webm.ts); one that was still being written when Frontdesk stopped is repaired the same
 * way when it starts again and marked "interrupted". The index (who, when, which call and
 * conversation, pauses and holds) is a SQLite database beside the files' folder's owner.
 */
export const recordingsMigrations: readonly string[] = [
  `
  CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    local_user TEXT NOT NULL,
    sip_call_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    direction TEXT NOT NULL,
    remote_number TEXT NOT NULL,
    remote_name TEXT,
    segment TEXT NOT NULL,
    by_policy INTEGER NOT NULL,
    state TEXT NOT NULL,
    folder TEXT NOT NULL,
    file_name TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER,
    duration_ms INTEGER,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    next_seq INTEGER NOT NULL DEFAULT 0,
    marks_json TEXT NOT NULL DEFAULT '[]'
  );
  CREATE INDEX recordings_call ON recordings (sip_call_id);
  CREATE INDEX recordings_conversation ON recordings (conversation_id);
  CREATE INDEX recordings_number ON recordings (remote_number);
  CREATE INDEX recordings_started ON recordings (started_ms);
  `,
];

interface Row {
  id: string;
  local_user: string;
  sip_call_id: string;
  conversation_id: string;
  direction: 'inbound' | 'outbound';
  remote_number: string;
  remote_name: string | null;
  segment: 'call' | 'consultation';
  by_policy: number;
  state: Recording['state'];
  folder: string;
  file_name: string;
  started_ms: number;
  ended_ms: number | null;
  duration_ms: number | null;
  size_bytes: number;
  next_seq: number;
  marks_json: string;
}

/** A recording refused: said as data when the person can meet it (a folder, a full disk), else in English. */
export class RecordingInputError extends SaidError {}

const toRecording = (r: Row): Recording => ({
  id: r.id,
  localUser: r.local_user,
  sipCallId: r.sip_call_id,
  conversationId: r.conversation_id,
  direction: r.direction,
  remoteNumber: r.remote_number,
  remoteName: r.remote_name,
  segment: r.segment,
  byPolicy: r.by_policy === 1,
  state: r.state,
  fileName: r.file_name,
  startedAt: new Date(r.started_ms).toISOString(),
  endedAt: r.ended_ms === null ? null : new Date(r.ended_ms).toISOString(),
  durationMs: r.duration_ms,
  sizeBytes: r.size_bytes,
  marks: parseMarks(r.marks_json),
});

function parseMarks(json: string): RecordingMark[] {
  try {
    const parsed = RecordingMarkSchema.array().safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

const localStamp = (iso: string) => {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
};

export class RecordingsService {
  private readonly db: Database;
  private readonly cache = new Map<string, Statement>();
  private readonly now: () => Date;

  constructor(
    dbFile: string,
    /** The folder new recordings go to (a setting; the data folder's "recordings" by default). */
    private readonly folder: () => string,
    options: { now?: () => Date; freeBytes?: (dir: string) => number | null } = {},
  ) {
    this.db = openDatabase(dbFile, { what: 'recordings', migrations: recordingsMigrations });
    this.now = options.now ?? (() => new Date());
    if (options.freeBytes) this.freeBytes = options.freeBytes;
  }

  private freeBytes = (dir: string): number | null => {
    try {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    } catch {
      return null;
    }
  };

  private statement(sql: string): Statement {
    return prepareCached(this.cache, this.db, sql);
  }

  private row(id: string): Row {
    const row = this.statement('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new RecordingInputError(`no recording has the id "${id}"`);
    return row;
  }

  private fileOfRow(r: Row): string {
    return path.join(r.folder, r.file_name);
  }

  /**
   * Whether recordings can go to a folder the person or the admin chose: a full path, created if
   * missing, that this user can write to. Throws a message that says what is wrong.
   */
  checkFolder(folder: string): void {
    if (!path.isAbsolute(folder)) throw new RecordingInputError(fault('folderNotFull', { folder }));
    const probe = path.join(folder, `.frontdesk-write-test-${process.pid}`);
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      writeFileSync(probe, 'ok', { mode: 0o600 });
      rmSync(probe, { force: true });
    } catch (error) {
      throw new RecordingInputError(fault('folderRefused', { folder, why: writeFailure(error) }));
    }
  }

  /** Where recordings go now and whether there is room (the agent is told before a recording fails). */
  disk(): RecordingDisk {
    const folder = ownerOnlyFolder(this.folder());
    const free = this.freeBytes(folder);
    return { folder, freeBytes: free, low: free !== null && free < lowDiskBytes };
  }

  /** Starts a recording: its file (owner-only) and its row. */
  begin(input: z.input<typeof RecordingBeginSchema>): Recording {
    const parsed = RecordingBeginSchema.safeParse(input);
    if (!parsed.success) throw new RecordingInputError(`invalid recording: ${describeIssues(parsed.error)}`);
    const r = parsed.data;
    const folder = ownerOnlyFolder(this.folder());
    const free = this.freeBytes(folder);
    if (free !== null && free < 16 * 1024 * 1024) throw new RecordingInputError(fault('diskFull', { folder, mb: Math.round(free / 1024 / 1024) }));
    const id = randomUUID();
    const fileName = recordingFileName({ ...r, id }, localStamp);
    closeSync(openSync(path.join(folder, fileName), 'wx', 0o600));
    this.statement(
      `INSERT INTO recordings (id, local_user, sip_call_id, conversation_id, direction, remote_number, remote_name, segment, by_policy, state, folder, file_name, started_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'recording', ?, ?, ?)`,
    ).run(id, r.localUser, r.sipCallId, r.conversationId, r.direction, r.remoteNumber, r.remoteName, r.segment, r.byPolicy ? 1 : 0, folder, fileName, Date.parse(r.startedAt));
    return toRecording(this.row(id));
  }

  /**
   * Appends a chunk and puts it on disk (fsync) before returning. Chunks come in order; one sent
   * again after a failed answer is acknowledged without being written twice.
   */
  append(input: z.input<typeof RecordingAppendSchema>): { sizeBytes: number } {
    const parsed = RecordingAppendSchema.safeParse(input);
    if (!parsed.success) throw new RecordingInputError(`invalid recording chunk: ${describeIssues(parsed.error)}`);
    const { id, seq, data } = parsed.data;
    const row = this.row(id);
    if (row.state !== 'recording') throw new RecordingInputError(`the recording ${id} is ${row.state}: nothing more is written to it`);
    if (seq < row.next_seq) return { sizeBytes: row.size_bytes };
    if (seq > row.next_seq) throw new RecordingInputError(`chunk ${seq} of ${id} came before chunk ${row.next_seq}`);
    const bytes = Buffer.from(data, 'base64');
    const fd = openSync(this.fileOfRow(row), 'a', 0o600);
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const size = row.size_bytes + bytes.length;
    this.statement('UPDATE recordings SET next_seq = ?, size_bytes = ? WHERE id = ?').run(seq + 1, size, id);
    return { sizeBytes: size };
  }

  /** Pauses and holds so far (kept as they happen, so an interrupted recording has them too). */
  setMarks(input: z.input<typeof RecordingMarksSchema>): void {
    const parsed = RecordingMarksSchema.safeParse(input);
    if (!parsed.success) throw new RecordingInputError(`invalid recording marks: ${describeIssues(parsed.error)}`);
    this.row(parsed.data.id);
    this.statement('UPDATE recordings SET marks_json = ? WHERE id = ?').run(JSON.stringify(parsed.data.marks), parsed.data.id);
  }

  /** Ends a recording: the file gets its duration and index. */
  end(input: z.input<typeof RecordingEndSchema>): Recording {
    const parsed = RecordingEndSchema.safeParse(input);
    if (!parsed.success) throw new RecordingInputError(`invalid recording end: ${describeIssues(parsed.error)}`);
    const { id, endedAt, marks } = parsed.data;
    const row = this.row(id);
    if (row.state !== 'recording') return toRecording(row);
    const closed = marks.map((m) => (m.toMs === null ? { ...m, toMs: Math.max(m.fromMs, Date.parse(endedAt) - row.started_ms) } : m));
    this.finish(row, 'complete', Date.parse(endedAt), closed);
    return toRecording(this.row(id));
  }

  private finish(row: Row, state: 'complete' | 'interrupted', endedMs: number, marks: RecordingMark[]) {
    const file = this.fileOfRow(row);
    let durationMs: number | null = null;
    let size = row.size_bytes;
    if (existsSync(file) && statSync(file).size > 0) {
      try {
        durationMs = makeFileSeekable(file).durationMs;
        size = statSync(file).size;
      } catch {
        durationMs = null; // kept as written: a player may still read part of it
      }
    }
    this.statement('UPDATE recordings SET state = ?, ended_ms = ?, duration_ms = ?, size_bytes = ?, marks_json = ? WHERE id = ?').run(
      state,
      endedMs,
      durationMs,
      size,
      JSON.stringify(marks),
      row.id,
    );
  }

  /**
   * Recordings still being written when Frontdesk stopped (a crash, a kill, the power): made
   * seekable up to their last whole second and marked "interrupted". Run at start.
   */
  recoverInterrupted(): Recording[] {
    const rows = this.statement(`SELECT * FROM recordings WHERE state = 'recording'`).all() as Row[];
    for (const row of rows) {
      const marks = parseMarks(row.marks_json);
      const endedMs = row.started_ms + Math.max(0, row.next_seq) * 1000;
      this.finish(row, 'interrupted', endedMs, marks.map((m) => (m.toMs === null ? { ...m, toMs: endedMs - row.started_ms } : m)));
    }
    return rows.map((r) => toRecording(this.row(r.id)));
  }

  list(query: z.input<typeof RecordingQuerySchema>): Recording[] {
    const parsed = RecordingQuerySchema.safeParse(query);
    if (!parsed.success) throw new RecordingInputError(`invalid recordings query: ${describeIssues(parsed.error)}`);
    const q = parsed.data;
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.sipCallId) {
      where.push('sip_call_id = ?');
      params.push(q.sipCallId);
    }
    if (q.conversationId) {
      where.push('conversation_id = ?');
      params.push(q.conversationId);
    }
    if (q.remoteNumbers) {
      where.push(`remote_number IN (${q.remoteNumbers.map(() => '?').join(', ')})`);
      params.push(...q.remoteNumbers);
    }
    const rows = this.db.prepare(`SELECT * FROM recordings WHERE ${where.join(' AND ')} ORDER BY started_ms LIMIT ?`).all(...params, q.limit) as Row[];
    return rows.map(toRecording);
  }

  get(id: string): Recording | null {
    const row = this.statement('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecording(row) : null;
  }

  /** The file of a recording, to play it (null when there is none on disk). */
  fileOf(id: string): string | null {
    const row = this.statement('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
    if (!row) return null;
    const file = this.fileOfRow(row);
    return existsSync(file) ? file : null;
  }

  /** Deletes the recordings older than `days` (files and rows), never one still being written; says what it deleted. */
  applyRetention(days: number): RetentionReport {
    if (days <= 0) return { days, deleted: [] };
    const before = this.now().getTime() - days * 86_400_000;
    const rows = this.statement(`SELECT * FROM recordings WHERE state != 'recording' AND started_ms < ?`).all(before) as Row[];
    const deleted: RetentionReport['deleted'] = [];
    for (const row of rows) {
      rmSync(this.fileOfRow(row), { force: true });
      this.statement('DELETE FROM recordings WHERE id = ?').run(row.id);
      deleted.push({ id: row.id, fileName: row.file_name, startedAt: new Date(row.started_ms).toISOString() });
    }
    return { days, deleted };
  }

  close(): void {
    this.db.close();
  }
}
