/**
 * The lab as a library (Playwright global setup, CLI): start/stop/status of
 * rtpengine + Kamailio, inside the loopback-only namespace when root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import {
  labAccounts,
  labDomain,
  labHost,
  labSipPort,
  labStateDir,
  labWsPort,
  labWsUrl,
  pstnGatewayPort,
  rtpengineNgPort,
  rtpPortMax,
  rtpPortMin,
  type LabAccount,
} from './config';
import { kamailioCommand, kamailioPaths, writeKamailioConfig } from './kamailio';
import { describeNetMode, ensureNamespace, inLabNet, labNetMode, namespaceExists, needsNamespaceHop, type LabNetMode } from './netns';
import { findProcesses, isAlive, procCmdline, procStat, readPidFile, removeFile, sleep, spawnDaemon, tailFile, terminate } from './proc';
import { kamailioRpc, sipOptionsPing, tcpConnect } from './probes';
import { ping as rtpenginePing, rtpengineCommand, rtpenginePaths } from './rtpengine';

export type DaemonName = 'kamailio' | 'rtpengine';

export interface LabOptions {
  /** State dir (configs, pid files, logs). Default: FRONTDESK_LAB_DIR or <repo>/.lab */
  stateDir?: string;
  /** Where the daemon logs go. Default: the state dir. */
  logDir?: string;
  /** Progress messages (default: console.log). Pass `() => {}` for silence. */
  log?: (msg: string) => void;
  /** Readiness timeout per daemon. */
  readyTimeoutMs?: number;
  /** Kamailio with its presence server (default), or without (SUBSCRIBE/PUBLISH get 489, as from a PBX without presence). */
  presence?: boolean;
}

export interface DaemonStatus {
  name: DaemonName;
  running: boolean;
  pid?: number;
  /** Answered its probe (rtpengine ng ping; Kamailio SIP OPTIONS + WebSocket port). Only set by labStatus({ probe: true }). */
  responding?: boolean;
  pidFile: string;
  logFile: string;
}

export interface LabInfo {
  stateDir: string;
  net: LabNetMode;
  netDescription: string;
  alreadyRunning: boolean;
  kamailio: DaemonStatus;
  rtpengine: DaemonStatus;
  domain: string;
  sip: string;
  wsUrl: string;
  rtpengineNg: string;
  rtpPorts: string;
  pstnGateway: string;
  accounts: readonly LabAccount[];
}

export class LabPortBusyError extends Error {
  constructor(
    message: string,
    readonly conflicts: PortConflict[],
  ) {
    super(message);
    this.name = 'LabPortBusyError';
  }
}

export interface PortConflict {
  proto: 'udp' | 'tcp';
  port: number;
  local: string;
  process?: string;
  pid?: number;
}

interface Ctx {
  stateDir: string;
  logDir: string;
  log: (msg: string) => void;
  readyTimeoutMs: number;
  presence?: boolean;
}

function ctxOf(opts: LabOptions = {}): Ctx {
  const stateDir = path.resolve(opts.stateDir ?? labStateDir());
  const logDir = path.resolve(opts.logDir ?? stateDir);
  fs.mkdirSync(stateDir, { recursive: true });
  fs.mkdirSync(logDir, { recursive: true });
  return { stateDir, logDir, log: opts.log ?? ((m) => console.log(m)), readyTimeoutMs: opts.readyTimeoutMs ?? 15_000, presence: opts.presence };
}

function paths(ctx: Ctx, name: DaemonName): { pid: string; log: string } {
  if (name === 'kamailio') return { pid: kamailioPaths(ctx.stateDir).pid, log: path.join(ctx.logDir, 'kamailio.log') };
  return { pid: rtpenginePaths(ctx.stateDir).pid, log: path.join(ctx.logDir, 'rtpengine.log') };
}

/** Marker that identifies a daemon of *this* state dir in its argv. */
function marker(ctx: Ctx, name: DaemonName): string {
  return name === 'kamailio' ? kamailioPaths(ctx.stateDir).cfg : rtpenginePaths(ctx.stateDir).pid;
}

