/**
 * The lab's media endpoint for SIPp parties: one UDP port on 127.0.0.1 per SIPp
 * run, named in the scenario's SDP instead of SIPp's own RTP. It
 * - follows the run's SIPp message trace to learn, per call, where the far end
 *   (rtpengine) wants RTP, in which direction, and which payload types are
 *   telephone-events;
 * - sends G.711 A-law (PT 8, the lab's 440 Hz tone, 20 ms packets) to every
 *   answered call whose far end receives (not while we are held), and RFC 4733
 *   events on request (sendDtmf);
 * - counts received RTP per call and payload type and decodes RFC 4733 events.
 * Received packets belong to the call whose far end advertised their source
 * address (rtpengine sends from the port it offered).
 *
 * In the lab's network (inside the namespace, or on the host fallback) it runs in
 * this process; from outside the namespace it runs in a helper process started
 * with `ip netns exec` (media-main.ts) that reports its state on stdout.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { alawTone, decodeG711, measureAudio, type AudioMeasure } from './audio';
import { labHost, repoRoot } from './config';
import { inLabNet, needsNamespaceHop } from './netns';
import {
  buildRtp,
  digitToEvent,
  encodeTelephoneEvent,
  isLoopback,
  mediaPlans,
  parseRtp,
  Rfc4733Decoder,
  type CallMediaPlan,
  type DecodedEvent,
} from './rtp';
import { readSippTrace } from './sipp';

/** PCMA, the only audio codec the lab's SIPp parties offer and answer. */
export const pcmaPayloadType = 8;
const ptimeMs = 20;
const samplesPerPacket = 160;

export interface RtpStats {
  /** RTP packets received for the call (RTCP not counted). */
  packetsIn: number;
  /** RTP packets we sent for the call (audio and telephone-events). */
  packetsOut: number;
  bytesIn: number;
  /** Received packets by payload type, e.g. { 8: 1500, 101: 12 }. */
  byPayloadType: Record<number, number>;
  /** Where our RTP for the call goes now ("127.0.0.1:30012"), when we send. */
  sendingTo?: string;
  /** Wall-clock ms of the last packet received. */
  lastPacketAt?: number;
  /**
   * What the G.711 audio received in the last second carries (level, dominant tone): what this
   * party hears. `samples: 0` when no audio arrived in that second.
   */
  heard: AudioMeasure;
}

/** How much received audio `heard` measures. */
export const heardWindowMs = 1000;

export interface Rfc4733Event {
  digit: string;
  payloadType: number;
  /** Wall-clock ms of the event's first packet. */
  at: number;
  ended: boolean;
  durationMs: number;
  /** Packets of the event received (updates and the redundant end packets). */
  packets: number;
}

export interface CallMediaState {
  callId: string;
  rtp: RtpStats;
  /** RFC 4733 events received, in order: one per event however many packets carried it. */
  events: Rfc4733Event[];
}

export interface MediaState {
  port: number;
  /** Set when the endpoint could not bind its port or its helper failed. */
  error?: string;
  stopped: boolean;
  calls: CallMediaState[];
}

export interface SendDtmfOptions {
  /** Default: the only (or latest) answered call. */
  callId?: string;
  /** Tone length per digit; default 100 ms. */
  durationMs?: number;
  /** Pause between digits; default 70 ms. */
  gapMs?: number;
  /** -dBm0, default 10. */
  volume?: number;
}

export interface MediaEndpointOptions {
  port: number;
  /** The SIPp run's -trace_msg file. */
  messagesFile: string;
  /** Stop by itself after this long (SIPp's own limit plus a margin). */
  maxLifeMs: number;
  /** How often the trace is re-read; default 100 ms. */
  pollMs?: number;
}

interface SourceStats {
  packets: number;
  bytes: number;
  byPt: Map<number, number>;
  decoder: Rfc4733Decoder;
  last: number;
  /** The G.711 audio of the last two seconds, decoded, by arrival time. */
  audio: { at: number; samples: Float32Array }[];
}

