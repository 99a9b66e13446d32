/**
 * Client import benchmark: prints figures, asserts nothing.
 *   npx tsx scripts/bench/import.bench.ts [--contacts=100000] [--probe-ms=20] [--runs=1] [--think-ms=0] [--main-thread]
 * Starts the browser host (the real services, contract over its WebSocket) with a fresh data
 * folder, and imports generated contacts (a ";" CSV with Russian headers, as Russian Excel writes
 * it) the way the Import clients dialog does: begin, the text in chunks, preview, start; the import
 * runs in the worker thread and reports progress as `imports.changed` events. Meanwhile a client
 * calls `directory.findByNumber` over the WebSocket every `probe-ms` (what the app does when a call
 * rings) and times each round trip: the worst one is how long the main process was unavailable.
 * The main thread's event-loop delay is measured too, and the CPU time the process spent during the import. `--main-thread` also times the same import
 * done synchronously on the main thread (the blocking the worker avoids). `--runs=N` imports N
 * times, each into a fresh data folder through a host of its own, and prints the median (the
 * machine is shared: one run alone can be slowed by other work on it). `--think-ms=N` waits N ms
 * between the preview's answer and pressing Import, as a person reading the mapping does (the
 * helper threads prepare rows meanwhile); the default presses it at once.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { chunkText, type ImportJob, type ImportPreview } from '../../common/imports';
import { DirectoryService } from '../../main/services/directory';
import { importCsv, previewCsv } from '../../main/services/importers';
import { startHost } from '../../main/host/server';
import { generateContacts, int, pick } from './contacts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string, fallback: number) => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw ? Number(raw) : fallback;
};
const contactCount = arg('contacts', 100_000);
const probeMs = arg('probe-ms', 20);
/** Imports, each into a fresh data folder: the machine is shared, one run can be slowed by others' work. */
const runs = arg('runs', 1);
/**
 * How long the person reads the preview before pressing Import (0: at once, the least time the
 * helper threads get to prepare rows ahead of the import).
 */
const thinkMs = arg('think-ms', 0);

/** CPU seconds of each thread of this process (Linux /proc), by thread id, kept as threads come and go. */
const threadCpu = new Map<string, { name: string; seconds: number }>();
function sampleThreads(): void {
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return; // not Linux
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threadCpu.set(tid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // the thread ended meanwhile
    }
  }
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const summary = (times: number[]) => {
  const t = [...times].sort((a, b) => a - b);
  return `n=${t.length}, p50 ${ms(pct(t, 50))}, p99 ${ms(pct(t, 99))}, max ${ms(t.at(-1) ?? NaN)}`;
};

const { csv, contacts } = generateContacts(contactCount);

/** What one run measured (its lines are printed as it goes). */
interface RunFigures {
  seconds: number;
  cpuSeconds: number;
  worstLookupMs: number;
}

