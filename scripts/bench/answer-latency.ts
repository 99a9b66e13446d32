/**
 * Answer latency benchmark: prints figures, asserts nothing.
 *
 *   npm run bench:answer -- [--calls 50] [--answer-calls 20] [--warmup 2] [--hold-ms 500] [--ring-ms 500] [--answer-hold-ms 3000]
 *   (= npm run build -- --quiet && tsx scripts/lab/cli.ts exec -- tsx scripts/bench/answer-latency.ts …)
 *
 * It must run inside the lab's network namespace (Chromium's WebRTC may only ever reach loopback),
 * which is what `cli.ts exec` does; FRONTDESK_LAB_NETNS / FRONTDESK_LAB_DIR pick the namespace and
 * the state dir. It
 *  1. starts the lab (Kamailio + rtpengine), unless it already runs from this state dir;
 *  2. opens four pages in one headless Chromium (the same flags for all): two Frontdesk browser
 *     hosts, 1000 with auto-answer on and 1001 with it off, and two bare JsSIP pages
 *     (bare-jssip-page.ts, bundled by esbuild from the project's own jssip, nothing of
 *     Frontdesk's), 1003 answering on `newRTCSession` and 1004 on a click of its "Answer"
 *     button; every page gets the same probe (answer-probe-page.ts) before its own code; waits
 *     for "Registered as …" on each;
 *  3. starts baresip registered as 1002 with auto-answer (falls back to the lab's SIPp desk phone
 *     when baresip cannot register, and says so);
 *  4. places --calls calls to each of 1000, 1003 and 1002, call by call in turn, one at a time,
 *     from a SIPp outside caller (scripts/bench/answer-uac.xml) that hangs up --hold-ms after the
 *     200 OK, and takes INVITE sent → 180 received and 180 → 200 received from SIPp's message
 *     trace (microsecond time stamps written by SIPp as it sends / reads each message);
 *  5. places --answer-calls calls to each of 1001 and 1004, in turn, clicks the "Answer" button
 *     with Playwright and measures from the click (stamped by the probe's capturing listener,
 *     mapped onto this process's clock by a round-trip calibration just before each click) to
 *     audio both ways: the first RTP packet the caller receives (the caller's SDP points at a
 *     UDP socket of this process, stamped on arrival; it answers each packet with one of its
 *     own) and the page's getStats first showing inbound audio packets (the probe polls it);
 *  6. prints the figures, the ratios Frontdesk / bare JsSIP and the environment, stops
 *     everything it started and exits 0.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../chromium';
import { writeLabProvisioning } from '../provision';
import { registerAsPhone } from '../lab/caller';
import { carrierDomain, labAccount, labDomain, labHost, labSipPort, labStateDir, labWsUrl } from '../lab/config';
import { clearRegistrations, startLab, stopLab, waitForRegistration } from '../lab/lab';
import { canUseNamespace, inLabNet, insideNamespace, labNetnsName } from '../lab/netns';
import { readSippTrace, runName, sippBinary, startSipp, type SipTraceMessage } from '../lab/sipp';
import { atCleanup, runBench } from './cleanup';
import { servePage } from './pageServer';
import { ms, summarize, type Summary } from './stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scenario = path.join(path.dirname(fileURLToPath(import.meta.url)), 'answer-uac.xml');

// ---------------------------------------------------------------- options

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let raw: string | undefined;
    if (a === `--${name}`) raw = args[i + 1];
    else if (a.startsWith(`--${name}=`)) raw = a.slice(name.length + 3);
    else continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
      console.error(`--${name}: not a number: ${raw}`);
      process.exit(2);
    }
    return Math.round(n);
  }
  return fallback;
}

const callsPerTarget = option('calls', 50);
const answerCalls = option('answer-calls', 20);
const warmup = option('warmup', 2);
const holdMs = option('hold-ms', 500);
/** How long the call rings before the benchmark clicks Answer. */
const ringBeforeClickMs = option('ring-ms', 500);
/** How long a click-answered call stays up (the first RTP packet must arrive within it). */
const answerHoldMs = option('answer-hold-ms', 3000);


const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** This process's clock, ms since the epoch with sub-ms resolution (monotonic since start-up). */
const nodeNow = () => performance.timeOrigin + performance.now();
const log = (msg: string) => console.log(`[bench] ${msg}`);

// ---------------------------------------------------------------- processes

async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(graceMs)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
  }
}