interface PendingDigit {
  event: number;
  durationMs: number;
  gapMs: number;
  volume: number;
  last: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

interface CallSender {
  ssrc: number;
  seq: number;
  /** RTP timestamp of the next 20 ms slot. */
  ts: number;
  nextDueMs: number;
  audioPos: number;
  marker: boolean;
  packets: number;
  queue: PendingDigit[];
  current?: { digit: PendingDigit; ts: number; startMs: number; first: boolean; endsSent: number };
  gapUntilMs: number;
  wasSending: boolean;
}

const maxSources = 256;

function concatSamples(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The endpoint itself (runs in a process that is in the lab's network). */
export class MediaEndpoint {
  private sock?: dgram.Socket;
  private readonly sources = new Map<string, SourceStats>();
  private readonly senders = new Map<string, CallSender>();
  private plans: CallMediaPlan[] = [];
  private traceSize = '';
  /** The run's trace, and those of more SIPp runs sharing this endpoint (a transfer's new legs). */
  private readonly traces: string[];
  private timers: NodeJS.Timeout[] = [];
  private error?: string;
  private stopped = false;
  private readonly audio = alawTone();
  private readonly pollMs: number;

  constructor(private readonly opts: MediaEndpointOptions) {
    this.pollMs = opts.pollMs ?? 100;
    this.traces = [opts.messagesFile];
  }

  /** Also follow another SIPp run's trace (its calls' SDP names this endpoint too). */
  follow(messagesFile: string): void {
    if (!this.traces.includes(messagesFile)) this.traces.push(messagesFile);
    this.refreshPlans(true);
  }

  get port(): number {
    return this.opts.port;
  }

  /** Binds 127.0.0.1:port and starts following the trace; rejects if the port is taken. */
  async start(): Promise<void> {
    const sock = dgram.createSocket('udp4');
    this.sock = sock;
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.opts.port, labHost, () => {
        sock.off('error', reject);
        resolve();
      });
    }).catch((e: Error) => {
      this.error = `media port ${labHost}:${this.opts.port}: ${e.message}`;
      this.stopped = true;
      this.sock = undefined;
      sock.close();
      throw new Error(this.error);
    });
    sock.on('error', (e) => {
      this.error ??= `media socket: ${e.message}`;
    });
    sock.on('message', (msg, rinfo) => this.onPacket(msg, `${rinfo.address}:${rinfo.port}`));
    sock.unref();
    const tick = setInterval(() => this.tick(), 10);
    const poll = setInterval(() => this.refreshPlans(), this.pollMs);
    const life = setTimeout(() => void this.stop(), this.opts.maxLifeMs);
    for (const t of [tick, poll, life]) t.unref();
    this.timers = [tick, poll, life];
    this.refreshPlans();
  }

  async stop(): Promise<void> {
    if (this.stopped && !this.sock) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.refreshPlans(true);
    for (const s of this.senders.values()) this.failQueue(s, new Error('the media endpoint stopped'));
    const sock = this.sock;
    this.sock = undefined;
    if (sock) await new Promise<void>((r) => sock.close(() => r()));
  }

  state(): MediaState {
    const calls: CallMediaState[] = this.plans.map((p) => this.callState(p));
    const s: MediaState = { port: this.opts.port, stopped: this.stopped, calls };
    // our SDP must name this endpoint (rtpengine's symmetric RTP would hide a wrong port)
    const wrong = this.plans.find((p) => p.localPort !== undefined && p.localPort !== this.opts.port);
    const error = this.error ?? (wrong ? `call ${wrong.callId}: our SDP names port ${wrong.localPort}, the media endpoint is on ${this.opts.port}` : undefined);
    if (error !== undefined) s.error = error;
    return s;
  }