/** One import into a fresh data folder, through a host of its own. */
async function runOnce(run: number): Promise<RunFigures> {
  let figures: RunFigures | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-import-bench-'));
  // The host checks that a renderer is there; the benchmark needs none.
  const rendererDir = path.join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>bench</title>');
  const host = await startHost({
    rendererDir,
    dataDir: path.join(dir, 'data'),
    provisioningFile: null,
    port: 0,
    version: 'bench',
    importWorkerFile: path.join(root, 'main/services/importWorker.ts'),
  });
  const origin = host.url.replace(/\/$/, '');
  const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/bridge?token=${host.bridgeToken}`, { origin });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });

  let nextId = 1;
  const pending = new Map<number, (frame: { ok: boolean; value?: unknown; error?: { message: string } }) => void>();
  const jobListeners = new Set<(job: ImportJob) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { t: string; id?: number; result?: { ok: boolean; value?: unknown; error?: { message: string } }; channel?: string; payload?: unknown };
    if (frame.t === 'result' && frame.id !== undefined) pending.get(frame.id)?.(frame.result!);
    else if (frame.t === 'event' && frame.channel === 'frontdesk:event:imports.changed') for (const l of jobListeners) l(frame.payload as ImportJob);
  });
  async function call<T>(method: string, input: unknown): Promise<T> {
    const id = nextId++;
    const result = await new Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ t: 'call', id, channel: `frontdesk:${method}`, input }));
    });
    pending.delete(id);
    if (!result.ok) throw new Error(`${method}: ${result.error?.message}`);
    return result.value as T;
  }

  /** Where the import was when a probe was sent. */
  let progress = 'before the import';

  /** Looks up a number over the contract and times the round trip, every probeMs until stopped. */
  function probe(): { stop: () => Promise<number[]>; worst: (n: number) => string[] } {
    const samples: { rtt: number; at: string }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const c = contacts[int(contacts.length)]!;
        const at = progress;
        const started = performance.now();
        await call('directory.findByNumber', { number: pick(c.numbers) });
        samples.push({ rtt: performance.now() - started, at });
        await new Promise((r) => setTimeout(r, probeMs));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return samples.map((s) => s.rtt);
      },
      worst: (n) => [...samples].sort((a, b) => b.rtt - a.rtt).slice(0, n).map((s) => `${ms(s.rtt)} (${s.at})`),
    };
  }

  try {
    console.log(`client import benchmark: ${contactCount} contacts (${(csv.length / 1024 / 1024).toFixed(1)} M characters of CSV), browser host at ${host.url}`);

    const idleDelay = monitorEventLoopDelay({ resolution: 10 });
    idleDelay.enable();
    const idle = probe();
    await new Promise((r) => setTimeout(r, 3000));
    idleDelay.disable();
    console.log(`IPC round trip (directory.findByNumber over the WebSocket), idle: ${summary(await idle.stop())}`);
    console.log(`main thread event-loop delay, idle: mean ${ms(idleDelay.mean / 1e6)}, p99 ${ms(idleDelay.percentile(99) / 1e6)}, max ${ms(idleDelay.max / 1e6)} (a 10 ms timer: the machine's own noise)`);

    const uploadStarted = performance.now();
    const { id } = await call<{ id: string }>('imports.begin', { fileName: 'bench.csv', length: csv.length, encoding: 'utf-8' });
    const chunks = chunkText(csv);
    let offset = 0;
    for (const chunk of chunks) {
      await call('imports.append', { id, offset, chunk });
      offset += chunk.length;
    }
    console.log(`upload: ${chunks.length} chunks in ${ms(performance.now() - uploadStarted)}`);
    const previewStarted = performance.now();
    const preview = await call<ImportPreview>('imports.preview', { id });
    console.log(
      `preview (in the worker: parse, guess the mapping, check rows for ≤ 1.5 s): ${ms(performance.now() - previewStarted)}; ${preview.total} rows, ${preview.checked} checked, ${preview.problemCount} problems; mapping ${preview.csv!.mapping.columns.map((c) => `${preview.csv!.headers[c.column as number]}→${c.field}${c.label ? `(${c.label})` : ''}`).join(', ')}`,
    );

    if (thinkMs > 0) {
      console.log(`the person reads the preview for ${thinkMs} ms before pressing Import (the helper threads prepare rows meanwhile)`);
      await new Promise((r) => setTimeout(r, thinkMs));
    }
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const during = probe();
    let events = 0;
    const done = new Promise<ImportJob>((resolve) => {
      jobListeners.add((job) => {
        if (job.id !== id) return;
        events++;
        const seconds = ((performance.now() - importStarted) / 1000).toFixed(1);
        progress = job.state !== 'running' ? `after the import, ${job.state}` : job.total && job.done >= job.total ? `${seconds} s: all rows read, indexing and committing` : `${seconds} s: ${job.done} of ${job.total || '?'} rows`;
        if (job.state !== 'running') resolve(job);
      });
    });
    sampleThreads();
    const cpuAtStart = new Map([...threadCpu].map(([tid, t]) => [tid, t.seconds]));
    const sampler = setInterval(sampleThreads, 250);
    const importStarted = performance.now();
    const cpuBefore = process.cpuUsage();
    loopDelay.enable();
    await call('imports.start', { id, mapping: { ...preview.csv!.mapping } });
    const job = await done;
    const importSeconds = (performance.now() - importStarted) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const wholeSeconds = (performance.now() - uploadStarted) / 1000 - thinkMs / 1000;
    clearInterval(sampler);
    sampleThreads();
    loopDelay.disable();
    const probes = await during.stop();
    if (job.state !== 'done' || !job.summary) throw new Error(`the import ended ${job.state}: ${job.error}`);
    const s = job.summary;
    console.log(
      `import through the worker: ${contactCount} rows in ${importSeconds.toFixed(1)} s = ${Math.round(contactCount / importSeconds)} rows/s (one transaction; goal ≤ ${importGoalSeconds} s for 100,000: ${importSeconds <= importGoalSeconds ? 'met' : 'NOT met'}); created ${s.created}, merged ${s.merged}, skipped ${s.skipped}, warnings ${s.warningCount}; ${events} imports.changed events; ${s.clientsAfter} clients after`,
    );
    console.log(`what the person waits for, from the file's first piece sent to the last client stored (upload, preview, import; their reading of the preview not counted): ${wholeSeconds.toFixed(1)} s`);
    console.log(
      `CPU time of this process during the import: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (all its threads: the import worker, the main thread, this benchmark's client; less sensitive than the wall time to other work on the machine)`,
    );
    const busy = [...threadCpu]
      .map(([tid, t]) => ({ name: t.name, seconds: t.seconds - (cpuAtStart.get(tid) ?? 0) }))
      .filter((t) => t.seconds >= 0.2)
      .sort((a, b) => b.seconds - a.seconds);
    if (busy.length) console.log(`  by thread (CPU s during the import, sampled every 250 ms; the import worker and its helpers are the busy ones): ${busy.map((t) => `${t.name} ${t.seconds.toFixed(1)}`).join(', ')}`);
    const worstLookupMs = Math.max(...probes);
    console.log(`IPC round trip during the import: ${summary(probes)}   <- the worst is how long a ringing call's card lookup could wait (goal ≤ ${lookupGoalMs} ms: ${worstLookupMs <= lookupGoalMs ? 'met' : 'NOT met'})`);
    figures = { seconds: importSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, worstLookupMs };
    console.log(`  the worst five, and where the import was when they were sent: ${during.worst(5).join('; ')}`);
    console.log(`main thread event-loop delay during the import: mean ${ms(loopDelay.mean / 1e6)}, p99 ${ms(loopDelay.percentile(99) / 1e6)}, max ${ms(loopDelay.max / 1e6)}`);
    await call('imports.close', { id });

    if (run === 1 && process.argv.includes('--main-thread')) {
      const file = path.join(dir, 'main-thread.db');
      const directory = new DirectoryService(file, { defaultRegion: 'RU' });
      const started = performance.now();
      importCsv(csv, previewCsv(csv).guessedMapping, directory);
      console.log(`the same import on the main thread (importCsv, synchronous): ${((performance.now() - started) / 1000).toFixed(1)} s during which the main process answers nothing`);
      directory.close();
    }
  } finally {
    ws.close();
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (!figures) throw new Error('the run measured nothing');
  return figures;
}

const importGoalSeconds = 10;
const lookupGoalMs = 50;
const all: RunFigures[] = [];
for (let run = 1; run <= runs; run++) {
  if (runs > 1) console.log(`\n— run ${run} of ${runs} —`);
  all.push(await runOnce(run));
}
if (runs > 1) {
  // Of an even count, the higher of the two middle runs.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const seconds = all.map((r) => r.seconds);
  const worst = Math.max(...all.map((r) => r.worstLookupMs));
  console.log(`\n${runs} runs: import ${seconds.map((x) => x.toFixed(1)).join(' / ')} s, median ${median(seconds).toFixed(1)} s (goal ≤ ${importGoalSeconds} s: ${median(seconds) <= importGoalSeconds ? 'met' : 'NOT met'}); CPU ${all.map((r) => r.cpuSeconds.toFixed(1)).join(' / ')} s; worst lookup of all runs ${ms(worst)} (goal ≤ ${lookupGoalMs} ms: ${worst <= lookupGoalMs ? 'met' : 'NOT met'})`);
}
