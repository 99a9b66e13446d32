/**
 * Call recording benchmark (issue 11): what recording a call costs, in file size and CPU. Prints
 * figures, asserts nothing, exits 0.
 *
 *   npm run bench:recording [-- --conversation 90 --continuous 30] [--profile FILE]
 *
 * Needs espeak-ng (the speech: `apt-get install espeak-ng`) and ffmpeg (to check the file); it
 * stops with a message saying so when either is missing. No lab, no network: a local page in
 * Debian's Chromium.
 *
 * In one Chromium, the app's own recorder (renderer/src/recording/callRecording.ts, bundled by
 * esbuild) is fed the audio of a call as the SIP engine hands it over, a "remote" MediaStream (the
 * caller, also played out as the app plays it) and a "local" track (the agent), made of espeak-ng
 * speech in two voices:
 *   conversation  --conversation s (default 90, at least 60): the two sides take turns, one
 *                 sentence each, with pauses of 0.5–1.5 s between them;
 *   continuous    --continuous s (default 30): both sides talk at once, sentence after sentence;
 * each played twice: without recording (the anchor) and recorded. For each it measures
 *   - the renderer's CPU: the renderer processes' CPU time (CDP SystemInfo.getProcessInfo, all
 *     threads: the page, Web Audio, the encoders) and the page's main thread (CDP
 *     Performance.getMetrics TaskDuration), as % of one core over the run; the recording's share is
 *     the difference from the anchor, and the ratio recorded/anchor is printed;
 *   - the file: its size as MB (10^6 bytes) an hour of audio; the separation of the channels while
 *     one side talks alone (the speaker's channel level minus the other's, each sentence's window,
 *     decoded by ffmpeg); the duration after the services' fix-up;
 *   - the services: the chunks the page sent are appended again, in order, through
 *     RecordingsService.append (decode, write, fsync, SQLite update) in this process, timed with
 *     process.cpuUsage(), as % of one core over the recording's length; then its end() (the
 *     fix-up: duration and cues), timed once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { build } from 'esbuild';
import { RecordingsService } from '../../main/services/recordings';
import { chromiumArgs, chromiumPath } from '../chromium';
import { measureAudio } from '../lab/audio';
import { log, positiveArg } from './args';
import { servePage } from './pageServer';
import { atCleanup, runBench } from './cleanup';
import { threadCpuMs, threadDelta } from './threads';
import type { PageResult, PageRun, Utterance } from './recording-page';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = positiveArg;
/** --profile FILE: the page's JavaScript CPU profile (.cpuprofile, 1 ms sampling) of the recorded conversation. */
const profileAt = process.argv.indexOf('--profile');
const profileFile = profileAt >= 0 ? path.resolve(process.argv[profileAt + 1] ?? 'recording.cpuprofile') : undefined;

function need(tool: string, args: string[], install: string) {
  const r = spawnSync(tool, args, { stdio: 'ignore' });
  if (r.error || r.status !== 0) {
    console.error(`[bench] ${tool} is needed and was not found: ${install}`);
    process.exit(2);
  }
}

const callerLines = [
  'Hello, I would like to talk to somebody about the invoice you sent us last week.',
  'The amount does not match the order, and we need it corrected before the end of the month.',
  'It is number four five seven two, dated the third of March.',
  'Twelve boxes of the blue folders, and two of the paper.',
  'Could you also send it to our accountant? Her address is on the order.',
  'Yes, that is right. Thank you very much for your help, goodbye.',
];
const agentLines = [
  'Good afternoon, Frontdesk, Anna speaking. How can I help you?',
  'Of course, let me find your order. Could you tell me the invoice number, please?',
  'Thank you, one moment. I see it: the order was for twelve boxes, the invoice says twenty.',
  'I am sorry about that. I will send you a corrected invoice today.',
  'Certainly, I have noted the address. Is there anything else I can do for you?',
  'You are welcome. Have a good day.',
];

function espeak(text: string, voice: string): Buffer {
  return execFileSync('espeak-ng', ['-v', voice, '-s', '150', '--stdout', text], { maxBuffer: 1 << 26 });
}
/** Seconds of an espeak-ng WAV (16-bit mono PCM). */
function wavSeconds(wav: Buffer): number {
  let at = 12;
  while (at + 8 <= wav.length && wav.toString('latin1', at, at + 4) !== 'data') at += 8 + wav.readUInt32LE(at + 4);
  return (wav.length - at - 8) / 2 / wav.readUInt32LE(24);
}

