/**
 * rtpengine for the lab (userspace only, no kernel table) and a tiny client for
 * its ng control protocol: `cookie <bencoded dict>` over UDP.
 */
import dgram from 'node:dgram';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { bdecode, bencode, type BDecoded, type BValue } from './bencode';
import { labHost, rtpengineNgPort, rtpPortMax, rtpPortMin } from './config';
import { needsNamespaceHop } from './netns';
import { runInLabNet } from './nshop';

export const rtpengineBinary = process.env.FRONTDESK_LAB_RTPENGINE ?? 'rtpengine';

export interface RtpenginePaths {
  pid: string;
  log: string;
}

export function rtpenginePaths(stateDir: string): RtpenginePaths {
  return { pid: path.join(stateDir, 'rtpengine.pid'), log: path.join(stateDir, 'rtpengine.log') };
}

export interface RtpengineCommandOptions {
  stateDir: string;
  /** syslog-style level, 6 = info, 7 = debug. */
  logLevel?: number;
}

/** argv for rtpengine in the foreground, userspace forwarding, loopback only. */
export function rtpengineCommand(opts: RtpengineCommandOptions): string[] {
  const p = rtpenginePaths(opts.stateDir);
  return [
    rtpengineBinary,
    '--config-file=none', // ignore /etc/rtpengine/rtpengine.conf
    '--table=-1', // no kernel forwarding
    `--interface=${labHost}`,
    `--listen-ng=${labHost}:${rtpengineNgPort}`,
    `--port-min=${rtpPortMin}`,
    `--port-max=${rtpPortMax}`,
    '--foreground',
    '--log-stderr',
    `--pidfile=${p.pid}`,
    `--log-level=${opts.logLevel ?? 6}`,
    '--num-threads=2',
    '--timeout=90', // no RTP at all for 90 s: call dropped
    '--offer-timeout=300', // one-sided (never answered) calls
    '--delete-delay=30', // stats stay queryable 30 s after a delete
  ];
}

export interface NgOptions {
  host?: string;
  port?: number;
  timeoutMs?: number;
  retries?: number;
}

export type NgResponse = { [key: string]: BDecoded };

/** Send one ng command from this process (must be able to reach the lab's loopback). */
export function ngRequestDirect(command: { [key: string]: BValue }, opts: NgOptions = {}): Promise<NgResponse> {
  const host = opts.host ?? labHost;
  const port = opts.port ?? rtpengineNgPort;
  const timeoutMs = opts.timeoutMs ?? 1000;
  const retries = opts.retries ?? 2;
  const cookie = randomBytes(8).toString('hex');
  const packet = Buffer.concat([Buffer.from(`${cookie} `), bencode(command)]);
  return new Promise<NgResponse>((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, value?: NgResponse): void => {
      if (timer) clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(value!);
    };
    const send = (): void => {
      attempts++;
      sock.send(packet, port, host, (err) => {
        if (err) finish(err);
      });
      timer = setTimeout(() => {
        if (attempts > retries) finish(new Error(`rtpengine ng ${String(command.command)}: no answer from ${host}:${port} after ${attempts} tries`));
        else send();
      }, timeoutMs);
    };
    sock.on('message', (msg) => {
      const sp = msg.indexOf(0x20);
      if (sp < 0 || msg.subarray(0, sp).toString() !== cookie) return;
      try {
        const { value } = bdecode(msg, sp + 1);
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('reply is not a dictionary');
        finish(null, value);
      } catch (e) {
        finish(e as Error);
      }
    });
    sock.on('error', (e) => finish(e));
    sock.bind(0, host === '127.0.0.1' ? '127.0.0.1' : undefined, send);
  });
}

/** Send one ng command, crossing into the lab namespace if this process is outside it. */
export function ngRequest(command: { [key: string]: BValue }, opts: NgOptions = {}): Promise<NgResponse> {
  if (needsNamespaceHop()) return runInLabNet<NgResponse>('ng', { command, opts });
  return ngRequestDirect(command, opts);
}

function ensureOk(r: NgResponse, what: string): NgResponse {
  if (r.result !== 'ok' && r.result !== 'pong') {
    throw new Error(`rtpengine ${what}: ${String(r.result)}${r['error-reason'] ? ` (${String(r['error-reason'])})` : ''}`);
  }
  return r;
}

/** True when rtpengine answers `pong`. Never throws. */
export async function ping(opts: NgOptions = {}): Promise<boolean> {
  try {
    const r = await ngRequest({ command: 'ping' }, opts);
    return r.result === 'pong';
  } catch {
    return false;
  }
}

/** Call-IDs rtpengine currently knows (including deleted calls within the delete delay). */
export async function list(limit = 1000, opts: NgOptions = {}): Promise<string[]> {
  const r = ensureOk(await ngRequest({ command: 'list', limit: String(limit) }, opts), 'list');
  const calls = r.calls;
  return Array.isArray(calls) ? calls.filter((c): c is string => typeof c === 'string') : [];
}

export interface RtpCounters {
  packets: number;
  bytes: number;
  errors: number;
}

export interface RtpStreamStats extends RtpCounters {
  localPort: number;
  /** Where the endpoint actually sends from (learned), if known. */
  endpoint?: { address: string; port: number };
  /** The address the endpoint advertised in its SDP. */
  advertisedEndpoint?: { address: string; port: number };
  rtcp: boolean;
  flags: string[];
  lastPacket?: number;
}

