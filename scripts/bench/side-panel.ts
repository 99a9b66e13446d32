/**
 * Side panel benchmark (issue 5, "Side panel"): prints figures, asserts nothing, exits 0.
 *
 *   npm run bench:panel -- [--calls 40] [--warmup 2] [--starts 3] [--searches 300] [--contacts 100000] [--trace FILE] [--profile FILE] [--keep]
 *   (= npm run build -- --quiet && tsx scripts/lab/cli.ts exec -- tsx scripts/bench/side-panel.ts …)
 *
 * It must run inside the lab's network namespace (Chromium's WebRTC may only ever reach loopback),
 * which is what `cli.ts exec` does; FRONTDESK_LAB_NETNS / FRONTDESK_LAB_DIR pick the namespace and
 * the state dir. It
 *  1. generates --contacts contacts with scripts/bench/contacts.ts (a fixed seed: the same data every
 *     run; a ";"-delimited CSV with Russian headers and a BOM, as Russian Excel writes it) and imports them
 *     (previewCsv's guessed mapping + importCsv, timed) into the directory.db of a data folder;
 *  2. writes a call script for the dialled line 1000 whose first phrase names the client into that
 *     folder's call-scripts/, starts the lab (unless it runs) and a browser host for 1000 on that
 *     folder in a process of its own (as the Electron main process is), opens it in headless
 *     Chromium and waits for "Registered as 1000";
 *  3. starts Frontdesk --starts times (each a new host process and a new Chromium on the same data
 *     folder, as when the app is opened) and places one call after each start (the "first call after
 *     start"); the first start then takes --warmup calls (not counted) and --calls measured "later"
 *     calls. Calls go to 1000, one at a time, from SIPp outside callers whose numbers are in the
 *     directory (one client each), and stamp in the page, with performance.now():
 *       invite   the INVITE's WebSocket message event (a listener the page's WebSocket gets before
 *                JsSIP's own handler): when the SIP engine receives it;
 *       lookup   the app's directory.findByNumber for the caller leaving on the bridge's WebSocket,
 *                and its answer arriving (before the app's own handler sees it);
 *       ringing  the first DOM mutation batch with the ringing call's article (data-phase ringing-in);
 *       dom      the first batch with both the client card ("Client card: <name>") and the "Call
 *                script" region showing its first phrase filled in with the name;
 *       painted  the frame that shows them has been painted: a user-blocking task (scheduler.postTask)
 *                queued from the first requestAnimationFrame after "dom" (it runs after that frame's
 *                paint, before the ordinary tasks the page put off until after the frame);
 *     then the caller cancels, the ended call is dismissed and the panel must be empty again;
 *  4. type-ahead: --searches `directory.search` calls ({ text, limit: 20 }) made from the page over a
 *     WebSocket of its own to the host's /bridge (the frame shape of renderer/src/bridge.ts), timed
 *     in the page from send to result; then the same texts on a DirectoryService opened on the same
 *     database in this process (the SQLite part alone);
 *  5. prints the figures (first calls after start and later calls side by side) and the environment,
 *     stops what it started and exits 0.
 * --trace FILE records a Chrome trace (open it in chrome://tracing or Perfetto) of the measured calls.
 * --trace-first FILE records a Chrome trace of the first call after the last start.
 * --profile FILE records the page's JavaScript CPU profile (.cpuprofile, 100 µs sampling) of the measured calls;
 * --profile-first FILE that of the first call after the last start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromium, type CDPSession, type Page } from '@playwright/test';
import { DirectoryService } from '../../main/services/directory';
import { importCsv, previewCsv } from '../../main/services/importers';
import { chromiumArgs, chromiumPath } from '../chromium';
import { writeLabProvisioning } from '../provision';
import { placeCall } from '../lab/caller';
import { labStateDir } from '../lab/config';
import { clearRegistrations, startLab, stopLab } from '../lab/lab';
import { runName } from '../lab/sipp';
import { generateContacts, int, pick, typeAheadText } from './contacts';
import { atCleanup, runBench } from './cleanup';
import { requireLabNamespaceAndBuild } from './preflight';
import { ms, summarize, type Summary } from './stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// ---------------------------------------------------------------- options

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const raw = stringOption(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name}: not a number: ${raw}`);
    process.exit(2);
  }
  return Math.round(n);
}
function stringOption(name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${name}`) return args[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

const callCount = option('calls', 40);
const warmup = option('warmup', 2);
const starts = Math.max(1, option('starts', 3));
const searchCount = option('searches', 300);
const contactCount = Math.max(1000, option('contacts', 100_000));
const traceFile = stringOption('trace');
const traceFirstFile = stringOption('trace-first');
/** The renderer's main thread task by task: scripts, style, layout, paint, GC, frames, with JS samples. */
const traceCategories = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'toplevel', 'v8', 'v8.execute', 'blink.user_timing', 'loading', 'latencyInfo'];
const profileFile = stringOption('profile');
const profileFirstFile = stringOption('profile-first');
const keep = args.includes('--keep');
/** The most a call may take to show its card and script before it counts as failed. */
const panelTimeoutMs = 10_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (msg: string) => console.log(`[bench] ${msg}`);

