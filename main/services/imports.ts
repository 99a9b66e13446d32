import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { CsvMapping } from '../../common/directory';
import {
  ImportPreviewSchema,
  type ImportBegin,
  type ImportJob,
  type ImportKind,
  type ImportPreview,
  type ImportPreviewRequest,
  type ImportSummary,
} from '../../common/imports';
import type { DirectoryService } from './directory';
import { ImportError } from './importers';
import { fault, type Said } from '../../common/said';
import { startWorker } from './importPrepare';
import { createImportEndpoint, type SessionInit, type SessionMessage, type SessionRequest } from './importSession';

/**
 * Client imports as the renderer drives them (the `imports.*` methods): a file arrives in chunks,
 * is previewed with the mapping the person makes, then imported — each file in a worker thread of
 * its own (importWorker.ts), so the main process keeps answering while 100,000 rows import. One
 * import writes at a time; the directory's own writes wait for it (`whenIdle`), because SQLite
 * lets one connection write at a time and a main-thread write blocked on the lock would freeze
 * the main process.
 */

export interface ImportServiceOptions {
  /** The directory's database file (the worker opens its own connection to it). */
  dbFile: string;
  /** The region numbers without a country code are read with, when an import starts. */
  region: () => string;
  /**
   * The worker's script (dist/main/importWorker.cjs in the app, main/services/importWorker.ts under
   * tsx); null runs each session on this thread, synchronously (unit tests).
   */
  workerFile: string | null;
  /** The directory an import writes to when it runs on this thread. */
  directory: DirectoryService;
  /** An import started, moved on or ended. */
  onJob: (job: ImportJob) => void;
  /**
   * An import in a worker wrote clients (the directory changed behind the main connection's back).
   * On this thread the directory says so itself (its onChanged listeners).
   */
  onImported: (summary: ImportSummary) => void;
}

/** Files open at once (each holds its text in a worker); beginning another closes the least recently used. */
export const maxOpenImports = 3;
/** A file nobody has touched for this long is closed (its worker ends). */
export const importIdleMs = 30 * 60 * 1000;

interface Channel {
  post(request: SessionRequest): void;
  terminate(): void;
}

interface Session {
  id: string;
  fileName: string;
  length: number;
  received: number;
  channel: Channel;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  nextReq: number;
  cancel: Int32Array;
  kind: ImportKind | null;
  job: ImportJob | null;
  finished: Promise<void> | null;
  usedAt: number;
  dead: string | null;
}

class CancelledError extends Error {}
/** The worker's failure, with what it says as data when the code knows it (importFailureSaid). */
class WorkerError extends ImportError {
  constructor(
    message: string,
    readonly said?: Said,
  ) {
    super(message);
  }
}

type WithoutReq<T> = T extends unknown ? Omit<T, 'req'> : never;

export class ImportService {
  private readonly sessions = new Map<string, Session>();
  private running: Session | null = null;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(private readonly options: ImportServiceOptions) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Whether an import is writing to the directory now. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Resolves when no import is writing (at once when none is). */
  whenIdle(): Promise<void> {
    return this.running?.finished ?? Promise.resolve();
  }

  /** Runs `write` now, or after the running import ends (so it never waits on SQLite's write lock). */
  afterImport<T>(write: () => T): T | Promise<T> {
    return this.busy ? this.whenIdle().then(write) : write();
  }

  begin(input: ImportBegin): { id: string } {
    this.sweep();
    const open = [...this.sessions.values()].filter((s) => s !== this.running).sort((a, b) => a.usedAt - b.usedAt);
    while (this.sessions.size >= maxOpenImports && open.length) this.close({ id: open.shift()!.id });
    if (this.sessions.size >= maxOpenImports) throw new ImportError('too many files are open for import: close one first');
    const id = `imp-${randomBytes(8).toString('hex')}`;
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const init: SessionInit = { id, fileName: input.fileName, length: input.length, encoding: input.encoding, cancel };
    const session: Session = {
      id,
      fileName: input.fileName,
      length: input.length,
      received: 0,
      channel: null as unknown as Channel,
      pending: new Map(),
      nextReq: 1,
      cancel,
      kind: null,
      job: null,
      finished: null,
      usedAt: Date.now(),
      dead: null,
    };
    session.channel = this.options.workerFile
      ? workerChannel(this.options.workerFile, init, (m) => this.onMessage(session, m), (e) => this.onDeath(session, e))
      : inThreadChannel(init, this.options.directory, (m) => this.onMessage(session, m));
    this.sessions.set(id, session);
    return { id };
  }

  async append(input: { id: string; offset: number; chunk: string }): Promise<{ received: number; complete: boolean }> {
    const session = this.get(input.id);
    if (input.offset !== session.received) throw new ImportError(`the file arrived out of order: a piece at character ${input.offset}, expected ${session.received}`);
    if (session.received + input.chunk.length > session.length) throw new ImportError(`the file is longer than announced (${session.length} characters)`);
    session.received += input.chunk.length;
    return (await this.request(session, { t: 'append', offset: input.offset, chunk: input.chunk })) as { received: number; complete: boolean };
  }

  async preview(input: ImportPreviewRequest): Promise<ImportPreview> {
    const session = this.get(input.id);
    if (session === this.running) throw new ImportError('this file is being imported: wait for the import to finish');
    const { id, ...request } = input;
    const value = (await this.request(session, { t: 'preview', request, region: this.options.region() })) as Omit<ImportPreview, 'id'>;
    session.kind = value.kind;
    return ImportPreviewSchema.parse({ ...value, id });
  }