export interface RtpMediaStats {
  index: number;
  type: string;
  protocol: string;
  streams: RtpStreamStats[];
}

/** One side (monologue / tag) of the call. Counters are packets RECEIVED from that side. */
export interface RtpLegStats extends RtpCounters {
  tag: string;
  label?: string;
  inDialogueWith: string[];
  medias: RtpMediaStats[];
  /** RTCP counters (separate RTCP streams only; muxed RTCP counts as RTP). */
  rtcp: RtpCounters;
}

export interface RtpCallStats {
  callId: string;
  created?: number;
  lastSignal?: number;
  /** The call's sides that have a SIP tag: the caller, and the callee once it answered. */
  legs: RtpLegStats[];
  /** Fork branches that never answered (no tag yet / lost to another branch). */
  unansweredBranches: RtpLegStats[];
  totals: { rtp: RtpCounters; rtcp: RtpCounters };
  raw: NgResponse;
}

const num = (v: BDecoded | undefined): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);
const dict = (v: BDecoded | undefined): { [key: string]: BDecoded } =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : {};
const arr = (v: BDecoded | undefined): BDecoded[] => (Array.isArray(v) ? v : []);
const counters = (v: BDecoded | undefined): RtpCounters => {
  const d = dict(v);
  return { packets: num(d.packets), bytes: num(d.bytes), errors: num(d.errors) };
};
const endpointOf = (v: BDecoded | undefined): { address: string; port: number } | undefined => {
  const d = dict(v);
  return typeof d.address === 'string' && d.address !== '' ? { address: d.address, port: num(d.port) } : undefined;
};

/** Parse an ng `query` reply into per-leg counters. */
export function parseQuery(callId: string, r: NgResponse): RtpCallStats {
  const legs: RtpLegStats[] = [];
  const unansweredBranches: RtpLegStats[] = [];
  for (const [tagKey, tv] of Object.entries(dict(r.tags))) {
    const t = dict(tv);
    const medias: RtpMediaStats[] = arr(t.medias).map((mv) => {
      const m = dict(mv);
      return {
        index: num(m.index),
        type: typeof m.type === 'string' ? m.type : '',
        protocol: typeof m.protocol === 'string' ? m.protocol : '',
        streams: arr(m.streams).map((sv) => {
          const s = dict(sv);
          const flags = arr(s.flags).filter((f): f is string => typeof f === 'string');
          const c = counters(s.stats);
          const stream: RtpStreamStats = {
            localPort: num(s['local port']),
            rtcp: flags.includes('RTCP') && !flags.includes('RTP'),
            flags,
            ...c,
          };
          const ep = endpointOf(s.endpoint);
          if (ep) stream.endpoint = ep;
          const adv = endpointOf(s['advertised endpoint']);
          if (adv) stream.advertisedEndpoint = adv;
          if (s['last packet'] !== undefined) stream.lastPacket = num(s['last packet']);
          return stream;
        }),
      };
    });
    const rtpStreams = medias.flatMap((m) => m.streams.filter((s) => !s.rtcp));
    const rtcpStreams = medias.flatMap((m) => m.streams.filter((s) => s.rtcp));
    const sum = (ss: RtpStreamStats[]): RtpCounters => ({
      packets: ss.reduce((a, s) => a + s.packets, 0),
      bytes: ss.reduce((a, s) => a + s.bytes, 0),
      errors: ss.reduce((a, s) => a + s.errors, 0),
    });
    const inDlg = t['in dialogue with'];
    const leg: RtpLegStats = {
      tag: typeof t.tag === 'string' ? t.tag : '',
      inDialogueWith: typeof inDlg === 'string' ? (inDlg ? [inDlg] : []) : arr(inDlg).filter((x): x is string => typeof x === 'string'),
      medias,
      ...sum(rtpStreams),
      rtcp: sum(rtcpStreams),
    };
    if (typeof t.label === 'string' && t.label) leg.label = t.label;
    if (leg.tag === '' || tagKey.startsWith('<untagged')) unansweredBranches.push(leg);
    else legs.push(leg);
  }
  const totals = dict(r.totals);
  const stats: RtpCallStats = {
    callId,
    legs,
    unansweredBranches,
    totals: { rtp: counters(totals.RTP), rtcp: counters(totals.RTCP) },
    raw: r,
  };
  if (r.created !== undefined) stats.created = num(r.created);
  if (r['last signal'] !== undefined) stats.lastSignal = num(r['last signal']);
  return stats;
}

/** Per-leg packet/byte counters of a call (packets rtpengine received from each side). */
export async function query(callId: string, opts: NgOptions = {}): Promise<RtpCallStats> {
  const r = ensureOk(await ngRequest({ command: 'query', 'call-id': callId }, opts), `query ${callId}`);
  return parseQuery(callId, r);
}

/** Delete a call's media session (cleanup helper for tests). */
export async function deleteCall(callId: string, opts: NgOptions = {}): Promise<void> {
  ensureOk(await ngRequest({ command: 'delete', 'call-id': callId, 'delete delay': 0 }, opts), `delete ${callId}`);
}

/** The legs that actually carried media (ignores fork branches that never answered). */
export function activeLegs(stats: RtpCallStats, minPackets = 1): RtpLegStats[] {
  return stats.legs.filter((l) => l.packets >= minPackets);
}
