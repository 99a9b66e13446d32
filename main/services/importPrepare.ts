import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { ClientSource, ParsedClientInput, PhoneLabel } from '../../common/directory';
import type { ImportSaidFlat, ImportText } from '../../common/importText';
import { fieldKeys, prepareImportItem, type ImportItem, type StoredPhone } from './directory';
import { csvRows, csvShare, ImportCancelledError, ImportError, type CsvMappingInEffect, type CsvTable, type PreparedOutcome, type RowPreparer } from './importers';

/**
 * Preparing an import's rows in a second thread while the import worker writes them. Most of an
 * import's time is per row and needs no database — validating the client (zod), reading its phone
 * numbers (libphonenumber-js), its search text — so a helper thread does that for the rows ahead,
 * and the thread holding the transaction only looks up owners and writes. The writer is inside one
 * synchronous SQLite transaction (an import lands whole or not at all), so it cannot wait for
 * messages the usual way: it takes the helper's batches with receiveMessageOnPort and sleeps on a
 * shared counter (Atomics.wait) while none is there. The helper stays a few batches ahead at most,
 * or about 100,000 rows when it starts while the person reads the preview (prepareAhead).
 */

/** Rows per batch a helper sends. */
export const prepareBatchRows = 512;
/** Batches a helper prepares ahead of the writer at most (the rest waits: memory stays bounded). */
const batchesAhead = 6;
/**
 * Batches a helper prepares at most while the person is still reading the preview (prepareAhead):
 * 100 of 512 rows each per helper, about 100,000 rows and 80 MB of prepared rows waiting.
 */
const batchesAheadOfImport = 100;
/**
 * Helper threads per import, taking the batches in turn. Preparing a row costs about half again
 * what writing it does, so with one helper the writer waited for it; with two, the three threads
 * share the cores (on a 2-core PC too: none of them waits).
 */
export const prepareHelpers = 2;
/** The writer gives up when the helper has sent nothing for this long (it died: the import fails, nothing is written). */
const helperStallMs = 60_000;

/**
 * The import threads' young generation (V8's default is a few MiB): an import makes millions of
 * short-lived objects, and with the default a fifth of its time went to collecting them.
 */
const importYoungGenerationMb = 96;

/** The shared counters (Int32Array over a SharedArrayBuffer). */
const PRODUCED = 0;
const CONSUMED = 1;
const STOP = 2;

type PrepareJob =
  | { t: 'csv'; table: CsvTable; mapping: CsvMappingInEffect }
  | { t: 'items'; items: ImportItem[] };

/**
 * One helper's share of a job: the blocks `part`, `part + parts`, `part + 2 × parts`… of
 * `prepareBatchRows` rows (of the table: the rows of the other blocks are sent empty; or of the
 * items: only this helper's are sent, block after block). A helper sends one batch per block.
 */
type JobMessage = PrepareJob & {
  source: ClientSource;
  region: string;
  part: number;
  parts: number;
  /** Batches this helper may have sent that the writer has not taken. */
  ahead: number;
  port: MessagePort;
  signal: Int32Array;
};

/** A batch: its outcomes encoded flat (encodeOutcomes), the end of the job, or why the helper stopped. */
type Batch = { flat: unknown[] } | { done: true } | { error: string };

// ---------------------------------------------------------------------------------------------
// A batch of prepared rows, flat
// ---------------------------------------------------------------------------------------------

/**
 * The prepared client's fields in the order they are encoded. A message carries an object's keys
 * with every object, and the thread that writes pays for reading them back: received as objects,
 * the batches of the benchmark's 100,000 rows took the writer 1.3 s; as one flat array of values
 * per batch, 0.45 s.
 */
const clientKeys = [...fieldKeys, 'phones', 'source'] as const satisfies readonly (keyof ParsedClientInput)[];
/** A field added to the client and not to clientKeys is a type error here (it would not cross). */
type Unlisted = Exclude<keyof ParsedClientInput, (typeof clientKeys)[number]>;
const everyFieldListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyFieldListed;

/** What follows a row number in the flat form. */
const SKIPPED = 0;
const INVALID = 1;
const CLIENT = 2;