interface FrontdeskHost {
  user: string;
  url: string;
  child: ChildProcess;
  dir: string;
}

/** A browser host (the real services) for one extension, like tests/e2e/support/frontdesk.ts. */
async function startFrontdeskHost(user: string, autoAnswer: boolean, baseDir: string): Promise<FrontdeskHost> {
  const dir = path.join(baseDir, `frontdesk-${user}`);
  fs.mkdirSync(dir, { recursive: true });
  const provisioningFile = writeLabProvisioning(user, path.join(dir, 'provisioning.json'), {
    settings: { autoAnswer, defaultRegion: 'RU' },
  });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'main/host/cli.ts')], {
    cwd: root,
    env: { ...process.env, FRONTDESK_PROVISIONING: provisioningFile, FRONTDESK_DATA_DIR: path.join(dir, 'data'), FRONTDESK_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  atCleanup(`Frontdesk host ${user}`, () => stopChild(child));
  const logFile = fs.createWriteStream(path.join(dir, 'host.log'));
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
    logFile.write(d);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Frontdesk host ${user} did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /Frontdesk is serving at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Frontdesk host ${user} exited with ${code}:\n${out}`));
    });
  });
  return { user, url, child, dir };
}

interface Agent {
  user: string;
  page: Page;
  context: BrowserContext;
}

/** A page that registers as `user`: a Frontdesk host, or the bare JsSIP page. */
interface PageSite {
  user: string;
  url: string;
}

async function openAgent(browser: Browser, pageScripts: PageScripts, site: PageSite): Promise<Agent> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[bench] page ${site.user}: ${e.message}`));
  await page.addInitScript({ content: pageScripts.probe });
  await page.goto(site.url);
  atCleanup(`page ${site.user}`, async () => {
    // Leaving the page unregisters (pagehide), so the lab forks no later call to a dead contact.
    await page.goto('about:blank').catch(() => undefined);
    await context.close().catch(() => undefined);
  });
  await page
    .getByRole('status', { name: 'Registration' })
    .filter({ hasText: `Registered as ${site.user}` })
    .waitFor({ timeout: 30_000 });
  return { user: site.user, page, context };
}

/** The page-side scripts, bundled by esbuild: the probe every measured page gets, and the bare JsSIP page. */
interface PageScripts {
  probe: string;
  /** The project's own jssip's version. */
  jssipVersion: string;
  bareSite(user: string, autoAnswer: boolean): PageSite;
}

async function bundlePageScripts(): Promise<PageScripts> {
  const bundle = async (file: string) =>
    (await build({ entryPoints: [path.join(root, 'scripts/bench', file)], bundle: true, format: 'iife', write: false, target: 'es2022', minify: true })).outputFiles[0]!.text;
  const bareOrigin = await servePage('bare JsSIP', await bundle('bare-jssip-page.ts'));
  return {
    probe: await bundle('answer-probe-page.ts'),
    jssipVersion: (JSON.parse(fs.readFileSync(path.join(root, 'node_modules/jssip/package.json'), 'utf8')) as { version: string }).version,
    bareSite: (user, autoAnswer) => {
      const query = new URLSearchParams({ user, password: labAccount(user).password, domain: labDomain, ws: labWsUrl, auto: autoAnswer ? '1' : '0' });
      return { user, url: `${bareOrigin}/?${query}` };
    },
  };
}

/** Waits until the page shows no call that is not over. */
async function waitIdle(agent: Agent, timeoutMs = 10_000): Promise<void> {
  await agent.page
    .waitForFunction(() => !document.querySelector('article[data-phase]:not([data-phase="ended"])'), null, { timeout: timeoutMs })
    .catch(() => log(`${agent.user}: a call still shows as live after ${timeoutMs} ms`));
}

// ---------------------------------------------------------------- baresip

interface Callee {
  user: string;
  label: string;
  note?: string;
  /** What it took to make it work in the namespace. */
  setup?: string[];
  stop(): Promise<void>;
}

const baresipNeeds = [
  'net_interface 127.0.0.1 (with "lo" baresip 1.0 finds no address: "net: lo: could not get IPv4 address")',
  'sip_listen 127.0.0.1:5092',
  'audio_source/audio_player aubridge (no null audio device in Debian\'s 1.0; aufile cannot play; ausine needs 48 kHz)',
  'no stdio module (stdin is not a terminal)',
];