// ---------------------------------------------------------------- the call script

const scriptId = 'bench-panel';
/** The first phrase once the card is there: "{greeting}, <name>! …"; the greeting depends on the hour. */
const phraseAfterName = '! Bench line, how can I help?';
const benchScript = `# Written by scripts/bench/side-panel.ts
id: ${scriptId}
title: Bench panel line
language: en
match:
  dialled: ["1000"]
lines:
  - number: "1000"
    company: Bench Dental
    business: dental clinic
pages:
  - id: greeting
    title: Greeting
    stage: greeting
    blocks:
      - say: '{greeting}, {client.name|"there"}${phraseAfterName}'
      - question:
          id: purpose
          text: What does the caller need?
          options:
            - { id: appointment, label: An appointment, next: booking }
            - { id: colleague, label: A colleague }
  - id: booking
    title: Booking
    stage: request
    blocks:
      - question: { id: when, text: When would suit them?, kind: open }
`;

// ---------------------------------------------------------------- in the page

/**
 * Installed with addInitScript, before the app's own scripts (a string: what tsx compiles may
 * reference helpers that do not exist in the page). Every stamp is performance.now().
 */
const pageScript = String.raw`(() => {
  if (window.__panelBench) return;
  const now = () => performance.now();

  // When each INVITE reaches the SIP engine, by Call-ID: this listener is added in the WebSocket's
  // constructor, so it runs just before the handler JsSIP sets afterwards, in the same task.
  const invites = new Map();
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (ev) => {
        if (typeof ev.data !== 'string') return;
        // The answer to the armed call's directory lookup, as it reaches the app's bridge (browser host).
        const a = armed;
        if (a && a.lookupId !== undefined && a.lookupAnswered === undefined && ev.data.startsWith('{') && ev.data.includes('"id":' + a.lookupId + ',')) {
          const f = JSON.parse(ev.data);
          if (f.t === 'result' && f.id === a.lookupId) a.lookupAnswered = now();
        }
        if (!ev.data.startsWith('INVITE ')) return;
        const t = now();
        const id = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(ev.data);
        if (id && !invites.has(id[1])) invites.set(id[1], t);
      });
    }
    send(data) {
      // The armed call's directory lookup leaving the page.
      const a = armed;
      if (a && a.lookupAsked === undefined && typeof data === 'string' && data.includes('"frontdesk:directory.findByNumber"')) {
        a.lookupAsked = now();
        a.lookupId = JSON.parse(data).id;
      }
      return super.send(data);
    }
  };

  let armed = null;
  const labelled = (selector, label) => {
    for (const el of document.querySelectorAll(selector)) if (el.getAttribute('aria-label') === label) return el;
    return null;
  };
  function check() {
    const a = armed;
    if (!a || a.dom !== undefined) return;
    const t = now();
    if (a.ringing === undefined && document.querySelector('article[data-phase="ringing-in"]')) a.ringing = t;
    if (!labelled('article', a.cardLabel)) return;
    const script = labelled('section', 'Call script');
    if (!script || !(script.textContent || '').includes(a.phrase)) return;
    a.dom = t;
    // Element Timing: the browser's own time of the frame that first shows the card's name and the
    // script's phrase (renderTime), whatever the page's main thread does after that frame.
    const card = labelled('article', a.cardLabel).querySelector('.card__name');
    const say = [...script.querySelectorAll('p')].find((p) => (p.textContent || '').includes(a.phrase));
    a.marks = [card, say].filter(Boolean).map((el, i) => {
      const id = 'fd-bench-' + (++marked) + '-' + i;
      el.setAttribute('elementtiming', id);
      return id;
    });
    // The first task after that frame: user-blocking, so what the page put off until after the
    // frame (its own afterNextPaint work, queued as ordinary tasks) runs after it and does not count.
    requestAnimationFrame(() => scheduler.postTask(() => { a.painted = now(); a.whenPresented(); }, { priority: 'user-blocking' }));
  }
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  let marked = 0;
  const presentedAt = new Map();
  const presentedSeen = () => { const a = armed; if (a && a.painted !== undefined) a.whenPresented(); };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) presentedAt.set(e.identifier, e.renderTime || e.loadTime);
    presentedSeen();
  }).observe({ type: 'element', buffered: true });

  let bridge = null;
  let nextId = 1;
  const pending = new Map();
  const call = (channel, input) => {
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      bridge.send(JSON.stringify({ t: 'call', id, channel, input }));
    });
  };

  window.__panelBench = {
    /** Watches for one call's ringing article, client card and script phrase. */
    arm(cardLabel, phrase, timeoutMs) {
      const a = { cardLabel, phrase };
      a.done = new Promise((resolve) => {
        const timer = setTimeout(() => {
          const panel = labelled('section', 'Caller');
          a.timedOut = true;
          a.panelText = panel ? (panel.textContent || '').slice(0, 300) : '(no side panel)';
          a.finish();
        }, timeoutMs);
        a.finish = () => {
          clearTimeout(timer);
          clearTimeout(a.presentTimer);
          const times = (a.marks || []).map((id) => presentedAt.get(id));
          const presented = times.length === 2 && times.every((x) => x) ? Math.max(...times) : undefined;
          resolve({ lookupAsked: a.lookupAsked, lookupAnswered: a.lookupAnswered, ringing: a.ringing, dom: a.dom, painted: a.painted, presented, timedOut: a.timedOut, panelText: a.panelText });
        };
        // Once painted, as soon as the browser has told when both were presented (at most 1 s more).
        a.whenPresented = () => {
          if (a.presentTimer === undefined) a.presentTimer = setTimeout(a.finish, 1000);
          if ((a.marks || []).every((id) => presentedAt.has(id))) a.finish();
        };
      });
      armed = a;
      check();
    },
    result() {
      return armed.done;
    },
    invite(callId) {
      return invites.get(callId) ?? null;
    },
    /** Dismisses ended calls and waits until no call shows and the panel is empty again. */
    async waitIdle(timeoutMs) {
      armed = null;
      const deadline = now() + timeoutMs;
      for (;;) {
        for (const b of document.querySelectorAll('article[data-phase="ended"] button')) if ((b.textContent || '').trim() === 'Dismiss') b.click();
        if (!document.querySelector('article[data-phase]') && document.querySelector('.side-panel__empty')) return true;
        if (now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    /** A WebSocket of the benchmark's own to the host's bridge (the page's origin, as the app's). */
    openBridge() {
      return new Promise((resolve, reject) => {
        const url = new URL('/bridge', location.href);
        url.protocol = 'ws:';
        url.searchParams.set('token', document.querySelector('meta[name="frontdesk-bridge-token"]')?.getAttribute('content') || '');
        const ws = new NativeWebSocket(url.toString());
        ws.onopen = () => { bridge = ws; resolve(true); };
        ws.onerror = () => reject(new Error('cannot open the bridge WebSocket'));
        ws.onmessage = (ev) => {
          const f = JSON.parse(String(ev.data));
          if (f.t !== 'result') return;
          pending.get(f.id)?.(f.result);
          pending.delete(f.id);
        };
      });
    },
    async scriptIds() {
      const r = await call('frontdesk:scripts.list', undefined);
      return r.ok ? { ids: r.value.scripts.map((s) => s.id), problems: r.value.problems.map((p) => p.text) } : { ids: [], problems: [r.error.message] };
    },
    async search(texts, limit) {
      const out = [];
      for (const text of texts) {
        const start = now();
        const r = await call('frontdesk:directory.search', { text, limit });
        out.push({ ms: now() - start, hits: r.ok ? r.value.length : -1, error: r.ok ? undefined : r.error.code + ': ' + r.error.message });
      }
      return out;
    },
  };
})();`;