/** Outcomes as one flat array of values (decodeOutcomes reads it back). */
export function encodeOutcomes(outcomes: readonly PreparedOutcome[]): unknown[] {
  const out: unknown[] = [];
  for (const o of outcomes) {
    out.push(o.row);
    const item = o.item;
    if (!item) {
      out.push(SKIPPED, o.skipped);
      continue;
    }
    if (!item.client) {
      out.push(INVALID, item.row, item.warnings, item.skipped);
      continue;
    }
    out.push(CLIENT, item.row, item.warnings.length ? item.warnings : 0);
    for (const key of clientKeys) {
      if (key !== 'phones') {
        out.push(item.client[key]);
        continue;
      }
      out.push(item.client.phones.length);
      for (const p of item.client.phones) out.push(p.raw, p.label);
    }
    out.push(item.phones.length);
    for (const p of item.phones) out.push(p.number, p.label, p.raw, p.keys.e164, p.keys.digits, p.keys.national, p.keys.tail, p.searchDigits);
    out.push(item.search ? item.search.sortKey : null, item.search ? item.search.searchText : null);
  }
  return out;
}

/** The outcomes encodeOutcomes wrote. */
export function decodeOutcomes(flat: readonly unknown[]): PreparedOutcome[] {
  const outcomes: PreparedOutcome[] = [];
  let i = 0;
  const next = <T>() => flat[i++] as T;
  while (i < flat.length) {
    const row = next<number>();
    const kind = next<number>();
    if (kind === SKIPPED) {
      outcomes.push({ row, skipped: next<string | ImportSaidFlat>() });
      continue;
    }
    const itemRow = next<number>();
    if (kind === INVALID) {
      const warnings = next<ImportText[]>();
      outcomes.push({ row, item: { row: itemRow, prepared: true, warnings, skipped: next<string | ImportSaidFlat>(), client: null, phones: [], search: null } });
      continue;
    }
    const warnings = next<ImportText[] | 0>() || [];
    const client: Record<string, unknown> = {};
    for (const key of clientKeys) {
      if (key !== 'phones') {
        client[key] = next();
        continue;
      }
      const phones: { raw: string; label: PhoneLabel }[] = [];
      for (let n = next<number>(); n > 0; n--) phones.push({ raw: next<string>(), label: next<PhoneLabel>() });
      client.phones = phones;
    }
    const phones: StoredPhone[] = [];
    for (let n = next<number>(); n > 0; n--) {
      const number = next<string>();
      const label = next<PhoneLabel>();
      const raw = next<string>();
      const keys = { e164: next<string | null>(), digits: next<string>(), national: next<string>(), tail: next<string>() };
      const searchDigits = next<string[] | undefined>();
      phones.push(searchDigits === undefined ? { number, label, raw, keys } : { number, label, raw, keys, searchDigits });
    }
    const sortKey = next<string | null>();
    const searchText = next<string | null>();
    const search = sortKey === null || searchText === null ? null : { sortKey, searchText };
    outcomes.push({ row, item: { row: itemRow, prepared: true, warnings, skipped: null, client: client as ParsedClientInput, phones, search } });
  }
  return outcomes;
}

// ---------------------------------------------------------------------------------------------
// The helper thread
// ---------------------------------------------------------------------------------------------

/** What the helper thread runs when its worker is started with `{ role: 'prepare' }`. */
export function servePrepareJobs(parent: MessagePort | { on(event: 'message', listener: (m: JobMessage) => void): void }): void {
  parent.on('message', (job: JobMessage) => runJob(job));
}

/** The helper's blocks of a job, in order: each block's rows (or items), as the parser gives them. */
function* blocksOf(job: JobMessage): Generator<Iterable<{ row: number; item?: ImportItem; skipped?: string | ImportSaidFlat }>> {
  if (job.t === 'items') {
    for (let at = 0; at < job.items.length; at += prepareBatchRows) {
      yield job.items.slice(at, at + prepareBatchRows).map((item) => ({ row: item.row, item }));
    }
    return;
  }
  const { rows } = csvRows(job.table, job.mapping);
  for (let block = job.part; block * prepareBatchRows < job.table.rows.length; block += job.parts) {
    yield rows(block * prepareBatchRows, (block + 1) * prepareBatchRows);
  }
}

