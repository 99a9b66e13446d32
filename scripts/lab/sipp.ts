/**
 * Running SIPp for the lab: inside the namespace, bounded in time, with its
 * message trace in the state dir, and a parser for that trace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { labHost, labStateDir, sippScenarioDir } from './config';
import { inLabNet } from './netns';
import { sleep } from './proc';

export const sippBinary = process.env.FRONTDESK_LAB_SIPP ?? 'sipp';

export interface SippRunOptions {
  /** Scenario file name in scripts/lab/sipp/ (or an absolute path). */
  scenario: string;
  /** Run name: the directory under <state>/sipp/ holding this run's files. */
  name: string;
  /** Remote host:port for a UAC; omit for a UAS. */
  remote?: string;
  /** Local SIP port (default: let SIPp pick). */
  localPort?: number;
  /** Hard limit for the whole run, seconds (SIPp -timeout). */
  timeoutS: number;
  /** -key values. */
  keys?: Record<string, string | number>;
  /** More SIPp arguments. */
  args?: string[];
  stateDir?: string;
}

export interface SippRun {
  name: string;
  dir: string;
  messagesFile: string;
  /** SIPp's stdout/stderr (its screen, with "Last Error" lines). */
  outputFile: string;
  pid: number;
  /** Resolves when SIPp exits (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGINT, then SIGKILL if it does not exit within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  child: ChildProcess;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // never leave a SIPp behind when the test process goes away
  process.once('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}

/** A unique, filesystem-safe run name. */
export function runName(prefix: string): string {
  return `${prefix}-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}

/** Where nextMediaPort takes its next port from. */
let mediaSlot = Math.floor(Math.random() * 2500);

/**
 * A media port for SIPp's RTP (-mp; SIPp also binds the next ports, for RTCP and video), 10000-19999:
 * below Linux's ephemeral range (32768-60999), where Chromium's WebRTC sockets and every client
 * socket of the lab take their ports (in 40000-48000 a SIPp phone once failed at start, "Unable to
 * bind video RTP socket … Address already in use"), and away from rtpengine's 30000-30999, the UAC
 * ports (20000-28999) and the media endpoints (61000-65499).
 */
function nextMediaPort(): number {
  // In turn from a random start: the SIPps one process runs at once never share a port.
  return 10000 + 4 * (mediaSlot++ % 2500);
}

export function startSipp(opts: SippRunOptions): SippRun {
  const stateDir = opts.stateDir ?? labStateDir();
  const dir = path.join(stateDir, 'sipp', opts.name);
  fs.mkdirSync(dir, { recursive: true });
  const scenario = path.isAbsolute(opts.scenario) ? opts.scenario : path.join(sippScenarioDir, opts.scenario);
  const messagesFile = path.join(dir, 'messages.log');
  const outputFile = path.join(dir, 'sipp.out');
  const argv = [sippBinary];
  if (opts.remote) argv.push(opts.remote);
  argv.push(
    '-sf', scenario,
    '-i', labHost,
    '-mi', labHost,
    '-bind_local',
    '-mp', String(nextMediaPort()),
    '-t', 'u1',
    '-nostdin',
    '-aa',
    '-trace_msg', '-message_file', messagesFile,
    '-timeout', `${Math.max(1, Math.ceil(opts.timeoutS))}s`,
    '-timeout_error',
    '-f', '5',
  );
  if (opts.localPort !== undefined) argv.push('-p', String(opts.localPort));
  for (const [k, v] of Object.entries(opts.keys ?? {})) argv.push('-key', k, String(v));
  argv.push(...(opts.args ?? []));

  const full = inLabNet(argv);
  fs.writeFileSync(path.join(dir, 'command.txt'), `${full.map((a) => (/[\s"'<>]/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  const out = fs.openSync(outputFile, 'a');
  const child = spawn(full[0]!, full.slice(1), { cwd: dir, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  installExitHook();
  live.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (e) => {
      fs.appendFileSync(outputFile, `\nspawn error: ${e.message}\n`);
      live.delete(child);
      resolve({ code: -1, signal: null });
    });
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const stop = async (graceMs = 3000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const t = sleep(graceMs).then(() => 'timeout' as const);
    if ((await Promise.race([exited, t])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };
  return { name: opts.name, dir, messagesFile, outputFile, pid: child.pid ?? -1, exited, stop, child };
}

// ---------------------------------------------------------------- trace parsing

export interface SipTraceMessage {
  direction: 'sent' | 'received';
  time: string;
  startLine: string;
  /** Request method, or undefined for responses. */
  method?: string;
  /** Response status code, or undefined for requests. */
  status?: number;
  reason?: string;
  requestUri?: string;
  /** Header values by lower-case name (compact forms expanded). */
  headers: Record<string, string[]>;
  /** Each lower-case name as it was first written in the message (e.g. 'x-frontdesk-handoff' → 'X-Frontdesk-Handoff'). */
  headerNames: Record<string, string>;
  body: string;
  callId: string;
  cseq: { seq: number; method: string };
}

const compact: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
  r: 'refer-to', b: 'referred-by', o: 'event', u: 'allow-events', x: 'session-expires',
};

export function parseSipMessage(text: string, direction: 'sent' | 'received', time = ''): SipTraceMessage | undefined {
  const raw = text.replace(/^(\r?\n)+/, '');
  const end = /\r?\n\r?\n/.exec(raw);
  const head = (end ? raw.slice(0, end.index) : raw).replace(/\r\n/g, '\n');
  let body = end ? raw.slice(end.index + end[0].length) : '';
  const lines = head.split('\n');
  const startLine = (lines.shift() ?? '').trim();
  if (!startLine) return undefined;
  const headers: Record<string, string[]> = {};
  const headerNames: Record<string, string> = {};
  let lastName = '';
  for (const line of lines) {
    if (/^[ \t]/.test(line) && lastName) {
      const list = headers[lastName]!;
      list[list.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const written = line.slice(0, colon).trim();
    let name = written.toLowerCase();
    const full = compact[name];
    name = full ?? name;
    lastName = name;
    headerNames[name] ??= full ?? written;
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  // the body is exactly Content-Length bytes (line ends kept); what follows is the trace's own spacing
  const declared = Number(headers['content-length']?.[0] ?? Number.NaN);
  if (Number.isInteger(declared) && declared >= 0) {
    const bytes = Buffer.from(body, 'utf8');
    if (bytes.length >= declared) body = bytes.subarray(0, declared).toString('utf8');
  }
  const cseqRaw = headers.cseq?.[0] ?? '';
  const cm = /^(\d+)\s+(\S+)/.exec(cseqRaw);
  const msg: SipTraceMessage = {
    direction,
    time,
    startLine,
    headers,
    headerNames,
    body,
    callId: headers['call-id']?.[0] ?? '',
    cseq: { seq: cm ? Number(cm[1]) : 0, method: cm ? cm[2]! : '' },
  };
  const resp = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(startLine);
  if (resp) {
    msg.status = Number(resp[1]);
    msg.reason = resp[2] ?? '';
  } else {
    const req = /^([A-Z]+)\s+(\S+)\s+SIP\/2\.0$/.exec(startLine);
    if (req) {
      msg.method = req[1]!;
      msg.requestUri = req[2]!;
    }
  }
  return msg;
}

/** Parse a SIPp `-trace_msg` file into messages, in order. */
export function parseSippTrace(text: string): SipTraceMessage[] {
  const out: SipTraceMessage[] = [];
  const blocks = text.split(/^-{20,}\s*(.*)$/m);
  // split() with a capture group: [pre, time1, block1, time2, block2, ...]
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const time = (blocks[i] ?? '').trim();
    const block = blocks[i + 1] ?? '';
    const m = /^\s*(UDP|TCP|TLS|SCTP)\s+message\s+(sent|received)[^\n]*\n/i.exec(block);
    if (!m) continue;
    const text = block.slice(m[0].length);
    // the last block may still be being written: take it only once it has all its bytes
    const declared = /\[(\d+)\]\s*bytes|\((\d+)\s*bytes\)/i.exec(m[0]);
    if (i + 2 >= blocks.length && declared && Buffer.byteLength(text.replace(/^\n/, '')) < Number(declared[1] ?? declared[2])) continue;
    const msg = parseSipMessage(text, m[2]!.toLowerCase() as 'sent' | 'received', time);
    if (msg) out.push(msg);
  }
  return out;
}

export function readSippTrace(file: string): SipTraceMessage[] {
  try {
    return parseSippTrace(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

/** User part of a From/To/Contact value, and its display name. */
export function parseNameAddr(value: string): { displayName?: string; uri: string; user: string } {
  const dn = /^\s*"((?:[^"\\]|\\.)*)"/.exec(value) ?? /^\s*([^<"]+?)\s*</.exec(value);
  const uri = /<([^>]+)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
  const user = /^sips?:([^@;>]+)@/.exec(uri)?.[1] ?? '';
  const r: { displayName?: string; uri: string; user: string } = { uri, user };
  if (dn && dn[1] !== undefined && dn[1].trim() !== '') r.displayName = dn[1].replace(/\\(.)/g, '$1');
  return r;
}