  /** Send DTMF as RFC 4733 events on a call; resolves when the last end packet went out. */
  sendDtmf(digits: string, opts: SendDtmfOptions = {}): Promise<void> {
    if (this.stopped) return Promise.reject(new Error(this.error ?? 'the media endpoint stopped'));
    const events = [...digits].map(digitToEvent);
    this.refreshPlans();
    const live = this.plans.filter((p) => p.answered && !p.ended);
    const plan = opts.callId !== undefined ? this.plans.find((p) => p.callId === opts.callId) : live.at(-1);
    if (!plan) return Promise.reject(new Error(opts.callId !== undefined ? `no call ${opts.callId}` : 'no answered call to send DTMF on'));
    if (!plan.sending) return Promise.reject(new Error(`call ${plan.callId} is not sending media now (${plan.ended ? 'ended' : plan.answered ? `far end ${plan.remoteDirection}` : 'not answered'})`));
    const sender = this.senderFor(plan.callId);
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      events.forEach((event, i) => {
        sender.queue.push({
          event,
          durationMs: Math.max(40, opts.durationMs ?? 100),
          gapMs: Math.max(20, opts.gapMs ?? 70),
          volume: opts.volume ?? 10,
          last: i === events.length - 1,
          resolve: i === events.length - 1 ? resolve : () => undefined,
          reject,
        });
      });
    });
  }

  // ---------------------------------------------------------------- receiving

  private onPacket(msg: Buffer, source: string): void {
    const pkt = parseRtp(msg);
    if (!pkt) return;
    let s = this.sources.get(source);
    if (!s) {
      if (this.sources.size >= maxSources) return;
      s = { packets: 0, bytes: 0, byPt: new Map(), decoder: new Rfc4733Decoder(), last: 0, audio: [] };
      this.sources.set(source, s);
    }
    const now = Date.now();
    s.packets++;
    s.bytes += msg.length;
    s.last = now;
    s.byPt.set(pkt.payloadType, (s.byPt.get(pkt.payloadType) ?? 0) + 1);
    // telephone-event payload types are dynamic; which ones count is decided per call (its SDP)
    if (pkt.payloadType >= 96 && pkt.payloadType <= 127 && pkt.payload.length >= 4 && pkt.payload.length % 4 === 0) {
      s.decoder.push(pkt, now);
    }
    const samples = decodeG711(pkt.payloadType, pkt.payload);
    if (samples) {
      s.audio.push({ at: now, samples });
      while (s.audio.length > 0 && s.audio[0]!.at < now - 2 * heardWindowMs) s.audio.shift();
    }
  }

  private sourcesOf(plan: CallMediaPlan): SourceStats[] {
    const mine = plan.remotes.map((r) => this.sources.get(r)).filter((s): s is SourceStats => s !== undefined);
    if (this.plans.length === 1) {
      // a single call: RTP from anywhere is its (e.g. a far end that sends from another port)
      const claimed = new Set(plan.remotes);
      for (const [k, s] of this.sources) if (!claimed.has(k)) mine.push(s);
    }
    return mine;
  }

  private callState(plan: CallMediaPlan): CallMediaState {
    const since = Date.now() - heardWindowMs;
    const recent: { at: number; samples: Float32Array }[] = [];
    const sources = this.sourcesOf(plan);
    for (const s of sources) recent.push(...s.audio.filter((a) => a.at >= since));
    recent.sort((a, b) => a.at - b.at);
    const heard = measureAudio(concatSamples(recent.map((a) => a.samples)), 8000);
    const rtp: RtpStats = { packetsIn: 0, packetsOut: this.senders.get(plan.callId)?.packets ?? 0, bytesIn: 0, byPayloadType: {}, heard };
    const tePts = new Map(plan.telephoneEvents.map((t) => [t.payloadType, t.clockRate]));
    const decoded: DecodedEvent[] = [];
    for (const s of sources) {
      rtp.packetsIn += s.packets;
      rtp.bytesIn += s.bytes;
      for (const [pt, n] of s.byPt) rtp.byPayloadType[pt] = (rtp.byPayloadType[pt] ?? 0) + n;
      if (s.last > 0 && (rtp.lastPacketAt === undefined || s.last > rtp.lastPacketAt)) rtp.lastPacketAt = s.last;
      decoded.push(...s.decoder.events.filter((e) => tePts.has(e.payloadType)));
    }
    if (plan.sending && plan.remote) rtp.sendingTo = `${plan.remote.address}:${plan.remote.port}`;
    decoded.sort((a, b) => a.at - b.at);
    const events = decoded.map((e) => ({
      digit: e.digit,
      payloadType: e.payloadType,
      at: e.at,
      ended: e.ended,
      durationMs: Math.round((e.duration / (tePts.get(e.payloadType) || 8000)) * 1000),
      packets: e.packets,
    }));
    return { callId: plan.callId, rtp, events };
  }

  // ---------------------------------------------------------------- following the trace

  private refreshPlans(force = false): void {
    const sizes = this.traces.map((f) => {
      try {
        return fs.statSync(f).size;
      } catch {
        return -1;
      }
    });
    if (sizes.every((n) => n < 0)) return;
    const key = sizes.join(',');
    if (!force && key === this.traceSize) return;
    this.traceSize = key;
    // each run's calls have their own Call-IDs: one plan per call across all traces
    this.plans = mediaPlans(this.traces.flatMap((f) => readSippTrace(f)));
  }

  // ---------------------------------------------------------------- sending

  private senderFor(callId: string): CallSender {
    let s = this.senders.get(callId);
    if (!s) {
      s = {
        ssrc: randomBytes(4).readUInt32BE(0),
        seq: randomBytes(2).readUInt16BE(0),
        ts: randomBytes(4).readUInt32BE(0),
        nextDueMs: Date.now(),
        audioPos: 0,
        marker: true,
        packets: 0,
        queue: [],
        gapUntilMs: 0,
        wasSending: false,
      };
      this.senders.set(callId, s);
    }
    return s;
  }

  private failQueue(s: CallSender, e: Error): void {
    const pending = [...(s.current ? [s.current.digit] : []), ...s.queue];
    s.current = undefined;
    s.queue = [];
    for (const d of pending) if (d.last) d.reject(e);
  }

  private tick(): void {
    if (this.stopped || !this.sock) return;
    const now = Date.now();
    for (const plan of this.plans) {
      const target = plan.remote;
      if (!plan.sending || !target || !isLoopback(target.address)) {
        const s = this.senders.get(plan.callId);
        if (s?.wasSending) {
          s.wasSending = false;
          this.failQueue(s, new Error(`call ${plan.callId} stopped sending media (${plan.ended ? 'ended' : `far end ${plan.remoteDirection}`})`));
        }
        continue;
      }
      const s = this.senderFor(plan.callId);
      if (!s.wasSending) {
        // (re)start: the timestamp moves on by the time we were silent, marker on the first packet
        const silentSlots = Math.max(0, Math.floor((now - s.nextDueMs) / ptimeMs));
        s.ts = (s.ts + silentSlots * samplesPerPacket) >>> 0;
        s.nextDueMs = now;
        s.marker = true;
        s.wasSending = true;
      }
      if (now - s.nextDueMs > 200) {
        const skipped = Math.floor((now - s.nextDueMs) / ptimeMs);
        s.ts = (s.ts + skipped * samplesPerPacket) >>> 0;
        s.nextDueMs += skipped * ptimeMs;
      }
      let n = 0;
      while (now >= s.nextDueMs && n < 5) {
        this.sendSlot(plan, s, target, s.nextDueMs);
        s.nextDueMs += ptimeMs;
        s.ts = (s.ts + samplesPerPacket) >>> 0;
        n++;
      }
    }
  }

  private send(s: CallSender, target: { address: string; port: number }, payloadType: number, timestamp: number, payload: Buffer, marker: boolean): void {
    const pkt = buildRtp({ payloadType, sequence: s.seq, timestamp, ssrc: s.ssrc, marker, payload });
    s.seq = (s.seq + 1) & 0xffff;
    s.packets++;
    this.sock?.send(pkt, target.port, target.address, () => undefined);
  }

  /** One 20 ms slot: a telephone-event packet while a digit is on, audio otherwise. */
  private sendSlot(plan: CallMediaPlan, s: CallSender, target: { address: string; port: number }, slotMs: number): void {
    if (!s.current && s.queue.length > 0 && slotMs >= s.gapUntilMs) {
      s.current = { digit: s.queue.shift()!, ts: s.ts, startMs: slotMs, first: true, endsSent: 0 };
    }
    const cur = s.current;
    if (cur) {
      const te = plan.telephoneEvents.find((t) => t.clockRate === 8000) ?? plan.telephoneEvents[0];
      const pt = te?.payloadType ?? 101;
      const rate = te?.clockRate ?? 8000;
      const elapsed = slotMs - cur.startMs + ptimeMs;
      const done = elapsed >= cur.digit.durationMs;
      const duration = (Math.min(elapsed, cur.digit.durationMs) * rate) / 1000;
      const payload = encodeTelephoneEvent({ event: cur.digit.event, end: done, volume: cur.digit.volume, duration });
      if (!done) {
        this.send(s, target, pt, cur.ts, payload, cur.first);
        cur.first = false;
        return;
      }
      // the end packet, three times (RFC 4733 2.5.1.4), same timestamp and duration
      for (let i = 0; i < 3; i++) this.send(s, target, pt, cur.ts, payload, false);
      s.current = undefined;
      s.gapUntilMs = slotMs + ptimeMs + cur.digit.gapMs;
      if (cur.digit.last) cur.digit.resolve();
      return;
    }
    const payload = Buffer.alloc(samplesPerPacket);
    for (let i = 0; i < samplesPerPacket; i++) payload[i] = this.audio[(s.audioPos + i) % this.audio.length]!;
    s.audioPos = (s.audioPos + samplesPerPacket) % this.audio.length;
    this.send(s, target, pcmaPayloadType, s.ts, payload, s.marker);
    s.marker = false;
  }
}