function runJob(job: JobMessage): void {
  const { port, signal } = job;
  const send = (batch: Batch) => {
    port.postMessage(batch);
    Atomics.add(signal, PRODUCED, 1);
    Atomics.notify(signal, PRODUCED);
  };
  try {
    let sent = 0;
    for (const block of blocksOf(job)) {
      const batch: PreparedOutcome[] = [];
      for (const o of block) {
        if (Atomics.load(signal, STOP)) return;
        batch.push(o.item ? { row: o.row, item: prepareImportItem(o.item, job.source, job.region) } : { row: o.row, skipped: o.skipped ?? 'not imported' });
      }
      // Far enough ahead: wait for the writer to take some.
      for (let consumed = Atomics.load(signal, CONSUMED); sent - consumed >= job.ahead; consumed = Atomics.load(signal, CONSUMED)) {
        if (Atomics.load(signal, STOP)) return;
        Atomics.wait(signal, CONSUMED, consumed, 100);
      }
      send({ flat: encodeOutcomes(batch) });
      sent++;
    }
    send({ done: true });
  } catch (error) {
    send({ error: error instanceof Error ? error.message : String(error) });
  } finally {
    port.close();
  }
}

/**
 * Starts a worker thread on a script: JavaScript as it is; TypeScript (under tsx: development,
 * tests, benchmarks) through a small bootstrap that registers tsx first, because a worker does not
 * inherit tsx's hooks for its entry on Node 20.
 */
export function startWorker(file: string, workerData: unknown): Worker {
  const resolved = path.resolve(file);
  const options = { workerData, resourceLimits: { maxYoungGenerationSizeMb: importYoungGenerationMb } };
  return /\.[cm]?ts$/.test(resolved)
    ? new Worker(
        `const r = require('node:module').createRequire(${JSON.stringify(resolved)}); r('tsx/cjs/api').register(); r(${JSON.stringify(resolved)});`,
        { ...options, eval: true },
      )
    : new Worker(resolved, options);
}

/** A job running in the helpers: the writer's ends of their ports and their shared counters. */
interface RunningJob {
  parts: { port: MessagePort; signal: Int32Array }[];
}

/** Which import a job prepares: the file (the same parsed table), its mapping, the source and the region. */
interface JobIdentity {
  table: CsvTable;
  key: string;
}

const identityOf = (table: CsvTable, mapping: CsvMappingInEffect, source: ClientSource, region: string): JobIdentity => ({
  table,
  key: JSON.stringify([mapping.hasHeader, mapping.columns, mapping.tagSeparator, source, region]),
});

/**
 * The writer's side: a helper thread (the import worker's own script, started with `{ role:
 * 'prepare' }`) that prepares the rows of one import at a time. Started before it is needed (when
 * the file is previewed), so its start-up is not part of the import.
 */
export class ParallelPreparer implements RowPreparer {
  private workers: Worker[] = [];
  /** Rows being prepared before their import was started (prepareAhead), and for which import. */
  private ahead: { identity: JobIdentity; job: RunningJob } | null = null;
  /** Jobs sent to the helpers so far (an import that takes the rows prepared ahead of it starts none). */
  jobsStarted = 0;

  constructor(private readonly workerFile: string) {}

  /** Starts the helper threads now (they load their code while the person maps the columns). */
  warm(): void {
    while (this.workers.length < prepareHelpers) {
      const worker = startWorker(this.workerFile, { role: 'prepare' });
      worker.unref();
      // A helper that fails is noticed by the writer (no batch comes: the import fails); a new one starts next time.
      const forget = () => {
        this.workers = this.workers.filter((w) => w !== worker);
      };
      worker.on('error', forget);
      worker.on('exit', forget);
      this.workers.push(worker);
    }
  }

  /**
   * Starts preparing a CSV's rows while the person reads its preview: the seconds before they
   * press Import are used, as a ringing call's are to prepare the answer. The import that follows
   * with the same table, mapping, source and region takes what is ready and the rest as it comes;
   * another preview (a changed mapping) or an import with anything else stops it and its rows are
   * dropped. Nothing is written: the rows wait in the helpers' ports (at most about 100,000).
   */
  prepareAhead(table: CsvTable, mapping: CsvMappingInEffect, source: ClientSource, region: string): void {
    const identity = identityOf(table, mapping, source, region);
    if (this.ahead && sameJob(this.ahead.identity, identity)) return;
    this.dropAhead();
    this.ahead = { identity, job: this.start({ t: 'csv', table, mapping }, source, region, batchesAheadOfImport) };
  }