/** The daemon's pid if it runs from this state dir (pid file first, then a /proc scan). */
function daemonPid(ctx: Ctx, name: DaemonName): number | undefined {
  const fromFile = readPidFile(paths(ctx, name).pid);
  if (fromFile !== undefined && isAlive(fromFile)) {
    const argv = procCmdline(fromFile) ?? [];
    if (argv.some((a) => a.includes(marker(ctx, name)))) return fromFile;
  }
  const found = findProcesses(name, marker(ctx, name));
  // Kamailio's children share the argv: the main process is the one whose parent is not a kamailio.
  return found.find((pid) => !found.includes(procStat(pid)?.ppid ?? -1));
}

function daemonStatus(ctx: Ctx, name: DaemonName): DaemonStatus {
  const p = paths(ctx, name);
  const pid = daemonPid(ctx, name);
  const s: DaemonStatus = { name, running: pid !== undefined, pidFile: p.pid, logFile: p.log };
  if (pid !== undefined) s.pid = pid;
  return s;
}

// ---------------------------------------------------------------- ports

const daemonPorts: Record<DaemonName, Array<{ proto: 'udp' | 'tcp'; port: number }>> = {
  kamailio: [
    { proto: 'udp', port: labSipPort },
    { proto: 'tcp', port: labSipPort },
    { proto: 'tcp', port: labWsPort },
  ],
  rtpengine: [{ proto: 'udp', port: rtpengineNgPort }],
};

function conflictsWith127(local: string): boolean {
  const host = local.slice(0, local.lastIndexOf(':'));
  return ['127.0.0.1', '0.0.0.0', '*', '[::]', '[::ffff:127.0.0.1]', '[::ffff:0.0.0.0]'].includes(host.replace(/%.*$/, ''));
}

/** Listening sockets on our ports, as `ss` in the lab network sees them; undefined if ss is unusable. */
function ssConflicts(wanted: Array<{ proto: 'udp' | 'tcp'; port: number }>): PortConflict[] | undefined {
  const argv = inLabNet(['ss', '-H', '-l', '-n', '-p', '-t', '-u']);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return undefined;
  const out: PortConflict[] = [];
  for (const line of r.stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    const proto = cols[0] as string;
    const local = cols[4] as string;
    const port = Number(local.slice(local.lastIndexOf(':') + 1));
    for (const w of wanted) {
      if (w.proto !== proto || w.port !== port || !conflictsWith127(local)) continue;
      const users = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
      const c: PortConflict = { proto: w.proto, port, local };
      if (users) {
        c.process = users[1]!;
        c.pid = Number(users[2]);
      }
      out.push(c);
    }
  }
  return out;
}

/** Fallback when `ss` is missing: try to bind each port here (only valid in the lab's own network). */
async function bindConflicts(wanted: Array<{ proto: 'udp' | 'tcp'; port: number }>): Promise<PortConflict[]> {
  const out: PortConflict[] = [];
  for (const w of wanted) {
    const free = await new Promise<boolean>((resolve) => {
      if (w.proto === 'tcp') {
        const srv = net.createServer();
        srv.once('error', () => resolve(false));
        srv.listen(w.port, labHost, () => srv.close(() => resolve(true)));
      } else {
        const s = dgram.createSocket('udp4');
        s.once('error', () => {
          s.close();
          resolve(false);
        });
        s.bind(w.port, labHost, () => s.close(() => resolve(true)));
      }
    });
    if (!free) out.push({ proto: w.proto, port: w.port, local: `${labHost}:${w.port}` });
  }
  return out;
}