// ---------------------------------------------------------------- in this process or through a helper

/** What caller.ts uses: the endpoint here, or its helper process inside the namespace. */
export interface LabMedia {
  port: number;
  /** Resolves when the port is bound (rejects if it could not be). */
  ready: Promise<void>;
  /** The latest state (from the helper: at most ~100 ms old). */
  state(): MediaState;
  sendDtmf(digits: string, opts?: SendDtmfOptions): Promise<void>;
  /** Also follow another SIPp run's trace (a transfer's new leg uses this endpoint too). */
  follow(messagesFile: string): void;
  stop(): Promise<void>;
}

const usedPorts = new Set<number>();

/**
 * A port for a media endpoint: even, 61000-65498, outside Linux's ephemeral range
 * (32768-60999) and away from SIPp's (-mp 10000-19999) and rtpengine's (30000-30999).
 */
export function pickMediaPort(): number {
  for (let i = 0; i < 100; i++) {
    const port = 61000 + 2 * Math.floor(Math.random() * 2250);
    if (!usedPorts.has(port)) return port;
  }
  throw new Error('no free media port');
}

const mediaMain = path.join(path.dirname(fileURLToPath(import.meta.url)), 'media-main.ts');
const liveHelpers = new Set<ChildProcess>();
let exitHookInstalled = false;