  csv(table: CsvTable, mapping: CsvMappingInEffect, source: ClientSource, region: string, shouldStop?: () => boolean): Generator<PreparedOutcome> {
    const identity = identityOf(table, mapping, source, region);
    const ready = this.ahead && sameJob(this.ahead.identity, identity) ? this.ahead.job : null;
    if (ready) this.ahead = null;
    return this.run(ready ?? { t: 'csv', table, mapping }, source, region, shouldStop);
  }

  items(items: ImportItem[], source: ClientSource, region: string, shouldStop?: () => boolean): Generator<PreparedOutcome> {
    return this.run({ t: 'items', items }, source, region, shouldStop);
  }

  close(): void {
    this.dropAhead();
    for (const worker of this.workers) void worker.terminate();
    this.workers = [];
  }

  /** Stops preparing rows ahead of an import (the preview changed to a mapping that cannot import). */
  dropAhead(): void {
    if (this.ahead) stop(this.ahead.job);
    this.ahead = null;
  }

  /** Sends each helper its share of a job. */
  private start(job: PrepareJob, source: ClientSource, region: string, ahead: number): RunningJob {
    this.warm();
    this.jobsStarted++;
    const parts = this.workers.map((worker, part, { length }) => {
      const { port1, port2 } = new MessageChannel();
      const signal = new Int32Array(new SharedArrayBuffer(3 * 4));
      const share: PrepareJob =
        job.t === 'csv'
          ? { ...job, table: csvShare(job.table, prepareBatchRows, part, length) }
          : { t: 'items', items: job.items.filter((_, i) => Math.floor(i / prepareBatchRows) % length === part) };
      const message: JobMessage = { ...share, source, region, part, parts: length, ahead, port: port2, signal };
      worker.postMessage(message, [port2]);
      return { port: port1, signal };
    });
    return { parts };
  }

  /** The outcomes of a job (started now, or already running), in order. */
  private *run(job: PrepareJob | RunningJob, source: ClientSource, region: string, shouldStop?: () => boolean): Generator<PreparedOutcome> {
    if (!('parts' in job)) this.dropAhead();
    const { parts } = 'parts' in job ? job : this.start(job, source, region, batchesAhead);
    try {
      // Block k comes from helper k mod parts; the first "done" in that order is the end.
      for (let k = 0; ; k++) {
        const { port, signal } = parts[k % parts.length]!;
        const batch = receive(port, signal, shouldStop);
        Atomics.add(signal, CONSUMED, 1);
        Atomics.notify(signal, CONSUMED);
        if ('error' in batch) throw new ImportError(batch.error);
        if ('done' in batch) return;
        yield* decodeOutcomes(batch.flat);
      }
    } finally {
      // Done, failed or cancelled: the helpers stop preparing this import.
      stop({ parts });
    }
  }
}

const sameJob = (a: JobIdentity, b: JobIdentity) => a.table === b.table && a.key === b.key;

/** Stops a job's helpers (they see it before their next row) and closes the writer's ends. */
function stop(job: RunningJob): void {
  for (const { port, signal } of job.parts) {
    Atomics.store(signal, STOP, 1);
    Atomics.notify(signal, CONSUMED);
    port.close();
  }
}

/** The next batch from a helper, waiting (this thread is inside the import's transaction) until it comes. */
function receive(port: MessagePort, signal: Int32Array, shouldStop?: () => boolean): Batch {
  let stalledMs = 0;
  for (;;) {
    const seen = Atomics.load(signal, PRODUCED);
    const received = receiveMessageOnPort(port);
    if (received) return received.message as Batch;
    if (shouldStop?.()) throw new ImportCancelledError();
    if (Atomics.wait(signal, PRODUCED, seen, 100) === 'timed-out' && (stalledMs += 100) >= helperStallMs) {
      throw new ImportError('the thread preparing the rows stopped answering');
    }
  }
}