  /** Starts the import; its progress and its end arrive as `imports.changed` events (onJob). */
  start(input: { id: string; mapping?: CsvMapping }): ImportJob {
    const session = this.get(input.id);
    if (this.running) {
      const job = this.running.job!;
      throw new ImportError(`another import is running ("${job.fileName}", ${job.done} of ${job.total} rows): start this one when it has finished`);
    }
    if (session.received < session.length) throw new ImportError(`the file has not arrived whole yet (${session.received} of ${session.length} characters)`);
    if (!session.kind) throw new ImportError('preview the file before importing it');
    const job: ImportJob = { id: session.id, fileName: session.fileName, kind: session.kind, state: 'running', done: 0, total: 0, summary: null, error: null };
    this.setJob(session, job);
    this.running = session;
    const run = this.request(session, { t: 'run', mapping: input.mapping, dbFile: this.options.dbFile, region: this.options.region() });
    session.finished = run.then(
      (value) => {
        const summary = value as ImportSummary;
        this.setJob(session, { ...session.job!, state: 'done', done: session.job!.total, summary });
        if (this.options.workerFile && (summary.created > 0 || summary.merged > 0)) this.options.onImported(summary);
      },
      (error: Error) => {
        const cancelled = error instanceof CancelledError;
        this.setJob(session, {
          ...session.job!,
          state: cancelled ? 'cancelled' : 'failed',
          error: cancelled ? 'The import was cancelled: nothing was imported.' : `${error.message.replace(/\.$/, '')}. Nothing was imported.`,
          ...(!cancelled && error instanceof WorkerError && error.said ? { said: error.said } : {}),
        });
      },
    ).finally(() => {
      if (this.running === session) this.running = null;
      session.finished = null;
    });
    return job;
  }

  /** Asks a running import to stop: its transaction rolls back, nothing is written. */
  cancel(input: { id: string }): ImportJob | null {
    const session = this.get(input.id);
    if (session === this.running) Atomics.store(session.cancel, 0, 1);
    return session.job;
  }

  status(input: { id: string }): ImportJob | null {
    return this.sessions.get(input.id)?.job ?? null;
  }

  /** Forgets a file (its worker ends). A running import is cancelled first. */
  close(input: { id: string }): boolean {
    const session = this.sessions.get(input.id);
    if (!session) return false;
    if (session === this.running) {
      // Let it roll back and answer; then the worker ends.
      Atomics.store(session.cancel, 0, 1);
      void session.finished?.then(() => this.close(input));
      return true;
    }
    this.sessions.delete(input.id);
    session.dead ??= 'the file was closed';
    session.channel.terminate();
    for (const p of session.pending.values()) p.reject(new ImportError('the file was closed'));
    session.pending.clear();
    return true;
  }

  /** Ends every worker (the app quits): a running import rolls back. */
  closeAll(): void {
    clearInterval(this.sweeper);
    for (const session of this.sessions.values()) {
      session.dead ??= 'Frontdesk is closing';
      session.channel.terminate();
      for (const p of session.pending.values()) p.reject(new ImportError('Frontdesk is closing'));
    }
    this.sessions.clear();
    this.running = null;
  }

  // -------------------------------------------------------------------------------------------

  private get(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new ImportError('this file is no longer open for import (it was closed, or Frontdesk restarted): choose it again');
    session.usedAt = Date.now();
    return session;
  }

  private request(session: Session, request: WithoutReq<SessionRequest>): Promise<unknown> {
    if (session.dead) return Promise.reject(new ImportError(session.dead));
    const req = session.nextReq++;
    return new Promise((resolve, reject) => {
      session.pending.set(req, { resolve, reject });
      session.channel.post({ ...request, req } as SessionRequest);
    });
  }

  private onMessage(session: Session, message: SessionMessage): void {
    if (message.t === 'progress') {
      if (session.job?.state === 'running') this.setJob(session, { ...session.job, done: message.done, total: message.total });
      return;
    }
    const pending = session.pending.get(message.req);
    if (!pending) return;
    session.pending.delete(message.req);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(message.cancelled ? new CancelledError(message.error) : new WorkerError(message.error, message.said));
  }

  /** The worker ended unexpectedly (an uncaught error, out of memory): its requests fail, its import rolled back. */
  private onDeath(session: Session, error: Error): void {
    session.dead = `the import worker stopped: ${error.message}`;
    const said = fault('importWorkerStopped', { why: error.message });
    for (const p of session.pending.values()) p.reject(new WorkerError(session.dead, said));
    session.pending.clear();
  }

  private setJob(session: Session, job: ImportJob): void {
    session.job = job;
    this.options.onJob(job);
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) if (s !== this.running && now - s.usedAt > importIdleMs) this.close({ id: s.id });
  }
}

/** A session in a worker thread (the app's dist/main/importWorker.cjs; under tsx, the TypeScript). */
function workerChannel(workerFile: string, init: SessionInit, onMessage: (m: SessionMessage) => void, onDeath: (e: Error) => void): Channel {
  const worker = startWorker(workerFile, { ...init, workerFile: path.resolve(workerFile) });
  let terminated = false;
  worker.on('message', onMessage);
  worker.on('error', (e) => onDeath(e));
  worker.on('exit', (code) => {
    if (!terminated) onDeath(new Error(`it exited with code ${code}`));
  });
  return {
    post: (request) => worker.postMessage(request),
    terminate: () => {
      terminated = true;
      void worker.terminate();
    },
  };
}

/** A session on this thread (tests): the same endpoint, answering asynchronously like a worker. */
function inThreadChannel(init: SessionInit, directory: DirectoryService, onMessage: (m: SessionMessage) => void): Channel {
  let open = true;
  const endpoint = createImportEndpoint(
    init,
    (m) => setImmediate(() => open && onMessage(m)),
    () => ({ directory, close: () => undefined }),
  );
  return {
    post: (request) => setImmediate(() => open && endpoint(request)),
    terminate: () => {
      open = false;
    },
  };
}