/** Turns: caller, agent, caller… one sentence each with a pause between (a fixed pattern: the same run every time). */
function conversation(seconds: number, length: { caller: number[]; agent: number[] }): Utterance[] {
  const pauses = [0.7, 0.5, 1.2, 0.8, 1.5, 0.6];
  const out: Utterance[] = [];
  let at = 0.5;
  for (let i = 0; ; i++) {
    const side = i % 2 === 0 ? 'agent' : 'caller';
    const speech = Math.floor(i / 2) % length[side].length;
    const len = length[side][speech]!;
    if (at + len > seconds) return out;
    out.push({ side, speech, at });
    at += len + pauses[i % pauses.length]!;
  }
}
function continuous(seconds: number, length: { caller: number[]; agent: number[] }): Utterance[] {
  const out: Utterance[] = [];
  for (const side of ['caller', 'agent'] as const) {
    let at = 0.2;
    for (let i = side === 'agent' ? 2 : 0; ; i++) {
      const speech = i % length[side].length;
      if (at >= seconds) break;
      out.push({ side, speech, at });
      at += length[side][speech]!;
    }
  }
  return out;
}

interface Cpu {
  renderer: number;
  mainThread: number;
  wall: number;
  /** The renderer's threads by name: % of one core over the run. */
  threads: Map<string, number>;
}

/** The threads whose CPU changed most with recording, as "name +x.xx (a.aa → b.bb)". */
function threadShares(without: Map<string, number>, recorded: Map<string, number>): string {
  const names = new Set([...without.keys(), ...recorded.keys()]);
  return [...names]
    .map((name) => ({ name, a: without.get(name) ?? 0, b: recorded.get(name) ?? 0 }))
    .filter((t) => Math.abs(t.b - t.a) >= 0.05 || t.b >= 0.5)
    .sort((x, y) => Math.abs(y.b - y.a) - Math.abs(x.b - x.a))
    .map((t) => `${t.name} ${t.b - t.a >= 0 ? '+' : ''}${(t.b - t.a).toFixed(2)} (${t.a.toFixed(2)} → ${t.b.toFixed(2)})`)
    .join(', ');
}