interface PanelStamps {
  /** The directory lookup for the caller sent on the bridge's WebSocket, and its answer received. */
  lookupAsked?: number;
  lookupAnswered?: number;
  ringing?: number;
  dom?: number;
  painted?: number;
  /** The presentation time of the frame that first showed both the card's name and the script's phrase (Element Timing's renderTime). */
  presented?: number;
  timedOut?: boolean;
  panelText?: string;
}

const evalPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

// ---------------------------------------------------------------- the host, in a process of its own

async function startFrontdeskHost(dir: string, dataDir: string, logName: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const provisioningFile = writeLabProvisioning('1000', path.join(dir, 'provisioning.json'), { settings: { defaultRegion: 'RU', autoAnswer: false } });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'main/host/cli.ts')], {
    cwd: root,
    env: { ...process.env, FRONTDESK_PROVISIONING: provisioningFile, FRONTDESK_DATA_DIR: dataDir, FRONTDESK_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(3000).then(() => 'late')])) === 'late') child.kill('SIGKILL');
  };
  atCleanup('Frontdesk host', stop);
  let out = '';
  const logFile = fs.createWriteStream(path.join(dir, logName));
  const collect = (d: Buffer) => {
    out += d.toString();
    logFile.write(d);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Frontdesk host did not start:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /Frontdesk is serving at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Frontdesk host exited with ${code}:\n${out}`));
    });
  });
  return { url, stop };
}

// ---------------------------------------------------------------- figures

const between = (a: number | undefined | null, b: number | undefined) => (a != null && b !== undefined ? b - a : undefined);

function table(rows: Array<{ label: string; s: Summary | undefined; goalMs?: number }>): string[] {
  const w = Math.max(...rows.map((r) => r.label.length));
  const num = (x: number | undefined) => (x === undefined ? 'n/a' : ms(x)).padStart(7);
  const head = `${'what'.padEnd(w)}  ${'n'.padStart(4)}  ${'p50'.padStart(7)}  ${'p95'.padStart(7)}  ${'max'.padStart(7)}  goal (p95)`;
  return [
    head,
    ...rows.map((r) => {
      const goal = r.goalMs === undefined ? '' : `≤ ${r.goalMs}${r.s ? (r.s.p95 <= r.goalMs ? ' met' : ' NOT met') : ''}`;
      return `${r.label.padEnd(w)}  ${String(r.s?.n ?? 0).padStart(4)}  ${num(r.s?.p50)}  ${num(r.s?.p95)}  ${num(r.s?.max)}  ${goal}`;
    }),
  ];
}

// ---------------------------------------------------------------- main

interface CallSample {
  caller: string;
  stamps: PanelStamps;
  /** The INVITE at the SIP engine (page clock), null when no frame with its Call-ID was seen. */
  invite: number | null;
  /** The page's main thread, in its own CPU time, from just before the call to the painted card (ms). */
  cpu: MainThreadCpu | null;
}

interface MainThreadCpu {
  /** Every task the main thread ran. */
  tasks: number;
  /** JavaScript run. */
  script: number;
  /** Style, layout (the rest of the frame is in tasks). */
  styleLayout: number;
}

/** The renderer's counters (CDP Performance.getMetrics), in thread CPU time once enabled with 'threadTicks'. */
async function mainThreadCounters(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

function cpuBetween(before: Record<string, number>, after: Record<string, number>): MainThreadCpu {
  const d = (name: string) => ((after[name] ?? 0) - (before[name] ?? 0)) * 1000;
  return { tasks: d('TaskDuration'), script: d('ScriptDuration'), styleLayout: d('RecalcStyleDuration') + d('LayoutDuration') };
}

async function main(): Promise<void> {
  requireLabNamespaceAndBuild('bench:panel');
  const startedAt = new Date();
  const loadBefore = os.loadavg()[0]!;
  const benchDir = path.join(labStateDir(), 'bench', runName('side-panel'));
  const dataDir = path.join(benchDir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  if (!keep) atCleanup('bench data', async () => fs.rmSync(benchDir, { recursive: true, force: true }));

  // 1. contacts → CSV → importCsv into the data folder's directory.db
  const { contacts, csv } = generateContacts(contactCount);
  const dbFile = path.join(dataDir, 'directory.db');
  const seeding = new DirectoryService(dbFile, { defaultRegion: 'RU' });
  const importStart = performance.now();
  const preview = previewCsv(csv);
  const imported = importCsv(csv, preview.guessedMapping, seeding);
  const importMs = performance.now() - importStart;
  const clientCount = seeding.count();
  log(`imported ${contactCount} CSV rows in ${(importMs / 1000).toFixed(1)} s; ${clientCount} clients`);

  // Callers: generated contacts whose number finds exactly one client, that client being them.
  const callers: Array<{ number: string; name: string }> = [];
  const used = new Set<string>();
  for (let guard = 0; callers.length < starts + warmup + callCount && guard < 100_000; guard++) {
    const c = contacts[int(contacts.length)]!;
    const number = pick(c.numbers);
    if (used.has(number)) continue;
    const found = seeding.findByNumber(number);
    if (found.length !== 1 || found[0]!.name !== c.name) continue;
    used.add(number);
    callers.push({ number, name: c.name });
  }
  seeding.close();

  // 2. the script, the lab
  fs.mkdirSync(path.join(dataDir, 'call-scripts'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'call-scripts', `${scriptId}.yaml`), benchScript);
  const lab = await startLab({ log });
  if (!lab.alreadyRunning) atCleanup('lab', () => stopLab({ log }));
  else await clearRegistrations().catch(() => undefined);

  // 3. the calls. Each start is a fresh Frontdesk (a new host process on the same data folder, a
  // new Chromium), as when the app is opened: its first call is the "first call after start". The
  // first start then takes --warmup more calls (not counted) and --calls measured "later" calls.
  const samples: CallSample[] = [];
  const firstSamples: CallSample[] = [];
  /** What each start cost the page up to its first call. */
  const startCosts: Array<{ registeredMs: number; tasks: number; script: number; heapMb: number }> = [];
  const failures: string[] = [];
  const pageErrors: string[] = [];
  let profiler: CDPSession | undefined;
  let browserVersion = '?';
  let nextCaller = 0;
  let page!: Page;
  log(`${starts} starts of Frontdesk; each takes a first call, the first start then ${warmup} warm-up and ${callCount} measured calls, each cancelled by the caller once measured`);
  for (let start = 0; start < starts; start++) {
    const host = await startFrontdeskHost(benchDir, dataDir, `host-${start + 1}.log`);
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs({ fakeMedia: true }) });
    browserVersion = browser.version();
    const closeBrowser = async () => {
      // Leaving the page unregisters (pagehide), so the lab forks no later call to a dead contact.
      await page.goto('about:blank').catch(() => undefined);
      await browser.close().catch(() => undefined);
    };
    atCleanup('Chromium', closeBrowser);
    const context = await browser.newContext();
    page = await context.newPage();
    // The main thread's own CPU time per call: what a call costs the page, whatever else the machine runs.
    const counters = await context.newCDPSession(page);
    await counters.send('Performance.enable', { timeDomain: 'threadTicks' });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.addInitScript({ content: pageScript });
    const opening = performance.now();
    await page.goto(host.url);
    await page.getByRole('status', { name: 'Registration' }).filter({ hasText: 'Registered as 1000' }).waitFor({ timeout: 30_000 });
    const registeredMs = performance.now() - opening;
    await evalPage(page, 'window.__panelBench.openBridge()');
    const library = await evalPage<{ ids: string[]; problems: string[] }>(page, 'window.__panelBench.scriptIds()');
    if (!library.ids.includes(scriptId)) throw new Error(`the bench script was not loaded: ${library.problems.join('; ') || 'no problem reported'}`);
    log(`start ${start + 1}: Frontdesk (host ${host.url}) registered as 1000 in headless Chromium`);
    const callsThisStart = start === 0 ? 1 + warmup + callCount : 1;
    for (let i = 0; i < callsThisStart; i++) {
      const caller = callers[nextCaller++]!;
      const measuredLater = start === 0 && i > warmup;
      if (!(await evalPage<boolean>(page, 'window.__panelBench.waitIdle(15000)'))) log(`call ${i + 1}: the panel did not clear within 15 s`);
      await sleep(300); // the previous call's record and history refresh settle
      if (traceFile && start === 0 && i === warmup + 1) await browser.startTracing(page, { path: traceFile, categories: traceCategories });
      if (profileFile && start === 0 && i === warmup + 1) {
        profiler = await page.context().newCDPSession(page);
        await profiler.send('Profiler.enable');
        await profiler.send('Profiler.setSamplingInterval', { interval: 100 });
        await profiler.send('Profiler.start');
      }
      const profilingFirst = profileFirstFile !== undefined && start === starts - 1 && i === 0;
      const tracingFirst = traceFirstFile !== undefined && start === starts - 1 && i === 0;
      if (tracingFirst) await browser.startTracing(page, { path: traceFirstFile, categories: traceCategories });
      if (profilingFirst) {
        profiler = await page.context().newCDPSession(page);
        await profiler.send('Profiler.enable');
        await profiler.send('Profiler.setSamplingInterval', { interval: 100 });
        await profiler.send('Profiler.start');
      }
      const countersBefore = await mainThreadCounters(counters);
      if (i === 0) startCosts.push({ registeredMs, tasks: countersBefore.TaskDuration! * 1000, script: countersBefore.ScriptDuration! * 1000, heapMb: countersBefore.JSHeapUsedSize! / 1024 / 1024 });
      await evalPage(page, `window.__panelBench.arm(${JSON.stringify(`Client card: ${caller.name}`)}, ${JSON.stringify(`, ${caller.name}${phraseAfterName}`)}, ${panelTimeoutMs})`);
      const call = placeCall({ from: caller.number, to: '1000', cancelAfterMs: 20_000 });
      const stamps = await evalPage<PanelStamps>(page, 'window.__panelBench.result()');
      const cpu = cpuBetween(countersBefore, await mainThreadCounters(counters));
      const result = await call.stop();
      const invite = await evalPage<number | null>(page, `window.__panelBench.invite(${JSON.stringify(call.callId)})`);
      if (tracingFirst) await browser.stopTracing();
      if (profilingFirst && profiler) {
        const { profile } = await profiler.send('Profiler.stop');
        fs.writeFileSync(profileFirstFile!, JSON.stringify(profile));
        await profiler.detach();
        profiler = undefined;
      }
      if (i > 0 && !measuredLater) continue;
      const sample = { caller: caller.number, stamps, invite, cpu };
      (i === 0 ? firstSamples : samples).push(sample);
      if (stamps.timedOut) failures.push(`${caller.number} (${caller.name}): no card + script within ${panelTimeoutMs} ms; panel: ${stamps.panelText ?? ''}`);
      else if (invite === null) failures.push(`${caller.number}: no INVITE with Call-ID ${call.callId} seen on the page's WebSocket`);
      if (result.code !== 487) failures.push(`${caller.number}: the call ended with ${result.code || 'no final answer'} ${result.reason} (expected 487 after CANCEL)`);
      if (measuredLater && (i - warmup) % 10 === 0) log(`  ${i - warmup}/${callCount}`);
    }
    if (start === 0) {
      if (traceFile && callCount > 0) await browser.stopTracing();
      if (profiler) {
        const { profile } = await profiler.send('Profiler.stop');
        fs.writeFileSync(profileFile!, JSON.stringify(profile));
        await profiler.detach();
        profiler = undefined;
      }
    }
    await evalPage(page, 'window.__panelBench.waitIdle(15000)');
    if (start < starts - 1) {
      await closeBrowser();
      await host.stop();
    }
  }

  // 4. type-ahead
  const warmTexts = Array.from({ length: 30 }, () => typeAheadText(contacts));
  const texts = Array.from({ length: searchCount }, () => typeAheadText(contacts));
  await evalPage(page, `window.__panelBench.search(${JSON.stringify(warmTexts.map((t) => t.text))}, 20)`);
  const viaBridge = await evalPage<Array<{ ms: number; hits: number; error?: string }>>(page, `window.__panelBench.search(${JSON.stringify(texts.map((t) => t.text))}, 20)`);
  const directory = new DirectoryService(dbFile, { defaultRegion: 'RU' });
  const inProcess = texts.map(({ text }) => {
    const t = performance.now();
    const found = directory.search({ text, limit: 20 });
    return { ms: performance.now() - t, hits: found.length };
  });
  directory.close();
  for (const e of viaBridge.filter((s) => s.error).slice(0, 5)) failures.push(`bridge search: ${e.error}`);
  const hitMismatch = viaBridge.filter((s, i) => !s.error && s.hits !== inProcess[i]!.hits).length;
  if (hitMismatch) failures.push(`${hitMismatch} searches found a different number of clients over the bridge and in this process`);

  // 5. figures
  const cpus = os.cpus();
  const measured = samples.filter((s) => !s.stamps.timedOut);
  const measuredFirst = firstSamples.filter((s) => !s.stamps.timedOut);
  const phases: Array<{ label: string; f: (s: CallSample) => number | undefined; goalMs?: number }> = [
    { label: 'INVITE at the SIP engine → card + script painted', f: (s) => between(s.invite, s.stamps.painted), goalMs: 30 },
    { label: '  INVITE → directory lookup sent', f: (s) => between(s.invite, s.stamps.lookupAsked) },
    { label: '  lookup sent → answer back in the page', f: (s) => between(s.stamps.lookupAsked, s.stamps.lookupAnswered) },
    { label: '  answer back → card + script in the DOM', f: (s) => between(s.stamps.lookupAnswered, s.stamps.dom) },
    { label: '  card + script in the DOM → painted', f: (s) => between(s.stamps.dom, s.stamps.painted) },
    { label: 'INVITE → card + script presented (Element Timing)', f: (s) => between(s.invite, s.stamps.presented) },
    { label: '  card + script in the DOM → presented', f: (s) => between(s.stamps.dom, s.stamps.presented) },
    { label: 'INVITE → ringing call in the DOM', f: (s) => between(s.invite, s.stamps.ringing) },
    { label: 'ringing call in the DOM → card + script in the DOM', f: (s) => between(s.stamps.ringing, s.stamps.dom) },
    { label: 'main thread CPU, call → painted: all tasks', f: (s) => s.cpu?.tasks },
    { label: '  running JavaScript', f: (s) => s.cpu?.script },
    { label: '  style and layout', f: (s) => s.cpu?.styleLayout },
  ];
  console.log('');
  console.log(`Side panel benchmark — ${startedAt.toISOString()}`);
  console.log(`  ${cpus.length} cores × ${cpus[0]?.model.trim() ?? '?'}; load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${os.loadavg()[0]!.toFixed(2)}`);
  console.log(`  ${os.type()} ${os.release()}; Node ${process.version}; Chromium ${browserVersion} headless; lab: ${lab.netDescription}`);
  console.log('');
  console.log(`Import: ${contactCount} CSV rows (generated by scripts/bench/contacts.ts, ${(csv.length / 1024 / 1024).toFixed(1)} M characters): previewCsv + importCsv ${(importMs / 1000).toFixed(1)} s = ${Math.round(contactCount / (importMs / 1000))} rows/s`);
  console.log(`  ${imported.imported} imported, ${imported.merged.length} merged (a generated number that repeated), ${imported.skipped.length} skipped; ${clientCount} clients`);
  console.log('');
  console.log(`Start, ${startCosts.length} starts: page opened → "Registered as 1000" shown (wall clock, as Playwright saw it); then, just before the first call, the main thread's CPU since the page opened and the JavaScript heap.`);
  for (const line of table([
    { label: 'page opened → registered (ms)', s: summarize(startCosts.map((c) => c.registeredMs)) },
    { label: 'main thread CPU, all tasks (ms)', s: summarize(startCosts.map((c) => c.tasks)) },
    { label: '  running JavaScript (ms)', s: summarize(startCosts.map((c) => c.script)) },
    { label: 'JavaScript heap used (MB)', s: summarize(startCosts.map((c) => c.heapMb)) },
  ]))
    console.log(`  ${line}`);
  console.log('');
  console.log(`Card + script while it rings, first call after start: ${measuredFirst.length}/${firstSamples.length} calls, the first of each of ${starts} starts (a new host process and a new Chromium). ms.`);
  for (const line of table(phases.map((p) => ({ label: p.label, s: summarize(measuredFirst.map(p.f)), goalMs: p.goalMs })))) console.log(`  ${line}`);
  console.log(`    each first call, INVITE → painted: ${firstSamples.map((s) => (s.stamps.timedOut ? 'timed out' : ms(between(s.invite, s.stamps.painted) ?? NaN))).join(', ')}`);
  console.log(`    each first call, INVITE → presented: ${firstSamples.map((s) => (s.stamps.timedOut ? 'timed out' : ms(between(s.invite, s.stamps.presented) ?? NaN))).join(', ')}`);
  console.log('');
  console.log(`Card + script while it rings, later calls: ${measured.length}/${samples.length} calls of the first start (after its first call and ${warmup} warm-up), one at a time. ms.`);
  for (const line of table(phases.map((p) => ({ label: p.label, s: summarize(measured.map(p.f)), goalMs: p.goalMs })))) console.log(`  ${line}`);
  console.log('');
  console.log(`Type-ahead: ${searchCount} searches { text, limit: 20 } (name prefixes, other words, digit fragments, company/tag), one at a time. ms.`);
  for (const line of table([
    { label: 'page → bridge → directory.search → page', s: summarize(viaBridge.filter((s) => !s.error).map((s) => s.ms)), goalMs: 10 },
    { label: 'DirectoryService.search alone (this process)', s: summarize(inProcess.map((s) => s.ms)), goalMs: 10 },
  ]))
    console.log(`  ${line}`);
  for (const kind of [...new Set(texts.map((t) => t.kind))].sort()) {
    const idx = texts.flatMap((t, i) => (t.kind === kind ? [i] : []));
    const b = summarize(idx.map((i) => viaBridge[i]?.ms));
    const p = summarize(idx.map((i) => inProcess[i]!.ms));
    console.log(`    ${kind.padEnd(22)} n=${String(idx.length).padStart(3)}  bridge p50/p95 ${b ? `${ms(b.p50)}/${ms(b.p95)}` : 'n/a'}  alone p50/p95 ${p ? `${ms(p.p50)}/${ms(p.p95)}` : 'n/a'}`);
  }
  console.log('');
  console.log('"painted": a user-blocking task (scheduler.postTask) queued from the first requestAnimationFrame after card and script are in');
  console.log('the DOM: it runs once that frame is painted, before ordinary tasks the page put off until after the frame (those do not count;');
  console.log('a user-blocking task of the page\'s queued before it does). "presented": the browser\'s own time of the frame that first');
  console.log('showed the card\'s name and the script\'s phrase (Element Timing renderTime, the later of the two), whatever the page does after it.');
  console.log('"main thread CPU": the page\'s main thread in its own CPU time (Chromium\'s counters in thread ticks), from just before the');
  console.log('call to the painted card: what the call cost the page, whoever else had the machine\'s cores meanwhile.');
  console.log('p95 by linear interpolation. The host (the services) runs in a process of its own, as the Electron main process does.');
  if (profileFile) console.log(`JavaScript CPU profile of the measured calls: ${profileFile} (profiling slows the page: these figures are not comparable)`);
  if (traceFirstFile) console.log(`Chrome trace of the first call after the last start: ${traceFirstFile} (tracing slows the page: these figures are not comparable)`);
  if (traceFile) console.log(`Chrome trace of the measured calls: ${traceFile} (tracing slows the page: these figures are not comparable)`);
  if (pageErrors.length) console.log(`page errors: ${pageErrors.slice(0, 5).join(' | ')}`);
  if (failures.length) {
    console.log('');
    console.log(`Problems (${failures.length}):`);
    for (const f of failures.slice(0, 20)) console.log(`  ${f}`);
  }
  console.log('');
}

await runBench(main);