async function startBaresip(user: string, baseDir: string): Promise<Callee> {
  const dir = path.join(baseDir, `baresip-${user}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'accounts'),
    `<sip:${user}@${labDomain};transport=udp>;auth_pass=lab-${user}-secret;outbound="sip:${labHost}:${labSipPort};transport=udp";answermode=auto;regint=600\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${labHost}:5092`,
      // Inside a loopback-only namespace there is no default route: name the address itself.
      `net_interface ${labHost}`,
      // Headless: the audio bridge plays the received audio back into the source (no device).
      'audio_source aubridge,bench',
      'audio_player aubridge,bench',
      'audio_alert aubridge,bench-alert',
      // Some calls stay open on baresip's side after SIPp has gone ("session closed: Connection
      // reset by peer", no BYE): with its default limit of 4 it then refused the rest, "486 Max Calls".
      'call_max_calls 64',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aubridge.so',
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  const logPath = path.join(dir, 'baresip.log');
  const out = fs.openSync(logPath, 'w');
  const argv = inLabNet(['baresip', '-f', dir]);
  const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const stop = async () => {
    await stopChild(child);
    await clearRegistrations(user).catch(() => undefined);
  };
  atCleanup(`baresip ${user}`, stop);
  try {
    await Promise.race([
      waitForRegistration(user, { timeoutMs: 10_000 }),
      new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`baresip exited (${code})`)))),
    ]);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}; log ${logPath}:\n${fs.readFileSync(logPath, 'utf8').slice(-1500)}`);
  }
  const version = /baresip v(\S+)/.exec(fs.readFileSync(logPath, 'utf8'))?.[1] ?? '?';
  return { user, label: `baresip ${version} (${user})`, setup: baresipNeeds, stop };
}

/** The fallback callee: the lab's SIPp desk phone (180, then 200 at once). */
async function startSippPhone(user: string, reason: string): Promise<Callee> {
  const phone = await registerAsPhone({ user, port: 5092, ringMs: 0 });
  atCleanup(`SIPp phone ${user}`, () => phone.stop());
  return { user, label: `SIPp desk phone (${user})`, note: `FALLBACK: baresip could not register/answer (${reason}); measured the lab's SIPp desk phone instead`, stop: () => phone.stop() };
}

// ---------------------------------------------------------------- the caller's RTP receiver

interface RtpReceiver {
  port: number;
  /** Time (nodeNow) of the first RTP packet, if one came. */
  first(): number | undefined;
  /** Its RTP payload type. */
  firstPayloadType(): number | undefined;
  packets(): number;
  waitFirst(timeoutMs: number): Promise<number | undefined>;
  close(): void;
}

function bindUdp(socket: dgram.Socket, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, labHost, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** The caller's RTP packet number `seq`: PCMA (payload type 8), 20 ms of silence. */
function callerPacket(seq: number, ssrc: number): Buffer {
  const packet = Buffer.alloc(12 + 160, 0xd5);
  packet[0] = 0x80;
  packet[1] = seq === 0 ? 0x80 | 8 : 8;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE((seq * 160) >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
  return packet;
}

/** A UDP port pair on 127.0.0.1 (RTP, RTCP) away from rtpengine's 30000-30999 and SIPp's 10000-19999. */
async function openRtpReceiver(): Promise<RtpReceiver> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 50_000 + 2 * Math.floor(Math.random() * 4_000);
    const rtp = dgram.createSocket('udp4');
    const rtcp = dgram.createSocket('udp4');
    try {
      await bindUdp(rtp, port);
      await bindUdp(rtcp, port + 1);
    } catch {
      rtp.close();
      rtcp.close();
      continue;
    }
    let first: number | undefined;
    let firstPt: number | undefined;
    let count = 0;
    const waiters: Array<(t: number) => void> = [];
    const ssrc = Math.floor(Math.random() * 2 ** 32);
    rtp.on('message', (msg, from) => {
      const t = nodeNow();
      // RTP version 2, and not an RTCP packet type (200-204) sent to the RTP port
      if (msg.length < 12 || (msg[0]! & 0xc0) !== 0x80 || (msg[1]! >= 200 && msg[1]! <= 204)) return;
      // The caller talks back, a packet for each one it hears, to where they come from (rtpengine):
      // 20 ms of PCMA silence, so the callee's getStats can show audio coming in.
      rtp.send(callerPacket(count, ssrc), from.port, from.address);
      count++;
      if (first === undefined) {
        first = t;
        firstPt = msg[1]! & 0x7f;
        for (const w of waiters.splice(0)) w(t);
      }
    });
    rtp.on('error', () => undefined);
    rtcp.on('message', () => undefined);
    rtcp.on('error', () => undefined);
    return {
      port,
      first: () => first,
      firstPayloadType: () => firstPt,
      packets: () => count,
      waitFirst: (timeoutMs) =>
        first !== undefined
          ? Promise.resolve(first)
          : Promise.race([new Promise<number>((r) => waiters.push(r)), sleep(timeoutMs).then(() => undefined)]),
      close: () => {
        rtp.close();
        rtcp.close();
      },
    };
  }
  throw new Error('no free UDP port pair for the RTP receiver');
}