await runBench(async () => {
  need('espeak-ng', ['--version'], 'apt-get install espeak-ng (the benchmark speaks both sides of the call with it)');
  need('ffmpeg', ['-version'], 'apt-get install ffmpeg (the benchmark decodes the recording with it)');
  const conversationS = Math.max(60, arg('conversation', 90));
  const continuousS = arg('continuous', 30);

  const caller = callerLines.map((t) => espeak(t, 'en-us'));
  const agent = agentLines.map((t) => espeak(t, 'en-gb+f3'));
  const length = { caller: caller.map(wavSeconds), agent: agent.map(wavSeconds) };
  const programs = [
    { name: 'conversation', seconds: conversationS, program: conversation(conversationS, length) },
    { name: 'continuous', seconds: continuousS, program: continuous(continuousS, length) },
  ];

  const bundle = await build({ entryPoints: [path.join(root, 'scripts/bench/recording-page.ts')], bundle: true, format: 'iife', write: false, target: 'es2022', minify: true });
  const script = bundle.outputFiles[0]!.text;
  // The recorder's capture worklet, bundled on its own as Vite bundles it for the app.
  const worklet = await build({ entryPoints: [path.join(root, 'renderer/src/recording/captureWorklet.ts')], bundle: true, format: 'iife', write: false, target: 'es2022', minify: true });
  const origin = await servePage('recording bench', script, { '/capture.js': worklet.outputFiles[0]!.text });
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs({ fakeMedia: true }) });
  atCleanup('chromium', () => browser.close());
  const cdp = await browser.newBrowserCDPSession();
  const page = await browser.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  page.on('console', (m) => log(`page: ${m.text()}`));
  let received: { seq: number; data: string }[] = [];
  await page.exposeFunction('benchAppend', (seq: number, data: string) => {
    received.push({ seq, data });
  });
  await page.goto(`${origin}/`);
  const rate = await page.evaluate((s) => window.benchLoad(s), { caller: caller.map((b) => b.toString('base64')), agent: agent.map((b) => b.toString('base64')) });
  const pageCdp = await page.context().newCDPSession(page);
  await pageCdp.send('Performance.enable');

  const renderers = async () => {
    const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number; cpuTime: number }[] };
    return info.processInfo.filter((p) => p.type === 'renderer');
  };
  const rendererCpu = async () => (await renderers()).reduce((a, p) => a + p.cpuTime, 0);
  const rendererPids = async () => (await renderers()).map((p) => p.id);
  const taskDuration = async () => {
    const { metrics } = await pageCdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'TaskDuration')!.value;
  };
  /** `profileTo`: the page's JavaScript CPU profile of the run goes to that file. */
  const measure = async (run: PageRun, profileTo?: string): Promise<{ cpu: Cpu; result: PageResult }> => {
    if (profileTo) {
      await pageCdp.send('Profiler.enable');
      await pageCdp.send('Profiler.setSamplingInterval', { interval: 1000 });
      await pageCdp.send('Profiler.start');
    }
    const pids = await rendererPids();
    const [r0, t0, th0, w0] = [await rendererCpu(), await taskDuration(), threadCpuMs(pids), performance.now()];
    const result = await page.evaluate((r) => window.benchRun(r), run);
    const wall = (performance.now() - w0) / 1000;
    const [r1, t1, th1] = [await rendererCpu(), await taskDuration(), threadCpuMs(pids)];
    const threads = new Map([...threadDelta(th0, th1)].map(([name, ms]) => [name, ms / 10 / wall]));
    if (profileTo) {
      const { profile } = await pageCdp.send('Profiler.stop');
      fs.writeFileSync(profileTo, JSON.stringify(profile));
      log(`the page's CPU profile of the run is in ${profileTo} (the run's CPU figures include the profiler's)`);
    }
    return { cpu: { renderer: (100 * (r1 - r0)) / wall, mainThread: (100 * (t1 - t0)) / wall, wall, threads }, result };
  };

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontdesk-bench-recording-'));
  atCleanup('temp folder', async () => fs.rmSync(dir, { recursive: true, force: true }));
  const rows: string[] = [];
  for (const { name, seconds, program } of programs) {
    log(`${name}: ${program.length} sentences over ${seconds} s, without recording…`);
    const anchor = await measure({ record: false, seconds, program });
    log(`${name}: recorded…`);
    received = [];
    const recorded = await measure({ record: true, seconds, program }, name === 'conversation' ? profileFile : undefined);
    if (recorded.result.problems.length > 0) log(`problems: ${recorded.result.problems.join('; ')}`);
    const chunks = received.sort((a, b) => a.seq - b.seq);

    // The services: the same chunks through RecordingsService.append (fsync each), then end().
    const service = new RecordingsService(path.join(dir, `${name}.db`), () => path.join(dir, name));
    const rec = service.begin({ localUser: '1000', sipCallId: name, conversationId: name, direction: 'inbound', remoteNumber: '+74951234567', remoteName: null, segment: 'call', byPolicy: false, startedAt: new Date().toISOString() });
    const c0 = process.cpuUsage();
    const a0 = performance.now();
    for (const c of chunks) service.append({ id: rec.id, seq: c.seq, data: c.data });
    const appendWall = performance.now() - a0;
    const c1 = process.cpuUsage(c0);
    const rawFile = service.fileOf(rec.id)!;
    const rawBytes = fs.statSync(rawFile).size;
    const raw = path.join(dir, `${name}-raw.webm`);
    fs.copyFileSync(rawFile, raw);
    const e0 = process.cpuUsage();
    const ended = service.end({ id: rec.id, endedAt: new Date().toISOString(), marks: [] });
    const e1 = process.cpuUsage(e0);
    const file = service.fileOf(rec.id) ?? rawFile;
    service.close();
    const audioS = (ended.durationMs ?? 0) / 1000;

    // The file: ffmpeg decodes it, before the fix-up too; the channels while one side talks alone.
    const rawProbe = spawnSync('ffmpeg', ['-v', 'error', '-i', raw, '-f', 'null', '-'], { encoding: 'utf8' });
    const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '2', '-ar', '8000', '-'], { maxBuffer: 1 << 28 });
    const all = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
    const ch = [0, 1].map((c) => all.filter((_, i) => i % 2 === c));
    const separations: number[] = [];
    let talking = { caller: -Infinity, agent: -Infinity };
    const from = recorded.result.recordedFrom;
    if (name === 'conversation') {
      for (const u of program) {
        const a = Math.floor((u.at - from + 0.15) * 8000);
        const b = Math.floor((u.at - from + length[u.side][u.speech]! - 0.15) * 8000);
        if (a < 0 || b > ch[0]!.length || b <= a) continue;
        const [on, off] = u.side === 'caller' ? [ch[0]!, ch[1]!] : [ch[1]!, ch[0]!];
        separations.push(measureAudio(on.subarray(a, b), 8000).rmsDbfs - measureAudio(off.subarray(a, b), 8000).rmsDbfs);
      }
    } else {
      const a = Math.floor(1 * 8000);
      const b = Math.floor((seconds - from - 1) * 8000);
      talking = { caller: measureAudio(ch[0]!.subarray(a, b), 8000).rmsDbfs, agent: measureAudio(ch[1]!.subarray(a, b), 8000).rmsDbfs };
    }
    separations.sort((x, y) => x - y);

    const servicesCpuMs = (c1.user + c1.system) / 1000;
    const endCpuMs = (e1.user + e1.system) / 1000;
    rows.push(
      [
        `${name} (${seconds} s program, ${audioS.toFixed(1)} s recorded, AudioContext ${rate} Hz)`,
        `  file            ${(ended.sizeBytes / 1e6).toFixed(3)} MB → ${((ended.sizeBytes / audioS) * 3600 / 1e6).toFixed(2)} MB/h (${((rawBytes * 8) / audioS / 1000).toFixed(1)} kbit/s as streamed; ${chunks.length} chunks)`,
        name === 'conversation'
          ? `  separation      one side alone, ${separations.length} sentences: worst ${separations[0]?.toFixed(1)} dB, median ${separations[Math.floor(separations.length / 2)]?.toFixed(1)} dB`
          : `  both talking    caller (left) ${talking.caller.toFixed(1)} dBFS, agent (right) ${talking.agent.toFixed(1)} dBFS`,
        `  ffmpeg          ${rawProbe.status === 0 && !rawProbe.stderr.trim() ? 'decodes the streamed file (no fix-up) without a word' : `on the streamed file: ${rawProbe.stderr.trim().split('\n')[0]}`}; fixed up: ${audioS.toFixed(2)} s`,
        `  renderer CPU    without ${anchor.cpu.renderer.toFixed(2)} %, recorded ${recorded.cpu.renderer.toFixed(2)} % of a core → recording ${(recorded.cpu.renderer - anchor.cpu.renderer).toFixed(2)} % (×${(recorded.cpu.renderer / anchor.cpu.renderer).toFixed(2)})`,
        `  main thread     without ${anchor.cpu.mainThread.toFixed(2)} %, recorded ${recorded.cpu.mainThread.toFixed(2)} % → recording ${(recorded.cpu.mainThread - anchor.cpu.mainThread).toFixed(2)} % (×${(recorded.cpu.mainThread / anchor.cpu.mainThread).toFixed(2)})`,
        `  threads         the renderer's, recorded − without (% of one core): ${threadShares(anchor.cpu.threads, recorded.cpu.threads)}`,
        `  services CPU    appends ${servicesCpuMs.toFixed(1)} ms CPU (${appendWall.toFixed(0)} ms wall with fsync) → ${((100 * servicesCpuMs) / 1000 / audioS).toFixed(3)} % of a core; end (fix-up) ${endCpuMs.toFixed(0)} ms CPU once`,
      ].join('\n'),
    );
  }
  console.log('\nRecording benchmark: the app\'s recorder on a call made of espeak-ng speech (caller left, agent right)');
  console.log(rows.join('\n'));
  console.log(`\nenvironment: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${execFileSync(chromiumPath, ['--version'], { encoding: 'utf8' }).trim()}, node ${process.version}, temp ${dir}`);
});
