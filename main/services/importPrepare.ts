import path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { ClientSource } from '../../common/directory';
import type { ImportSaidFlat } from '../../common/importText';
import { prepareImportItem, type ImportItem } from './directory';
import { csvRows, ImportCancelledError, ImportError, type CsvMappingInEffect, type CsvTable, type PreparedOutcome, type RowPreparer } from './importers';

/**
 * Preparing an import's rows in a second thread while the import worker writes them. Most of an
 * import's time is per row and needs no database — validating the client (zod), reading its phone
 * numbers (libphonenumber-js), its search text — so a helper thread does that for the rows ahead,
 * and the thread holding the transaction only looks up owners and writes. The writer is inside one
 * synchronous SQLite transaction (an import lands whole or not at all), so it cannot wait for
 * messages the usual way: it takes the helper's batches with receiveMessageOnPort and sleeps on a
 * shared counter (Atomics.wait) while none is there. The helper stays a few batches ahead at most.
 */

/** Rows per batch a helper sends. */
export const prepareBatchRows = 512;
/** Batches a helper prepares ahead of the writer at most (the rest waits: memory stays bounded). */
const batchesAhead = 6;
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

/** One helper's share of a job: the batches `part`, `part + parts`, `part + 2 × parts`… */
type JobMessage = PrepareJob & { source: ClientSource; region: string; part: number; parts: number; port: MessagePort; signal: Int32Array };

type Batch = { outcomes: PreparedOutcome[] } | { done: true } | { error: string };

/** What the helper thread runs when its worker is started with `{ role: 'prepare' }`. */
export function servePrepareJobs(parent: MessagePort | { on(event: 'message', listener: (m: JobMessage) => void): void }): void {
  parent.on('message', (job: JobMessage) => runJob(job));
}

function* outcomesOf(job: PrepareJob): Generator<{ row: number; item?: ImportItem; skipped?: string | ImportSaidFlat }> {
  if (job.t === 'items') yield* job.items.map((item) => ({ row: item.row, item }));
  else yield* csvRows(job.table, job.mapping).rows();
}

function runJob(job: JobMessage): void {
  const { port, signal } = job;
  const send = (batch: Batch) => {
    port.postMessage(batch);
    Atomics.add(signal, PRODUCED, 1);
    Atomics.notify(signal, PRODUCED);
  };
  try {
    let batch: PreparedOutcome[] = [];
    let sent = 0;
    let index = 0;
    let inBatch = 0;
    for (const o of outcomesOf(job)) {
      if (Atomics.load(signal, STOP)) return;
      const mine = index % job.parts === job.part;
      if (++inBatch === prepareBatchRows) {
        inBatch = 0;
        index++;
      }
      if (!mine) continue;
      batch.push(o.item ? { row: o.row, item: prepareImportItem(o.item, job.source, job.region) } : { row: o.row, skipped: o.skipped ?? 'not imported' });
      if (batch.length < prepareBatchRows) continue;
      // Far enough ahead: wait for the writer to take some.
      for (let consumed = Atomics.load(signal, CONSUMED); sent - consumed >= batchesAhead; consumed = Atomics.load(signal, CONSUMED)) {
        if (Atomics.load(signal, STOP)) return;
        Atomics.wait(signal, CONSUMED, consumed, 100);
      }
      send({ outcomes: batch });
      sent++;
      batch = [];
    }
    if (batch.length) send({ outcomes: batch });
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

/**
 * The writer's side: a helper thread (the import worker's own script, started with `{ role:
 * 'prepare' }`) that prepares the rows of one import at a time. Started before it is needed (when
 * the file is previewed), so its start-up is not part of the import.
 */
export class ParallelPreparer implements RowPreparer {
  private workers: Worker[] = [];

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

  csv(table: CsvTable, mapping: CsvMappingInEffect, source: ClientSource, region: string, shouldStop?: () => boolean): Generator<PreparedOutcome> {
    return this.run({ t: 'csv', table, mapping }, source, region, shouldStop);
  }

  items(items: ImportItem[], source: ClientSource, region: string, shouldStop?: () => boolean): Generator<PreparedOutcome> {
    return this.run({ t: 'items', items }, source, region, shouldStop);
  }

  close(): void {
    for (const worker of this.workers) void worker.terminate();
    this.workers = [];
  }

  private *run(job: PrepareJob, source: ClientSource, region: string, shouldStop?: () => boolean): Generator<PreparedOutcome> {
    this.warm();
    const parts = this.workers.map((worker, part) => {
      const { port1, port2 } = new MessageChannel();
      const signal = new Int32Array(new SharedArrayBuffer(3 * 4));
      const message: JobMessage = { ...job, source, region, part, parts: this.workers.length, port: port2, signal };
      worker.postMessage(message, [port2]);
      return { port: port1, signal };
    });
    try {
      // Batch k comes from helper k mod parts; the first "done" in that order is the end.
      for (let k = 0; ; k++) {
        const { port, signal } = parts[k % parts.length]!;
        const batch = receive(port, signal, shouldStop);
        Atomics.add(signal, CONSUMED, 1);
        Atomics.notify(signal, CONSUMED);
        if ('error' in batch) throw new ImportError(batch.error);
        if ('done' in batch) return;
        yield* batch.outcomes;
      }
    } finally {
      // Done, failed or cancelled: the helpers stop preparing this import.
      for (const { port, signal } of parts) {
        Atomics.store(signal, STOP, 1);
        Atomics.notify(signal, CONSUMED);
        port.close();
      }
    }
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