// ---------------------------------------------------------------- one timed call

interface CallTiming {
  to: string;
  callId: string;
  /** Final status of the INVITE (0: none). */
  code: number;
  inviteTo180?: number;
  inviteTo200?: number;
  /** Trace time of the 200 OK, ms since the epoch (SIPp's clock). */
  answeredAt?: number;
  messagesFile: string;
  sippExit: number | null;
}

/** "2026-11-23 11:43:56.942528" (SIPp's -trace_msg stamp, local time) → ms, with µs kept. */
function traceTimeMs(stamp: string): number | undefined {
  const m = /(\d{4})-(\d{2})-(\d{2})\s+(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/.exec(stamp);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const whole = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
  return whole + Number((frac ?? '0').padEnd(6, '0')) / 1000;
}

function timingsFrom(messages: SipTraceMessage[]): Pick<CallTiming, 'code' | 'inviteTo180' | 'inviteTo200' | 'answeredAt'> {
  const invite = messages.find((m) => m.direction === 'sent' && m.method === 'INVITE');
  const inviteResponse = (pred: (status: number) => boolean) =>
    messages.find((m) => m.direction === 'received' && m.status !== undefined && m.cseq.method === 'INVITE' && pred(m.status));
  const ringing = inviteResponse((s) => s === 180);
  const final = inviteResponse((s) => s >= 200);
  const t0 = invite ? traceTimeMs(invite.time) : undefined;
  const at = (m: SipTraceMessage | undefined) => (m ? traceTimeMs(m.time) : undefined);
  const r: ReturnType<typeof timingsFrom> = { code: final?.status ?? 0 };
  const t180 = at(ringing);
  const tFinal = at(final);
  if (t0 !== undefined && t180 !== undefined) r.inviteTo180 = t180 - t0;
  if (t0 !== undefined && tFinal !== undefined && final?.status === 200) {
    r.inviteTo200 = tFinal - t0;
    r.answeredAt = tFinal;
  }
  return r;
}

let callSeq = 0;

/** One call from an outside caller to `to`; the caller hangs up `hold` ms after the 200 OK. */
function startTimedCall(to: string, hold: number, rtp: RtpReceiver): { callId: string; done: Promise<CallTiming> } {
  const callId = `fdbench-${process.pid}-${++callSeq}-${Date.now().toString(36)}@${labHost}`;
  const name = runName(`bench-${to}`);
  const launch = (port: number) =>
    startSipp({
      scenario,
      name,
      remote: `${labHost}:${labSipPort}`,
      localPort: port,
      timeoutS: 60,
      keys: {
        domain: labDomain,
        from_hdr: `"Bench caller" <sip:+74951234567@${carrierDomain}>`,
        from_user: '+74951234567',
        rtp_port: rtp.port,
        hold_ms: hold,
      },
      args: ['-m', '1', '-l', '1', '-s', to, '-cid_str', callId],
    });
  const done = (async (): Promise<CallTiming> => {
    for (let attempt = 1; ; attempt++) {
      const run = launch(20_000 + Math.floor(Math.random() * 9_000));
      const { code } = await run.exited;
      const messages = readSippTrace(run.messagesFile);
      const out = fs.existsSync(run.outputFile) ? fs.readFileSync(run.outputFile, 'utf8') : '';
      // the random SIP port was taken: nothing was sent, try another one
      if (code !== 0 && messages.length === 0 && attempt < 4 && /bind|Address already in use/i.test(out)) continue;
      return { to, callId, ...timingsFrom(messages), messagesFile: run.messagesFile, sippExit: code };
    }
  })();
  return { callId, done };
}

// ---------------------------------------------------------------- one call answered by a click

interface ClickSample {
  /** Click → the caller's first RTP packet (this process's socket). */
  rtp?: number;
  /** Click → the page's getStats first showing inbound audio packets. */
  inbound?: number;
  /** Click → an audio receiver of the page first naming a synchronization source (not cached, unlike getStats). */
  plays?: number;
  /** Click → the 200 OK received by the caller (SIPp's trace clock against this process's). */
  ok?: number;
  /** The page-clock mapping's error bound (half the best round trip). */
  clockError?: number;
  pt?: number;
  failure?: string;
}

/** Audio both ways: the later of the caller's first packet and the page's first inbound one. */
const bothWays = (s: ClickSample) => (s.rtp !== undefined && s.inbound !== undefined ? Math.max(s.rtp, s.inbound) : undefined);
/** The same with the page's side read from its receivers' synchronization sources. */
const bothWaysPlayed = (s: ClickSample) => (s.rtp !== undefined && s.plays !== undefined ? Math.max(s.rtp, s.plays) : undefined);

/**
 * One call to `agent`'s page, answered by clicking its "Answer" button after --ring-ms of ringing;
 * the click and the first inbound audio are stamped in the page (answer-probe-page.ts) and mapped
 * onto this process's clock by the evaluate with the shortest round trip of five, just before.
 */
async function clickAnswerCall(agent: Agent): Promise<ClickSample> {
  const rtp = await openRtpReceiver();
  const call = startTimedCall(agent.user, answerHoldMs, rtp);
  const sample: ClickSample = {};
  let clickedAt: number | undefined;
  try {
    const answer = agent.page.getByRole('button', { name: 'Answer', exact: true });
    await answer.waitFor({ state: 'visible', timeout: 15_000 });
    await sleep(ringBeforeClickMs);
    let offset = 0;
    let bestRtt = Infinity;
    for (let k = 0; k < 5; k++) {
      const n0 = nodeNow();
      const p = await agent.page.evaluate(() => {
        window.__answerProbe.clicks = [];
        window.__answerProbe.inbound = [];
        window.__answerProbe.plays = [];
        return performance.timeOrigin + performance.now();
      });
      const n1 = nodeNow();
      if (n1 - n0 < bestRtt) {
        bestRtt = n1 - n0;
        offset = p - (n0 + n1) / 2;
      }
    }
    sample.clockError = bestRtt / 2;
    await answer.click({ timeout: 5_000 });
    const clickedInPage = await agent.page.evaluate(() => window.__answerProbe.clicks[0]);
    if (clickedInPage === undefined) throw new Error('the click listener saw no click on "Answer"');
    clickedAt = clickedInPage - offset;
    const first = await rtp.waitFirst(answerHoldMs);
    if (first === undefined) throw new Error(`no RTP packet at the caller within ${answerHoldMs} ms of the click`);
    sample.rtp = first - clickedAt;
    const inbound = await agent.page
      .waitForFunction(() => window.__answerProbe.inbound[0], null, { timeout: answerHoldMs, polling: 50 })
      .then((h) => h.jsonValue())
      .catch(() => undefined);
    if (inbound === undefined) throw new Error(`getStats showed no inbound audio within ${answerHoldMs} ms of the caller's first packet`);
    sample.inbound = inbound - offset - clickedAt;
    const plays = await agent.page.evaluate(() => window.__answerProbe.plays[0]);
    if (plays !== undefined) sample.plays = plays - offset - clickedAt;
  } catch (e) {
    sample.failure = `call ${call.callId}: ${(e as Error).message.split('\n')[0]}`;
  }
  const timing = await call.done;
  sample.pt = rtp.firstPayloadType();
  rtp.close();
  await waitIdle(agent);
  if (clickedAt !== undefined && timing.answeredAt !== undefined) sample.ok = timing.answeredAt - clickedAt;
  if (timing.code !== 200) sample.failure ??= `call ${timing.callId} got ${timing.code || 'no final answer'} (${timing.messagesFile})`;
  return sample;
}

// ---------------------------------------------------------------- figures

const fmt = (s: Summary | undefined) => (s ? `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.max)}` : 'n/a');
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
const times = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(2)}×`);

function versionOf(argv: string[], pattern: RegExp): string {
  try {
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 5000 });
    return pattern.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (canUseNamespace() && !insideNamespace()) {
    console.error(
      `Run the benchmark inside the lab's namespace (${labNetnsName()}): npm run bench:answer, or\n` +
        '  npx tsx scripts/lab/cli.ts exec -- npx tsx scripts/bench/answer-latency.ts',
    );
    process.exit(2);
  }
  const startedAt = new Date();
  const stateDir = labStateDir();
  const benchDir = path.join(stateDir, 'bench', runName('answer-latency'));
  fs.mkdirSync(benchDir, { recursive: true });
  const loadBefore = os.loadavg();

  // 1. the lab
  const lab = await startLab({ log: (m) => log(m) });
  if (!lab.alreadyRunning) atCleanup('lab', () => stopLab({ log: (m) => log(m) }));
  // Registrations left by an earlier run would be forked to as well.
  else await clearRegistrations().catch(() => undefined);
  log(`lab: ${lab.netDescription}, state ${lab.stateDir}`);

  // 2. two Frontdesks and two bare JsSIP pages in one headless Chromium
  const [host1000, host1001, scripts] = await Promise.all([startFrontdeskHost('1000', true, benchDir), startFrontdeskHost('1001', false, benchDir), bundlePageScripts()]);
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs({ fakeMedia: true }) });
  atCleanup('Chromium', () => browser.close());
  const open = (site: PageSite) => openAgent(browser, scripts, site);
  const [auto, manual, bareAuto, bareManual] = await Promise.all([open(host1000), open(host1001), open(scripts.bareSite('1003', true)), open(scripts.bareSite('1004', false))]);
  const bare = `bare JsSIP ${scripts.jssipVersion}`;
  log(`registered: Frontdesk 1000 (auto-answer on) and 1001 (off); ${bare} 1003 (auto-answer) and 1004 (click)`);

  // 3. baresip (or the fallback)
  let other: Callee;
  try {
    other = await startBaresip('1002', benchDir);
    log(`${other.label}: registered, auto-answer`);
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0]!;
    log(`baresip failed: ${(e as Error).message}`);
    other = await startSippPhone('1002', reason);
    log(other.note!);
  }

  // 4. INVITE → 180 / 200, call by call in turn to each target, one call at a time
  const targets = [
    { key: 'frontdesk', to: '1000', label: 'Frontdesk (1000)', agent: auto as Agent | undefined },
    { key: 'bare', to: '1003', label: `${bare} (1003)`, agent: bareAuto as Agent | undefined },
    { key: 'other', to: other.user, label: other.label, agent: undefined as Agent | undefined },
  ];
  const results = new Map<string, { timings: CallTiming[]; rtpAfter200: Array<number | undefined> }>(
    targets.map((t) => [t.key, { timings: [], rtpAfter200: [] }]),
  );
  const failures: string[] = [];
  const payloadTypes = new Map<string, number>();
  const notePt = (who: string, pt: number | undefined) => {
    if (pt === undefined) return;
    const k = `${who}: PT ${pt}`;
    payloadTypes.set(k, (payloadTypes.get(k) ?? 0) + 1);
  };
  const total = warmup + callsPerTarget;
  log(`placing ${total} calls to each (${warmup} warm-up, not counted), caller hangs up ${holdMs} ms after the 200 OK`);
  for (let i = 0; i < total; i++) {
    for (const t of targets) {
      const rtp = await openRtpReceiver();
      const call = startTimedCall(t.to, holdMs, rtp);
      const timing = await call.done;
      const first = rtp.first();
      if (i >= warmup) notePt(t.label, rtp.firstPayloadType());
      rtp.close();
      if (t.agent) await waitIdle(t.agent);
      else await sleep(50);
      if (i < warmup) continue;
      const r = results.get(t.key)!;
      r.timings.push(timing);
      // SIPp's clock (trace) against this process's clock: both are the system's real-time clock.
      r.rtpAfter200.push(first !== undefined && timing.answeredAt !== undefined ? first - timing.answeredAt : undefined);
      if (timing.code !== 200) failures.push(`${t.label}: call ${timing.callId} got ${timing.code || 'no final answer'} (SIPp exit ${timing.sippExit}; ${timing.messagesFile})`);
    }
    if ((i + 1) % 10 === 0 || i + 1 === total) log(`  ${i + 1}/${total}`);
  }

  // 5. Answer click → audio both ways, call by call in turn to Frontdesk and the bare page
  const clickTargets = [
    { label: 'Frontdesk (1001)', agent: manual },
    { label: `${bare} (1004)`, agent: bareManual },
  ];
  const clicks = new Map<string, ClickSample[]>(clickTargets.map((t) => [t.label, []]));
  log(`${answerCalls} calls to each of 1001 and 1004 in turn, answered by clicking "Answer" after ${ringBeforeClickMs} ms of ringing`);
  for (let i = 0; i < warmup + answerCalls; i++) {
    for (const t of clickTargets) {
      const sample = await clickAnswerCall(t.agent);
      if (i < warmup) continue;
      notePt(`${t.label}, answered by click`, sample.pt);
      clicks.get(t.label)!.push(sample);
      if (sample.failure) failures.push(`${t.label}: ${sample.failure}`);
    }
    if ((i + 1) % 10 === 0 || i + 1 === warmup + answerCalls) log(`  ${i + 1}/${warmup + answerCalls}`);
  }

  // 6. figures
  const chromiumVersion = browser.version();
  const cpus = os.cpus();
  const loadAfter = os.loadavg();
  const env = [
    `cores: ${cpus.length} × ${cpus[0]?.model.trim() ?? '?'}`,
    `load average (1 min) before / after: ${loadBefore[0]!.toFixed(2)} / ${loadAfter[0]!.toFixed(2)}`,
    `kernel: ${os.type()} ${os.release()}; Node ${process.version}`,
    `Chromium ${chromiumVersion} (headless, ${chromiumPath}), the same browser and flags for Frontdesk and ${bare}`,
    `SIPp ${versionOf([sippBinary, '-v'], /SIPp (v[\d.]+)/)}; ${other.label}; ${versionOf(['kamailio', '-v'], /version: (kamailio [\d.]+)/)}; rtpengine ${versionOf(['rtpengine', '--version'], /Version: (\S+)/)}`,
    `lab: ${lab.netDescription}; state ${lab.stateDir}`,
  ];

  const rows = targets.map((t) => {
    const r = results.get(t.key)!;
    return {
      key: t.key,
      label: t.label,
      calls: r.timings.length,
      ok: r.timings.filter((x) => x.code === 200).length,
      ring: summarize(r.timings.map((x) => x.inviteTo180)),
      answer: summarize(r.timings.map((x) => x.inviteTo200)),
      ringToAnswer: summarize(r.timings.map((x) => (x.inviteTo200 !== undefined && x.inviteTo180 !== undefined ? x.inviteTo200 - x.inviteTo180 : undefined))),
      rtp: summarize(r.rtpAfter200),
    };
  });
  const clickRows = clickTargets.map((t) => {
    const samples = clicks.get(t.label)!;
    return {
      label: t.label,
      n: samples.length,
      rtp: summarize(samples.map((s) => s.rtp)),
      inbound: summarize(samples.map((s) => s.inbound)),
      both: summarize(samples.map(bothWays)),
      plays: summarize(samples.map((s) => s.plays)),
      bothPlayed: summarize(samples.map(bothWaysPlayed)),
      ok: summarize(samples.map((s) => s.ok)),
      clockError: Math.max(...samples.map((s) => s.clockError ?? 0)),
    };
  });
  const w = Math.max(...rows.map((r) => r.label.length), ...clickRows.map((r) => r.label.length), 16);

  console.log('');
  console.log(`Answer latency benchmark — ${startedAt.toISOString()}`);
  for (const line of env) console.log(`  ${line}`);
  if (other.note) console.log(`  ${other.note}`);
  if (other.setup) console.log(`  baresip in the loopback-only namespace needed: ${other.setup.join('; ')}`);
  console.log('');
  console.log(`Auto-answer: ${callsPerTarget} calls to each target, call by call in turn, one at a time (after ${warmup} warm-up calls each),`);
  console.log(`SIPp outside caller via Kamailio + rtpengine, BYE ${holdMs} ms after the 200 OK. Times in ms from SIPp's message trace.`);
  console.log('');
  const head = `${'target'.padEnd(w)}  calls  200 OK  INVITE→180 median / p95 / max  180→200 median / p95 / max     INVITE→200 median / p95 / max  200→caller's 1st RTP median / p95`;
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(w)}  ${String(r.calls).padStart(5)}  ${String(r.ok).padStart(6)}  ${fmt(r.ring).padEnd(30)}  ${fmt(r.ringToAnswer).padEnd(30)}  ${fmt(r.answer).padEnd(30)}  ${
        r.rtp ? `${ms(r.rtp.p50)} / ${ms(r.rtp.p95)} (n=${r.rtp.n})` : 'n/a'
      }`,
    );
  }
  console.log('');
  console.log(`Answer click → audio both ways: ${answerCalls} calls to each (after ${warmup} warm-up), call by call in turn, ${ringBeforeClickMs} ms of ringing before the click.`);
  console.log('Click stamped in the page; "caller" = the first RTP packet at the caller\'s socket (stamped on arrival); "page" = the page\'s');
  console.log('getStats (polled every 5 ms from the click) first showing inbound audio packets (the caller answers each packet it hears');
  console.log('with one of its own, so it starts talking when it first hears the callee); "both ways" = the later of the two. ms:');
  const clickHead = `${'target'.padEnd(w)}  click→caller median / p95 / max  click→page median / p95 / max    both ways median / p95 / max     click→200 median / p95`;
  console.log(clickHead);
  console.log('-'.repeat(clickHead.length));
  for (const r of clickRows) {
    console.log(
      `${r.label.padEnd(w)}  ${fmt(r.rtp).padEnd(31)}  ${fmt(r.inbound).padEnd(31)}  ${fmt(r.both).padEnd(31)}  ${r.ok ? `${ms(r.ok.p50)} / ${ms(r.ok.p95)}` : 'n/a'}  (n=${r.both?.n ?? 0}/${r.n}, clock mapping error ≤ ${ms(r.clockError)})`,
    );
  }
  console.log('');
  console.log('The page\'s side read without getStats\' 50 ms report cache: "plays" = an audio receiver first naming a synchronization');
  console.log('source (getSynchronizationSources, polled in the same 5 ms polls: the caller\'s RTP has reached the page\'s playout). ms:');
  const playsHead = `${'target'.padEnd(w)}  click→page plays median / p95 / max  both ways (plays) median / p95 / max`;
  console.log(playsHead);
  console.log('-'.repeat(playsHead.length));
  for (const r of clickRows) console.log(`${r.label.padEnd(w)}  ${fmt(r.plays).padEnd(35)}  ${fmt(r.bothPlayed)}  (n=${r.bothPlayed?.n ?? 0}/${r.n})`);

  const fd = rows.find((r) => r.key === 'frontdesk')!;
  const br = rows.find((r) => r.key === 'bare')!;
  const [fdClick, brClick] = clickRows as [(typeof clickRows)[0], (typeof clickRows)[0]];
  const ratios: Array<[string, Summary | undefined, Summary | undefined, number]> = [
    ['INVITE→180', fd.ring, br.ring, 1.0],
    ['180→200 (auto-answer)', fd.ringToAnswer, br.ringToAnswer, 1.0],
    ['click Answer→audio both ways', fdClick.both, brClick.both, 0.7],
    ['  of which click→caller hears', fdClick.rtp, brClick.rtp, 0.7],
    ['  both ways, page side uncached', fdClick.bothPlayed, brClick.bothPlayed, 0.7],
  ];
  console.log('');
  console.log(`Frontdesk / ${bare}, from the same run (issue 15's goals):`);
  console.log(`${'figure'.padEnd(30)}  median ratio  p95 ratio  goal (median)`);
  for (const [name, f, b, goal] of ratios) {
    const r = ratio(f?.p50, b?.p50);
    console.log(`${name.padEnd(30)}  ${times(r).padStart(12)}  ${times(ratio(f?.p95, b?.p95)).padStart(9)}  ≤ ${goal.toFixed(1)}×: ${r === undefined ? 'n/a' : r <= goal ? 'met' : 'not met'}`);
  }
  console.log('');
  console.log('Notes: p95 by linear interpolation between ranks. "200→caller\'s 1st RTP" and "click→200" compare SIPp\'s trace clock with');
  console.log("this process's clock (both the system real-time clock) and are given for context only.");
  console.log(`First packet at the caller, by payload type: ${[...payloadTypes].map(([k, n]) => `${k} ×${n}`).join('; ') || 'none'}.`);
  if (failures.length > 0) {
    console.log('');
    console.log(`Calls without a figure (${failures.length}):`);
    for (const f of failures.slice(0, 20)) console.log(`  ${f}`);
  }
  console.log('');
  log(`traces and logs: ${benchDir} and ${path.join(stateDir, 'sipp')}`);
}

await runBench(main);