function helperMedia(opts: MediaEndpointOptions): LabMedia {
  const argv = inLabNet([process.execPath, '--import', 'tsx', mediaMain, JSON.stringify(opts)]);
  const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  liveHelpers.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveHelpers) c.kill('SIGKILL');
    });
  }
  let state: MediaState = { port: opts.port, stopped: false, calls: [] };
  let stderr = '';
  let nextId = 1;
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  ready.catch(() => undefined);
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let m: { type: string; state?: MediaState; id?: number; error?: string };
      try {
        m = JSON.parse(line) as typeof m;
      } catch {
        continue;
      }
      if (m.type === 'state' && m.state) state = m.state;
      else if (m.type === 'ready') readyResolve();
      else if (m.type === 'fatal') readyReject(new Error(m.error ?? 'media helper failed'));
      else if (m.type === 'done' && m.id !== undefined) {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.error) w?.reject(new Error(m.error));
        else w?.resolve();
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      liveHelpers.delete(child);
      if (!state.stopped) state = { ...state, stopped: true };
      if (code !== 0 && state.error === undefined) state = { ...state, error: `media helper exited ${code}: ${stderr.trim().slice(-500)}` };
      readyReject(new Error(state.error ?? 'media helper exited'));
      for (const w of waiting.values()) w.reject(new Error('media helper exited'));
      waiting.clear();
      resolve();
    });
    child.once('error', (e) => {
      state = { ...state, stopped: true, error: `media helper: ${e.message}` };
      liveHelpers.delete(child);
      readyReject(e);
      resolve();
    });
  });
  const send = (o: object): void => {
    if (child.exitCode === null && child.stdin.writable) child.stdin.write(`${JSON.stringify(o)}\n`);
  };
  return {
    port: opts.port,
    ready,
    state: () => state,
    follow: (file) => send({ op: 'follow', file }),
    sendDtmf: (digits, o = {}) =>
      new Promise<void>((resolve, reject) => {
        if (child.exitCode !== null) {
          reject(new Error('media helper exited'));
          return;
        }
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        send({ op: 'dtmf', id, digits, opts: o });
      }),
    stop: async () => {
      if (child.exitCode === null) {
        send({ op: 'stop' });
        child.stdin.end();
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Start a media endpoint for one SIPp run (port chosen by the caller: it goes into the SDP). */
export function startMedia(opts: MediaEndpointOptions): LabMedia {
  usedPorts.add(opts.port);
  if (needsNamespaceHop()) {
    const h = helperMedia(opts);
    return { ...h, stop: () => h.stop().finally(() => usedPorts.delete(opts.port)) };
  }
  const ep = new MediaEndpoint(opts);
  const ready = ep.start();
  ready.catch(() => undefined);
  return {
    port: opts.port,
    ready,
    state: () => ep.state(),
    follow: (file) => ep.follow(file),
    sendDtmf: (digits, o) => ready.then(() => ep.sendDtmf(digits, o)),
    stop: () => ep.stop().finally(() => usedPorts.delete(opts.port)),
  };
}