async function checkPorts(names: DaemonName[]): Promise<void> {
  const wanted = names.flatMap((n) => daemonPorts[n]);
  if (wanted.length === 0) return;
  let conflicts = ssConflicts(wanted);
  if (conflicts === undefined) conflicts = needsNamespaceHop() ? [] : await bindConflicts(wanted);
  if (conflicts.length === 0) return;
  const lines = conflicts.map(
    (c) => `  ${c.proto} port ${c.port} (${c.local}) is taken by ${c.process ? `${c.process} (pid ${c.pid})` : 'another process'}`,
  );
  throw new LabPortBusyError(
    `Cannot start the lab (${describeNetMode()}):\n${lines.join('\n')}\nStop that process, or run \`tsx scripts/lab/cli.ts stop\` if it is an old lab.`,
    conflicts,
  );
}

// ---------------------------------------------------------------- lock

async function withLock<T>(ctx: Ctx, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(ctx.stateDir, 'lab.lock');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch {
      const holder = readPidFile(lock);
      if (holder === undefined || !isAlive(holder)) {
        removeFile(lock);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Lab state dir ${ctx.stateDir} is locked by pid ${holder}`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    removeFile(lock);
  }
}

// ---------------------------------------------------------------- start / stop

async function waitReady(ctx: Ctx, name: DaemonName, pid: number): Promise<void> {
  const deadline = Date.now() + ctx.readyTimeoutMs;
  const logFile = paths(ctx, name).log;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      throw new Error(`${name} exited during start-up. Last log lines (${logFile}):\n${tailFile(logFile, 25)}`);
    }
    if (name === 'rtpengine') {
      if (await rtpenginePing({ timeoutMs: 300, retries: 0 })) return;
    } else {
      const code = await sipOptionsPing({ timeoutMs: 500 });
      if (code === 200 && (await tcpConnect({ port: labWsPort, timeoutMs: 500 }))) return;
    }
    await sleep(200);
  }
  throw new Error(`${name} (pid ${pid}) did not become ready within ${ctx.readyTimeoutMs} ms. Last log lines (${logFile}):\n${tailFile(logFile, 25)}`);
}

async function startDaemon(ctx: Ctx, name: DaemonName): Promise<number> {
  const p = paths(ctx, name);
  removeFile(p.pid);
  let argv: string[];
  if (name === 'kamailio') {
    writeKamailioConfig(ctx.stateDir, ctx.presence === undefined ? {} : { presence: ctx.presence });
    argv = kamailioCommand({ stateDir: ctx.stateDir });
  } else {
    argv = rtpengineCommand({ stateDir: ctx.stateDir });
  }
  const pid = spawnDaemon(inLabNet(argv), p.log, ctx.stateDir);
  try {
    await waitReady(ctx, name, pid);
  } catch (e) {
    await terminate([pid], 2000, 2000);
    removeFile(p.pid);
    throw e;
  }
  ctx.log(`${name} started (pid ${pid}), log: ${p.log}`);
  return pid;
}

async function stopDaemon(ctx: Ctx, name: DaemonName): Promise<boolean> {
  const p = paths(ctx, name);
  const pids = new Set<number>(findProcesses(name, marker(ctx, name)));
  const main = daemonPid(ctx, name);
  if (main !== undefined) pids.add(main);
  if (pids.size === 0) {
    removeFile(p.pid);
    return false;
  }
  const left = await terminate([...pids], 5000, 3000);
  removeFile(p.pid);
  if (left.length > 0) throw new Error(`${name}: processes ${left.join(', ')} survived SIGKILL`);
  ctx.log(`${name} stopped`);
  return true;
}

function prepareNet(ctx: Ctx): LabNetMode {
  const m = labNetMode();
  if (m.mode === 'namespace' && !m.inside) ensureNamespace(m.name);
  if (m.mode === 'host') ctx.log(`NOTE: running the lab on the host loopback (${m.reason}); as root it would run in its own network namespace.`);
  return m;
}

function info(ctx: Ctx, net: LabNetMode, alreadyRunning: boolean): LabInfo {
  return {
    stateDir: ctx.stateDir,
    net,
    netDescription: describeNetMode(net),
    alreadyRunning,
    kamailio: daemonStatus(ctx, 'kamailio'),
    rtpengine: daemonStatus(ctx, 'rtpengine'),
    domain: labDomain,
    sip: `sip:${labHost}:${labSipPort} (udp, tcp)`,
    wsUrl: labWsUrl,
    rtpengineNg: `${labHost}:${rtpengineNgPort}`,
    rtpPorts: `${rtpPortMin}-${rtpPortMax}`,
    pstnGateway: `${labHost}:${pstnGatewayPort} (udp)`,
    accounts: labAccounts,
  };
}

/** Drop SIPp run directories (traces) older than a day so the state dir does not grow forever. */
function pruneSippRuns(ctx: Ctx, maxAgeMs = 24 * 3600_000): void {
  const dir = path.join(ctx.stateDir, 'sipp');
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  const cutoff = Date.now() - maxAgeMs;
  for (const e of entries) {
    const p = path.join(dir, e);
    try {
      if (fs.statSync(p).mtimeMs < cutoff) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      /* raced with another cleanup */
    }
  }
}

/**
 * Start rtpengine then Kamailio (whichever is not already running from this
 * state dir) and wait until both answer. Refuses with LabPortBusyError when a
 * port is taken by something else.
 */
export async function startLab(opts: LabOptions = {}): Promise<LabInfo> {
  const ctx = ctxOf(opts);
  const net = prepareNet(ctx);
  return withLock(ctx, async () => {
    const toStart = (['rtpengine', 'kamailio'] as DaemonName[]).filter((n) => daemonPid(ctx, n) === undefined);
    if (toStart.length === 0) {
      ctx.log(`The lab is already running from ${ctx.stateDir} (${describeNetMode(net)}).`);
      return info(ctx, net, true);
    }
    await checkPorts(toStart);
    if (toStart.length === 2) pruneSippRuns(ctx);
    for (const name of toStart) await startDaemon(ctx, name);
    fs.writeFileSync(path.join(ctx.stateDir, 'lab.json'), `${JSON.stringify({ startedAt: new Date().toISOString(), net }, null, 2)}\n`);
    return info(ctx, net, false);
  });
}

/** Stop Kamailio and rtpengine (SIGTERM, SIGKILL after 5 s) and any SIPp the lab started; removes pid files. */
export async function stopLab(opts: LabOptions = {}): Promise<{ stopped: DaemonName[] }> {
  const ctx = ctxOf(opts);
  return withLock(ctx, async () => {
    const stopped: DaemonName[] = [];
    if (await stopDaemon(ctx, 'kamailio')) stopped.push('kamailio');
    if (await stopDaemon(ctx, 'rtpengine')) stopped.push('rtpengine');
    const sipps = findProcesses('sipp', ctx.stateDir);
    if (sipps.length > 0) {
      await terminate(sipps, 2000, 2000);
      ctx.log(`stopped ${sipps.length} SIPp process(es) left by the lab`);
    }
    if (stopped.length === 0) ctx.log(`The lab was not running (${ctx.stateDir}).`);
    return { stopped };
  });
}

/** Stop only Kamailio (registrations are forgotten: usrloc is in memory). */
export async function stopKamailio(opts: LabOptions = {}): Promise<boolean> {
  const ctx = ctxOf(opts);
  return withLock(ctx, () => stopDaemon(ctx, 'kamailio'));
}

/** Start only Kamailio (rtpengine must be running; use startLab otherwise). */
export async function startKamailio(opts: LabOptions = {}): Promise<DaemonStatus> {
  const ctx = ctxOf(opts);
  prepareNet(ctx);
  return withLock(ctx, async () => {
    if (daemonPid(ctx, 'kamailio') === undefined) {
      await checkPorts(['kamailio']);
      await startDaemon(ctx, 'kamailio');
    }
    return daemonStatus(ctx, 'kamailio');
  });
}

export async function restartKamailio(opts: LabOptions = {}): Promise<DaemonStatus> {
  await stopKamailio(opts);
  return startKamailio(opts);
}

export interface LabStatus {
  stateDir: string;
  net: LabNetMode;
  netDescription: string;
  namespaceExists: boolean;
  running: boolean;
  kamailio: DaemonStatus;
  rtpengine: DaemonStatus;
}

/** Which daemons run from this state dir; with `probe` also whether they answer. */
export async function labStatus(opts: LabOptions & { probe?: boolean } = {}): Promise<LabStatus> {
  const ctx = ctxOf(opts);
  const net = labNetMode();
  const kamailio = daemonStatus(ctx, 'kamailio');
  const rtpengine = daemonStatus(ctx, 'rtpengine');
  if (opts.probe !== false) {
    if (rtpengine.running) rtpengine.responding = await rtpenginePing({ timeoutMs: 500, retries: 1 });
    if (kamailio.running) {
      kamailio.responding = (await sipOptionsPing({ timeoutMs: 1000 })) === 200 && (await tcpConnect({ port: labWsPort }));
    }
  }
  return {
    stateDir: ctx.stateDir,
    net,
    netDescription: describeNetMode(net),
    namespaceExists: net.mode === 'namespace' ? namespaceExists(net.name) : false,
    running: kamailio.running && rtpengine.running,
    kamailio,
    rtpengine,
  };
}

// ---------------------------------------------------------------- registrations (Kamailio usrloc over JSON-RPC)

export interface LabContact {
  user: string;
  contact: string;
  expires: number;
  received?: string;
  userAgent?: string;
  socket?: string;
  /** usrloc branch flags: bit 6 = NAT, bit 7 = WebSocket client. */
  branchFlags?: number;
}

/** Current registrations (optionally of one user). */
export async function registrations(user?: string): Promise<LabContact[]> {
  const result = (await kamailioRpc('ul.dump', [])) as {
    Domains?: Array<{ Domain?: { AoRs?: Array<{ Info?: { AoR?: string; Contacts?: Array<{ Contact?: Record<string, unknown> }> } }> } }>;
  };
  const out: LabContact[] = [];
  for (const d of result.Domains ?? []) {
    for (const aor of d.Domain?.AoRs ?? []) {
      const u = aor.Info?.AoR ?? '';
      if (user !== undefined && u !== user) continue;
      for (const c of aor.Info?.Contacts ?? []) {
        const x = c.Contact ?? {};
        const contact: LabContact = { user: u, contact: String(x.Address ?? ''), expires: Number(x.Expires ?? 0) };
        if (x.Received && x.Received !== '[not set]') contact.received = String(x.Received);
        if (x['User-Agent']) contact.userAgent = String(x['User-Agent']);
        if (x.Socket) contact.socket = String(x.Socket);
        if (typeof x.CFlags === 'number') contact.branchFlags = x.CFlags;
        out.push(contact);
      }
    }
  }
  return out;
}

/** Drop registrations: one contact, all contacts of a user, or everyone. */
export async function clearRegistrations(user?: string, contact?: string): Promise<void> {
  if (user !== undefined && contact !== undefined) {
    await kamailioRpc('ul.rm_contact', ['location', user, contact]);
    return;
  }
  const users = user !== undefined ? [user] : [...new Set((await registrations()).map((c) => c.user))];
  for (const u of users) {
    try {
      await kamailioRpc('ul.rm', ['location', u]);
    } catch (e) {
      if (!String(e).includes('not found') && !String(e).includes('404')) throw e;
    }
  }
}

/** Wait until `user` has at least `count` contacts (e.g. the app registered). */
export async function waitForRegistration(user: string, { count = 1, timeoutMs = 15_000 } = {}): Promise<LabContact[]> {
  const deadline = Date.now() + timeoutMs;
  let last: LabContact[] = [];
  while (Date.now() < deadline) {
    last = await registrations(user);
    if (last.length >= count) return last;
    await sleep(250);
  }
  throw new Error(`${user} has ${last.length} registration(s) after ${timeoutMs} ms, wanted ${count}`);
}
