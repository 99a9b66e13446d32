/**
 * SIPp-driven parties for tests:
 * - placeCall: an outside caller (carrier trunk, no auth) or an extension
 *   (digest auth) calling into the lab with real G.711 A-law audio;
 * - answerCalls: the "PSTN gateway" / outside number answering on 127.0.0.1:5070;
 * - registerAsPhone: an ordinary SIP desk phone registered as an extension.
 * SIPp does the signalling; each run's RTP is sent and received by a media
 * endpoint (media.ts) that also decodes RFC 4733 DTMF. DTMF from SIP INFO comes
 * from the message trace. Every SIPp run is bounded in time and writes its
 * message trace under <state>/sipp/<run>/; nothing is left running after
 * stop()/result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  carrierDomain,
  labAccount,
  labAccounts,
  labDomain,
  labHost,
  labSipPort,
  pstnGatewayPort,
  repoRoot,
} from './config';
import { inLabNet } from './netns';
import { parseNameAddr, readSippTrace, runName, startSipp, type SipTraceMessage, type SippRun } from './sipp';
import { clearRegistrations } from './lab';
import { pickMediaPort, startMedia, type CallMediaState, type LabMedia, type MediaState, type RtpStats, type SendDtmfOptions } from './media';
import { infoDtmf, reinviteAnswers, traceTimeMs, transactionKey, type InfoDtmf, type ReinviteAnswer } from './rtp';
import { udpSend } from './probes';
import { measureAudio } from './audio';
import { inviteFinal, referNotifies, refersReceived, refersSent, xferDoneRequest, type ReferReceived } from './transfer';

export type { ReinviteAnswer } from './rtp';
export type { RtpStats, SendDtmfOptions } from './media';

// ---------------------------------------------------------------- DTMF and RTP of a call

export interface DtmfEvent {
  digit: string;
  /** RFC 4733 telephone-event in the RTP, or a SIP INFO request. */
  via: 'rfc4733' | 'info';
  /** When it arrived (epoch ms): the event's first packet, or the INFO's trace time. */
  at: number;
  /** RFC 4733 only: payload type, length (from the event's duration field), end (E bit) seen. */
  payloadType?: number;
  durationMs?: number;
  ended?: boolean;
}

const noRtp = (): RtpStats => ({ packetsIn: 0, packetsOut: 0, bytesIn: 0, byPayloadType: {}, heard: measureAudio([], 8000) });

/** RFC 4733 events and INFO digits of one call, in arrival order. */
export function mergeDtmf(info: InfoDtmf[], media: CallMediaState | undefined): DtmfEvent[] {
  const out: DtmfEvent[] = [
    ...info.map((i): DtmfEvent => ({ digit: i.digit, via: 'info', at: i.at })),
    ...(media?.events ?? []).map((e): DtmfEvent => ({ digit: e.digit, via: 'rfc4733', at: e.at, payloadType: e.payloadType, durationMs: e.durationMs, ended: e.ended })),
  ];
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Poll until the received digits contain `digits` and every RFC 4733 event has
 * ended (its E bit arrived, or it went quiet 1.5 s ago); resolves with all digits.
 */
async function waitDigits(read: () => DtmfEvent[], digits: string, timeoutMs: number, what: string, failed: () => string | undefined): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = read();
    const got = events.map((e) => e.digit).join('');
    const settled = events.every((e) => e.via !== 'rfc4733' || e.ended || Date.now() - e.at - (e.durationMs ?? 0) > 1500);
    if (got.includes(digits.toUpperCase()) && settled) return got;
    const err = failed();
    if (err) throw new Error(`${what}: waiting for DTMF ${JSON.stringify(digits)}: ${err}`);
    if (Date.now() > deadline) throw new Error(`${what}: DTMF ${JSON.stringify(digits)} not received within ${timeoutMs} ms; got ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------- placeCall

/** How a REFER is answered (see PlaceCallOptions.followRefer / referReply). */
export type ReferRefusal = 403 | 603 | 405 | 501;

export interface PlaceCallOptions {
  /** Caller number/user, e.g. '+74951234567' (or an extension with `asExtension`). */
  from: string;
  /** Called extension or number, e.g. '1000'. */
  to: string;
  /** Caller display name (optional). */
  fromName?: string;
  /**
   * The whole From header (without its tag), written as an odd carrier or gateway writes it, e.g.
   * '<tel:+74951234567>', '"<b>Boss</b>" <sip:+74951234567@carrier.lab.test>', '<sip:@carrier.lab.test>',
   * 'sip:+74951234567@carrier.lab.test' (no angle brackets). Sent verbatim: `from` and `fromName`
   * then only give the user of the caller's Contact. One line without control characters, at most
   * 8000 characters; not with `asExtension`.
   */
  fromHeader?: string;
  /**
   * Send BYE this long after the answer. Default: wait for the far end to hang up (up to maxCallMs).
   * Each leg counts from its own answer (a transfer's new call too).
   */
  hangupAfterMs?: number;
  /** Send CANCEL this long after the first 180/183 (a missed call). */
  cancelAfterMs?: number;
  /** Call-ID to use (default: a unique one). rtpengine's `query(callId)` uses it. */
  callId?: string;
  /** Give up (CANCEL) when there is no final answer within this time (a transfer's new INVITE too). Default 120 s. */
  answerTimeoutMs?: number;
  /** Hard limit for each SIPp run. Default 10 min. */
  maxCallMs?: number;
  /**
   * Another UAC scenario (file name in scripts/lab/sipp/ or a path) that takes the same keys,
   * e.g. 'reinvite-uac.xml' (the caller puts the callee on hold and back with re-INVITEs).
   */
  scenario?: string;
  /** More -key values for the scenario. */
  keys?: Record<string, string | number>;
  /**
   * More INVITE headers, as a PBX adds them before the call reaches the desk, e.g.
   * `{ 'X-IVR-Choice': '2', 'X-Queue': 'sales', 'X-Lead-Id': 'L-1042' }` (on the first INVITE, not
   * on a transfer's). Names must be SIP tokens other than the headers the scenario writes itself,
   * values one line of text (see sipHeaderLines): anything else throws before SIPp starts.
   */
  headers?: Record<string, string>;
  /**
   * Collide when the far end (Frontdesk holding the call) re-INVITEs: answer the first
   * `reinviteFailures` re-INVITEs with this code (491 glare, 500 with Retry-After: 1, 488),
   * then accept later ones. The call stays up.
   */
  reinviteReply?: 491 | 500 | 488;
  /** How many re-INVITEs get `reinviteReply`. Default 1. */
  reinviteFailures?: number;
  /**
   * Call as a lab extension: From sip:USER@lab domain, answering the PBX's 407
   * with the account's password. `from` is ignored when set.
   */
  asExtension?: string | { user: string; password: string };
  /**
   * Be a transferee: answer an in-dialog REFER with 202, NOTIFY "100 Trying", place a new call
   * (new Call-ID, same caller, same media endpoint) to the Refer-To URI — with `Replaces` when
   * the URI carries one, `Referred-By` when the REFER had one — and NOTIFY its final status
   * (terminated). After a 2xx the new call is the call (`currentCallId()`, `rtp()`); after a
   * failure the old one goes on. Without it (and without `referReply`) a REFER gets 501.
   */
  followRefer?: boolean;
  /** Refuse every REFER with this code (the call goes on); wins over `followRefer`. */
  referReply?: ReferRefusal;
  /**
   * Be a transferor: `referAfterMs` (default 1000) after the answer send an in-dialog REFER with
   * this Refer-To (e.g. 'sip:1001@lab.frontdesk.test') and Referred-By: our own URI; answer each
   * NOTIFY 200 (`notifyFrags()`); BYE after a 2xx sipfrag, keep the call after a failure.
   */
  referTo?: string;
  referAfterMs?: number;
  /**
   * When the transferor (`referTo`) hangs up: 'on-success' (default) after a 2xx NOTIFY;
   * 'on-accept' as soon as the REFER is accepted (a blind transfer that does not wait).
   */
  referHangup?: 'on-success' | 'on-accept';
  stateDir?: string;
}

export type CallEnd = 'remote-bye' | 'local-bye' | 'cancelled' | 'failed';

/** A REFER we received and what became of it. */
export interface TransferAttempt {
  /** The Call-ID of the dialog the REFER arrived in. */
  callId: string;
  /** The REFER's CSeq (identifies it within its dialog). */
  cseq: number;
  /** The Refer-To header as received. */
  referTo: string;
  /** Where the new INVITE went: the Refer-To URI without its headers ('' when unusable). */
  target: string;
  /** The Replaces header the new INVITE carried (decoded from the Refer-To URI). */
  replaces?: string;
  /** The REFER's Referred-By (copied into the new INVITE). */
  referredBy?: string;
  /** Our answer to the REFER: 202 (followed), 403 / 603 / 405 / 501 (refused), 0 not yet. */
  reply: number;
  /** The new INVITE's Call-ID. */
  newCallId?: string;
  /** Its final response (undefined while it rings); also what the final NOTIFY reported. */
  code?: number;
  reason?: string;
  /** When the REFER arrived (ISO 8601). */
  at: string;
}

/** One SIP dialog the caller had: the first call, then one per transfer it followed. */
export interface CallLeg {
  callId: string;
  /** The leg whose REFER created this one. */
  parentCallId?: string;
  code: number;
  reason: string;
  ended: CallEnd;
  answeredAt?: string;
  endedAt?: string;
  rtp: RtpStats;
  sippExitCode: number | null;
  messagesFile: string;
  dir: string;
}

export interface CallResult {
  /** The first leg's Call-ID. */
  callId: string;
  /** DTMF the caller received (RFC 4733 and INFO, every leg), in order, and each event. */
  dtmf: string;
  dtmfEvents: DtmfEvent[];
  /** RTP of the current (last answered) leg at the caller's media endpoint; each leg's in `legs`. */
  rtp: RtpStats;
  /** Re-INVITEs the caller received (e.g. the softphone's hold) and its answers, every leg. */
  reinvites: ReinviteAnswer[];
  /** Final status code of the (first) INVITE (0 when none arrived). */
  code: number;
  reason: string;
  /** How the current (last answered, else the first) leg ended. */
  ended: CallEnd;
  /** A 180/183 arrived for the first INVITE. */
  ringing: boolean;
  /** Wall-clock time of the first 200 OK and of the current leg's BYE (from the traces), if any. */
  answeredAt?: string;
  endedAt?: string;
  /** REFERs received and what became of them. */
  transfers: TransferAttempt[];
  /** Final answers to the REFERs we sent (`referTo`), in order (202, 403 …). */
  referReplies: number[];
  /** The sipfrag status codes of the NOTIFYs we received (100, 180, 200 / 486 …), in order. */
  notifyFrags: number[];
  /** Every leg: the first, then one per transfer followed. */
  legs: CallLeg[];
  sippExitCode: number | null;
  /** The first leg's trace (each leg's in `legs`). */
  messagesFile: string;
  dir: string;
  messages: SipTraceMessage[];
}

export interface PlacedCall {
  /** The first leg's Call-ID. */
  callId: string;
  /** Resolves when the call is over (every leg) and SIPp has exited. */
  result: Promise<CallResult>;
  /** Hang up now (every leg still up: BYE if answered, CANCEL while ringing), then resolve like `result`. */
  stop(): Promise<CallResult>;
  /** DTMF received so far (RFC 4733 and SIP INFO alike, every leg, in arrival order). */
  dtmf(): string;
  dtmfEvents(): DtmfEvent[];
  /** Wait until the received DTMF contains `digits` (default 10 s); resolves with all digits received. */
  waitForDtmf(digits: string, timeoutMs?: number): Promise<string>;
  /** Send RFC 4733 DTMF to the far end of the current leg (answered and not held). */
  sendDtmf(digits: string, opts?: Omit<SendDtmfOptions, 'callId'>): Promise<void>;
  /** RTP counters of the current leg (packets received per payload type, packets sent). */
  rtp(): RtpStats;
  /** RTP counters of one leg (by Call-ID). */
  rtpOf(callId: string): RtpStats;
  /** The Call-ID of the leg that carries the call now: the last one answered (else the first). */
  currentCallId(): string;
  /** Call-IDs of every leg so far, first to last. */
  legs(): string[];
  /** Re-INVITEs received so far (every leg) and how they were answered. */
  reinvites(): ReinviteAnswer[];
  /** REFERs received so far and what became of them (followRefer / referReply). */
  transfers(): TransferAttempt[];
  /**
   * Resolves with the first transfer whose new INVITE got a 2xx. Rejects — saying what happened —
   * when a transfer not yet finished at the call fails (REFER refused, new INVITE answered >= 300),
   * when the call ends first, or after `timeoutMs` (default 15 s).
   */
  waitForTransfer(timeoutMs?: number): Promise<TransferAttempt>;
  /** Final answers to the REFERs we sent (`referTo`), in order. */
  referReplies(): number[];
  /** Sipfrag status codes of the NOTIFYs received so far, in order. */
  notifyFrags(): number[];
  /** UDP port of the call's media endpoint (the port in the caller's SDP, every leg). */
  mediaPort: number;
  /** The first leg's trace and run directory (later legs' are below it). */
  messagesFile: string;
  dir: string;
}

function q(s: string): string {
  return s.replace(/["\\]/g, (c) => `\\${c}`);
}

function newCallId(): string {
  return `fdlab-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}@${labHost}`;
}

/** Outcome of a UAC run, from its message trace. */

export type CallOutcome = Pick<CallResult, 'code' | 'reason' | 'ended' | 'ringing' | 'answeredAt' | 'endedAt'>;

export function callOutcome(messages: SipTraceMessage[]): CallOutcome {
  const inviteFinals = messages.filter(
    (m) => m.direction === 'received' && m.status !== undefined && m.status >= 200 && m.cseq.method === 'INVITE',
  );
  // a 407 is answered with credentials; it is the outcome only when nothing else came (wrong password)
  const final = inviteFinals.find((m) => m.status !== 407) ?? inviteFinals.at(-1);
  const ringing = messages.some((m) => m.direction === 'received' && (m.status === 180 || m.status === 183));
  const byeIn = messages.find((m) => m.direction === 'received' && m.method === 'BYE');
  const byeOut = messages.find((m) => m.direction === 'sent' && m.method === 'BYE');
  const cancelOut = messages.find((m) => m.direction === 'sent' && m.method === 'CANCEL');
  let ended: CallEnd;
  if (final && final.status! < 300) {
    if (byeIn && (!byeOut || byeIn.time <= byeOut.time)) ended = 'remote-bye';
    else if (byeOut) ended = 'local-bye';
    else ended = 'failed';
  } else if (cancelOut) {
    ended = 'cancelled';
  } else {
    ended = 'failed';
  }
  const r: CallOutcome = {
    code: final?.status ?? 0,
    reason: final?.reason ?? '',
    ended,
    ringing,
  };
  if (final && final.status! < 300) r.answeredAt = final.time;
  const end = ended === 'remote-bye' ? byeIn : ended === 'local-bye' ? byeOut : undefined;
  if (end) r.endedAt = end.time;
  return r;
}

/** Headers the UAC scenarios write themselves (full and compact names). */
const scenarioHeaders = new Set(
  ['via', 'from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards', 'user-agent', 'allow', 'content-type', 'content-length', 'authorization', 'proxy-authorization', 'route', 'v', 'f', 't', 'i', 'm', 'c', 'l'],
);

/**
 * `placeCall`'s `headers` as "Name: value" lines for the scenario's `extra_hdrs`. SIPp inserts a
 * key's value verbatim, so a value with a line break would add SIP lines of its own: names must be
 * RFC 3261 tokens that the scenario does not already write, values one line of text (no control
 * characters, at most 1000 characters).
 */
export function sipHeaderLines(headers: Readonly<Record<string, string>> = {}): string[] {
  return Object.entries(headers).map(([name, value]) => {
    if (!/^[A-Za-z0-9!%*+.`'~_-]{1,100}$/.test(name)) throw new Error(`placeCall: header name ${JSON.stringify(name)} is not a SIP token`);
    if (scenarioHeaders.has(name.toLowerCase())) throw new Error(`placeCall: header ${name} is written by the scenario itself`);
    if (typeof value !== 'string' || value.length > 1000 || /[\p{Cc}\u2028\u2029]/u.test(value) || value.trim() !== value || value === '') {
      throw new Error(`placeCall: header ${name}: ${JSON.stringify(value)} must be one line of text without control characters or surrounding spaces (at most 1000 characters)`);
    }
    return `${name}: ${value}`;
  });
}

/** SIPp keys for `reinviteReply` / `reinviteFailures` (uac.xml and uas.xml). */
function reinviteKeys(opts: { reinviteReply?: number; reinviteFailures?: number }, what: string): { reinvite_reply: number; reinvite_failures: number } {
  const reply = opts.reinviteReply ?? 0;
  if (![0, 491, 500, 488].includes(reply)) throw new Error(`${what}: reinviteReply must be 491, 500 or 488, not ${reply}`);
  return { reinvite_reply: reply, reinvite_failures: reply ? Math.max(0, Math.floor(opts.reinviteFailures ?? 1)) : 0 };
}

/** The request that makes a lab SIPp hang up one call (see the scenarios). */
export function hangupRequest(callId: string, port: number): string {
  return [
    `HANGUP sip:hangup@${labHost}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${labHost}:9;branch=z9hG4bK${randomBytes(6).toString('hex')}`,
    `From: <sip:lab-control@${labHost}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:hangup@${labHost}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 HANGUP',
    'Max-Forwards: 1',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A UDP port for a SIPp UAC (its HANGUP control goes there). */
function randomSipPort(): number {
  return 20000 + Math.floor(Math.random() * 9000);
}

/** Where a REFER is answered, and what the scenarios' REFER keys are. */
function referKeys(
  opts: { followRefer?: boolean; referReply?: number; referTo?: string; referAfterMs?: number; referHangup?: 'on-success' | 'on-accept' },
  referredBy: string,
  what: string,
): { refer_reply: number; refer_to: string; refer_after_ms: number; referred_by: string; refer_bye_on_accept: number } {
  if (opts.referReply !== undefined && ![403, 603, 405, 501].includes(opts.referReply)) {
    throw new Error(`${what}: referReply must be 403, 603, 405 or 501, not ${opts.referReply}`);
  }
  const reply = opts.referReply ?? (opts.followRefer ? 202 : 501);
  let referTo = 'none';
  let after = 0;
  if (opts.referTo !== undefined) {
    if (!/^sips?:[^\s<>"]+$/i.test(opts.referTo)) throw new Error(`${what}: referTo must be a SIP URI, not ${JSON.stringify(opts.referTo)}`);
    referTo = opts.referTo;
    after = Math.max(1, Math.round(opts.referAfterMs ?? 1000));
  }
  return { refer_reply: reply, refer_to: referTo, refer_after_ms: after, referred_by: referredBy, refer_bye_on_accept: opts.referHangup === 'on-accept' ? 1 : 0 };
}

// ---------------------------------------------------------------- call legs and transfers

/** What one SIPp UAC run (a leg of a call) is started with. */
interface UacSpec {
  /** Run directory name under <state>/sipp/. */
  name: string;
  callId: string;
  /** -s: the called user (only for [service] and the digest). */
  service: string;
  ruri: string;
  fromHdr: string;
  fromUser: string;
  auth?: { user: string; password: string };
  /** Header lines of the INVITE (at least one). */
  extraHdrs: string[];
  keys: Record<string, string | number>;
  scenario: string;
  maxCallMs: number;
  stateDir?: string;
}

/** One SIPp UAC run; relaunched on another local port (same directory and trace) when its random one was taken. */
class UacLeg {
  port = randomSipPort();
  run: SippRun;
  exitCode: number | null = null;
  finished = false;
  readonly done: Promise<void>;

  constructor(
    readonly spec: UacSpec,
    /** The REFER (and the dialog it came in) that created this leg. */
    readonly parentCallId?: string,
  ) {
    this.run = this.launch();
    this.done = this.watch();
  }

  private async watch(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const { code } = await this.run.exited;
      const out = fs.existsSync(this.run.outputFile) ? fs.readFileSync(this.run.outputFile, 'utf8') : '';
      // the random local port was taken: nothing was sent, try another one
      if (code !== 0 && readSippTrace(this.run.messagesFile).length === 0 && attempt < 4 && /bind|Address already in use/i.test(out)) {
        this.port = randomSipPort();
        this.run = this.launch();
        continue;
      }
      this.exitCode = code;
      this.finished = true;
      return;
    }
  }

  get callId(): string {
    return this.spec.callId;
  }

  private launch(): SippRun {
    const s = this.spec;
    const args = ['-m', '1', '-l', '1', '-s', s.service, '-cid_str', s.callId.replace(/%/g, '%%')];
    if (s.auth) args.push('-au', s.auth.user, '-ap', s.auth.password, '-auth_uri', s.ruri);
    return startSipp({
      scenario: s.scenario,
      name: s.name,
      remote: `${labHost}:${labSipPort}`,
      localPort: this.port,
      timeoutS: s.maxCallMs / 1000,
      keys: {
        domain: labDomain,
        ruri: s.ruri,
        to_hdr: `<${s.ruri}>`,
        from_hdr: s.fromHdr,
        from_user: s.fromUser,
        extra_hdrs: s.extraHdrs.join('\r\n'),
        ...s.keys,
      },
      args,
      ...(s.stateDir ? { stateDir: s.stateDir } : {}),
    });
  }

  messages(): SipTraceMessage[] {
    return readSippTrace(this.run.messagesFile);
  }

  /** Send the scenario its HANGUP (CANCEL while ringing, BYE when answered). */
  async hangup(): Promise<void> {
    if (!this.finished) await udpSend(this.port, hangupRequest(this.callId, this.port)).catch(() => false);
  }
}

/** A SIPp run whose trace may show REFERs we accepted (202), and the port its XFERDONE goes to. */
interface ReferSource {
  messagesFile(): string;
  port(): number;
}

interface DriverAttempt {
  refer: ReferReceived;
  source: ReferSource;
  leg?: UacLeg;
  status?: { code: number; reason: string };
  reported: boolean;
}

/**
 * Follows accepted REFERs: for every REFER a scenario answered 202 it launches the new INVITE
 * (a UacLeg, via `newLeg`) and, once that has its final answer, sends the scenario XFERDONE so
 * it can send the final NOTIFY. Ticks every 100 ms while started.
 */
class TransferDriver {
  private readonly attempts = new Map<string, DriverAttempt>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly sources: () => ReferSource[],
    private readonly newLeg: (refer: ReferReceived) => UacLeg,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass (never two at once). */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Transfers not yet reported to their scenario. */
  pending(): boolean {
    return [...this.attempts.values()].some((a) => !a.reported);
  }

  /** The new leg created for a REFER (by its transaction key). */
  legFor(referKey: string): UacLeg | undefined {
    return this.attempts.get(referKey)?.leg;
  }

  private readonly seenSize = new Map<string, number>();

  private async pass(): Promise<void> {
    for (const source of this.sources()) {
      // (re-read a trace only when it grew: a phone's may be long)
      const file = source.messagesFile();
      let size = -1;
      try {
        size = fs.statSync(file).size;
      } catch {
        continue;
      }
      if (this.seenSize.get(file) === size) continue;
      this.seenSize.set(file, size);
      for (const r of refersReceived(readSippTrace(file))) {
        if (r.reply !== 202 || this.attempts.has(r.key)) continue;
        const a: DriverAttempt = { refer: r, source, reported: false };
        this.attempts.set(r.key, a);
        if (!r.target) a.status = { code: 400, reason: 'Bad Refer-To' };
        else a.leg = this.newLeg(r);
      }
    }
    for (const a of this.attempts.values()) {
      if (a.reported) continue;
      if (a.leg && !a.status) {
        const final = inviteFinal(a.leg.messages(), a.leg.finished);
        if (final) a.status = final;
        else if (a.leg.finished) a.status = { code: 500, reason: 'No Final Answer' };
      }
      if (!a.status) continue;
      a.reported = true;
      const port = a.source.port();
      await udpSend(port, xferDoneRequest(a.refer.callId, port, a.status)).catch(() => false);
    }
  }
}

/** The public record of each REFER received in `traces`, with its new leg's Call-ID and outcome. */
function transferAttempts(traces: SipTraceMessage[][], driver: TransferDriver): TransferAttempt[] {
  const out: TransferAttempt[] = [];
  for (const r of traces.flatMap((t) => refersReceived(t)).sort((a, b) => a.at - b.at)) {
    const t: TransferAttempt = {
      callId: r.callId,
      cseq: r.cseq,
      referTo: r.referTo,
      target: r.target,
      reply: r.reply,
      at: Number.isFinite(r.at) ? new Date(r.at).toISOString() : '',
    };
    if (r.replaces !== undefined) t.replaces = r.replaces;
    if (r.referredBy !== undefined) t.referredBy = r.referredBy;
    const leg = driver.legFor(r.key);
    if (leg) {
      t.newCallId = leg.callId;
      const final = inviteFinal(leg.messages(), leg.finished);
      if (final) {
        t.code = final.code;
        t.reason = final.reason;
      }
    } else if (r.reply === 202 && !r.target) {
      t.code = 400;
      t.reason = 'Bad Refer-To';
    }
    out.push(t);
  }
  return out;
}

/** One line per transfer, for error messages. */
export function describeTransfers(ts: TransferAttempt[]): string {
  if (ts.length === 0) return 'no REFER arrived';
  return ts
    .map((t) => {
      const what = `REFER to ${t.target || JSON.stringify(t.referTo)}${t.replaces ? ' (with Replaces)' : ''}`;
      if (t.reply === 0) return `${what}: not answered yet`;
      if (t.reply !== 202) return `${what}: refused with ${t.reply}`;
      if (t.code === undefined) return `${what}: accepted, new INVITE ${t.newCallId ?? '(not sent yet)'} has no final answer yet`;
      return `${what}: accepted, new INVITE ${t.newCallId ?? ''} → ${t.code} ${t.reason ?? ''}`.trim();
    })
    .join('; ');
}

/**
 * The final answers to our REFERs and the NOTIFYs' sipfrag codes, in the dialogs `callIds` only
 * (a stale NOTIFY that the PBX still retransmits for an earlier call on the same port is not ours).
 */
function referProgress(traces: SipTraceMessage[][], callIds: Set<string>): { referReplies: number[]; notifyFrags: number[] } {
  const ours = traces.map((t) => t.filter((m) => callIds.has(m.callId)));
  return {
    referReplies: ours.flatMap((t) => refersSent(t)).filter((r) => r.reply !== 0).map((r) => r.reply),
    notifyFrags: ours.flatMap((t) => referNotifies(t)).filter((n) => n.code !== 0).map((n) => n.code),
  };
}

/** Call-IDs of the dialogs a trace's calls started (an INVITE without a To tag). */
function dialogCallIds(messages: SipTraceMessage[]): string[] {
  return [...new Set(messages.filter((m) => m.method === 'INVITE' && !/;\s*tag=/i.test(m.headers.to?.[0] ?? '')).map((m) => m.callId))];
}

/** Header lines for a transfer's new INVITE. */
function transferHeaders(refer: ReferReceived, userAgent: string): string[] {
  const h = [userAgent];
  if (refer.replaces) h.push(`Replaces: ${refer.replaces}`);
  if (refer.referredBy) h.push(`Referred-By: ${refer.referredBy.replace(/[\r\n]/g, '')}`);
  return h;
}

/** Poll `transfers()` for the first 2xx transfer (see PlacedCall.waitForTransfer). */
async function waitTransfer(
  transfers: () => TransferAttempt[],
  over: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<TransferAttempt> {
  const key = (t: TransferAttempt): string => `${t.callId}|${t.cseq}`;
  const finished = (t: TransferAttempt): boolean => (t.reply !== 0 && t.reply !== 202) || t.code !== undefined;
  const before = new Set(transfers().filter(finished).map(key));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ts = transfers();
    const ok = ts.find((t) => t.code !== undefined && t.code >= 200 && t.code < 300);
    if (ok) return ok;
    const failed = ts.find((t) => finished(t) && !before.has(key(t)));
    if (failed) throw new Error(`${what}: transfer failed: ${describeTransfers(ts)}`);
    if (over()) throw new Error(`${what}: the call ended without a completed transfer: ${describeTransfers(ts)}`);
    if (Date.now() > deadline) throw new Error(`${what}: no completed transfer within ${timeoutMs} ms: ${describeTransfers(ts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Place one call into the lab (outside caller by default). */
export function placeCall(opts: PlaceCallOptions): PlacedCall {
  const firstCallId = opts.callId ?? newCallId();
  const answerTimeoutMs = opts.answerTimeoutMs ?? 120_000;
  const maxCallMs = opts.maxCallMs ?? 600_000;
  let fromUser = opts.from;
  let fromDomain = carrierDomain;
  let auth: { user: string; password: string } | undefined;
  if (opts.asExtension !== undefined) {
    auth = typeof opts.asExtension === 'string' ? labAccount(opts.asExtension) : opts.asExtension;
    fromUser = auth.user;
    fromDomain = labDomain;
  }
  if (!/^[A-Za-z0-9+*#._-]+$/.test(fromUser)) throw new Error(`placeCall: unusable caller ${JSON.stringify(fromUser)}`);
  if (!/^[A-Za-z0-9+*#._-]+$/.test(opts.to)) throw new Error(`placeCall: unusable callee ${JSON.stringify(opts.to)}`);
  const name = opts.fromName ?? (auth && typeof opts.asExtension === 'string' ? labAccount(auth.user).displayName : undefined);
  if (opts.fromHeader !== undefined) {
    if (auth) throw new Error('placeCall: fromHeader is for outside callers, not with asExtension');
    if (opts.fromHeader.length === 0 || opts.fromHeader.length > 8000 || /[\p{Cc}\u2028\u2029]/u.test(opts.fromHeader)) {
      throw new Error(`placeCall: fromHeader must be one line of text without control characters (1 to 8000 characters)`);
    }
  }
  const fromHdr = opts.fromHeader ?? `${name ? `"${q(name)}" ` : ''}<sip:${fromUser}@${fromDomain}>`;
  const runDirName = runName(`call-${opts.to.replace(/[^A-Za-z0-9]/g, '')}`);
  const collide = reinviteKeys(opts, 'placeCall');
  const refer = referKeys(opts, `sip:${fromUser}@${fromDomain}`, 'placeCall');
  const pbxHeaders = sipHeaderLines(opts.headers);
  const mediaPort = pickMediaPort();
  const userAgent = 'User-Agent: Frontdesk lab caller (SIPp)';
  const baseKeys = {
    hangup_after_ms: Math.max(0, Math.round(opts.hangupAfterMs ?? 0)),
    cancel_after_ms: Math.max(0, Math.round(opts.cancelAfterMs ?? 0)),
    answer_timeout_ms: Math.max(100, Math.round(answerTimeoutMs)),
    lab_media_port: mediaPort,
    ...collide,
    ...refer,
  };
  const spec = (over: Partial<UacSpec> & Pick<UacSpec, 'name' | 'callId' | 'service' | 'ruri'>): UacSpec => ({
    fromHdr,
    fromUser,
    ...(auth ? { auth } : {}),
    extraHdrs: [userAgent],
    keys: { ...baseKeys, ...opts.keys },
    scenario: opts.scenario ?? 'uac.xml',
    maxCallMs,
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    ...over,
  });

  const first = new UacLeg(spec({ name: runDirName, callId: firstCallId, service: opts.to, ruri: `sip:${opts.to}@${labDomain}`, extraHdrs: [userAgent, ...pbxHeaders] }));
  const legs: UacLeg[] = [first];
  fs.writeFileSync(`${first.run.dir}/call.json`, `${JSON.stringify({ callId: firstCallId, ...opts, asExtension: auth?.user, mediaPort }, null, 2)}\n`);
  // (a relaunch on another SIP port writes to the same run directory and trace)
  const media = startMedia({ port: mediaPort, messagesFile: first.run.messagesFile, maxLifeMs: maxCallMs + 30_000 });

  const driver = new TransferDriver(
    () => legs.map((l) => ({ messagesFile: () => l.run.messagesFile, port: () => l.port })),
    (r) => {
      // a transfer: the same caller calls the Refer-To target (no REFER of its own to send)
      const leg = new UacLeg(
        spec({
          name: path.join(runDirName, `leg${legs.length + 1}`),
          callId: newCallId(),
          service: /^sips?:([^@;?]+)@/i.exec(r.target)?.[1] ?? 'transfer',
          ruri: r.target,
          extraHdrs: transferHeaders(r, userAgent),
          keys: { ...baseKeys, ...opts.keys, refer_to: 'none', refer_after_ms: 0 },
        }),
        r.callId,
      );
      legs.push(leg);
      media.follow(leg.run.messagesFile);
      return leg;
    },
  );
  if (refer.refer_reply === 202) driver.start();

  const traces = (): SipTraceMessage[][] => legs.map((l) => l.messages());
  const mediaOf = (callId: string): CallMediaState | undefined => media.state().calls.find((c) => c.callId === callId);
  const rtpOf = (callId: string): RtpStats => mediaOf(callId)?.rtp ?? noRtp();
  const dtmfEvents = (ts = traces()): DtmfEvent[] =>
    legs
      .flatMap((l, i) => mergeDtmf(infoDtmf(ts[i] ?? []).filter((x) => x.callId === l.callId), mediaOf(l.callId)))
      .sort((a, b) => a.at - b.at);
  const currentLeg = (ts = traces()): UacLeg => {
    for (let i = legs.length - 1; i > 0; i--) {
      const f = inviteFinal(ts[i] ?? [], false);
      if (f && f.code < 300) return legs[i]!;
    }
    return first;
  };
  const transfers = (): TransferAttempt[] => transferAttempts(traces(), driver);
  const over = (): boolean => legs.every((l) => l.finished) && !driver.pending();

  const result = (async (): Promise<CallResult> => {
    try {
      for (;;) {
        await Promise.all(legs.map((l) => l.done));
        await driver.tick();
        if (over()) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      driver.stop();
      await media.stop();
    }
    const ts = traces();
    const events = dtmfEvents(ts);
    const legResults: CallLeg[] = legs.map((l, i) => {
      const o = callOutcome(ts[i] ?? []);
      const leg: CallLeg = { callId: l.callId, code: o.code, reason: o.reason, ended: o.ended, rtp: rtpOf(l.callId), sippExitCode: l.exitCode, messagesFile: l.run.messagesFile, dir: l.run.dir };
      if (l.parentCallId !== undefined) leg.parentCallId = l.parentCallId;
      if (o.answeredAt !== undefined) leg.answeredAt = o.answeredAt;
      if (o.endedAt !== undefined) leg.endedAt = o.endedAt;
      return leg;
    });
    const cur = legResults[legs.indexOf(currentLeg(ts))]!;
    const firstOutcome = callOutcome(ts[0] ?? []);
    const r: CallResult = {
      callId: firstCallId,
      code: firstOutcome.code,
      reason: firstOutcome.reason,
      ringing: firstOutcome.ringing,
      ended: cur.ended,
      dtmf: events.map((e) => e.digit).join(''),
      dtmfEvents: events,
      rtp: cur.rtp,
      reinvites: ts.flatMap((t) => reinviteAnswers(t)),
      transfers: transferAttempts(ts, driver),
      ...referProgress(ts, new Set(legs.map((l) => l.callId))),
      legs: legResults,
      sippExitCode: first.exitCode,
      messagesFile: first.run.messagesFile,
      dir: first.run.dir,
      messages: ts[0] ?? [],
    };
    if (firstOutcome.answeredAt !== undefined) r.answeredAt = firstOutcome.answeredAt;
    if (cur.endedAt !== undefined) r.endedAt = cur.endedAt;
    return r;
  })();

  const what = `placeCall(${firstCallId})`;
  return {
    callId: firstCallId,
    result,
    dtmf: () => dtmfEvents().map((e) => e.digit).join(''),
    dtmfEvents: () => dtmfEvents(),
    waitForDtmf: (digits, timeoutMs = 10_000) =>
      waitDigits(() => dtmfEvents(), digits, timeoutMs, what, () => media.state().error ?? (legs.every((l) => l.finished) ? 'the call is over' : undefined)),
    sendDtmf: (digits, o = {}) => media.sendDtmf(digits, { ...o, callId: currentLeg().callId }),
    rtp: () => rtpOf(currentLeg().callId),
    rtpOf,
    currentCallId: () => currentLeg().callId,
    legs: () => legs.map((l) => l.callId),
    reinvites: () => traces().flatMap((t) => reinviteAnswers(t)),
    transfers,
    waitForTransfer: (timeoutMs = 15_000) => waitTransfer(transfers, over, timeoutMs, what),
    referReplies: () => referProgress(traces(), new Set(legs.map((l) => l.callId))).referReplies,
    notifyFrags: () => referProgress(traces(), new Set(legs.map((l) => l.callId))).notifyFrags,
    mediaPort,
    stop: async () => {
      if (!over()) {
        await Promise.all(legs.map((l) => l.hangup()));
        const done = await Promise.race([result.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 8000))]);
        if (!done) {
          driver.stop();
          await Promise.all(legs.map((l) => l.run.stop(3000)));
        }
      }
      return result;
    },
    messagesFile: first.run.messagesFile,
    dir: first.run.dir,
  };
}

// ---------------------------------------------------------------- answerCalls

export interface AnswerCallsOptions {
  /** Local SIP port. Default 5070 (the lab's PSTN gateway). */
  port?: number;
  /** Ring this long before answering (or rejecting). Default 1000 ms. `Infinity`: never answer (like `answer: false`). */
  ringMs?: number;
  /** false: ring until the caller CANCELs (the call is then `cancelled`, answered 487). Default true. */
  answer?: boolean;
  /** Reject every call with this code instead of answering: 486, 480, 603, 404, 503 or 488. */
  rejectCode?: 486 | 480 | 603 | 404 | 503 | 488;
  /** Hang up (BYE) this long after answering; default: wait for the caller's BYE. */
  hangupAfterMs?: number;
  /**
   * Collide on re-INVITEs: answer the first `reinviteFailures` re-INVITEs of each call with
   * this code (491 Request Pending = glare, 500 with Retry-After: 1, 488), then accept later
   * ones normally. The call stays up (the dialog and media are unchanged by a failed re-INVITE).
   */
  reinviteReply?: 491 | 500 | 488;
  /** How many re-INVITEs per call get `reinviteReply`. Default 1. */
  reinviteFailures?: number;
  /**
   * Be the transferor: `referAfterMs` (default 1000) after answering each call, send it an
   * in-dialog REFER with this Refer-To (e.g. 'sip:1001@lab.frontdesk.test', or with
   * '?Replaces=…' URL-encoded for an attended transfer); answer each NOTIFY 200
   * (`notifyFrags()`); BYE after a 2xx sipfrag, keep the call after a failure.
   */
  referTo?: string;
  referAfterMs?: number;
  /** As in placeCall: 'on-success' (default) or 'on-accept' (hang up once the REFER is accepted). */
  referHangup?: 'on-success' | 'on-accept';
  /**
   * Be the transferee (e.g. Frontdesk transfers an outbound call it made to this phone or the
   * gateway): follow a REFER like placeCall({ followRefer }) does — a new call from this
   * phone (its extension, digest auth) or gateway (the dialled number) to the Refer-To target,
   * listed in `transfers()`. Without it (and without `referReply`) a REFER gets 501.
   */
  followRefer?: boolean;
  /** Refuse every REFER with this code (the call goes on); wins over `followRefer`. */
  referReply?: ReferRefusal;
  /**
   * Like many desk phones: once we answered an INVITE with `Replaces` (an attended transfer's
   * target), hang up the dialog it names ourselves (BYE, `byeFrom: 'us'`). Default false: the
   * transferor (Frontdesk) is expected to end the consultation.
   */
  byeReplaced?: boolean;
  /** User part of our Contact. Default 'pstn'. */
  contactUser?: string;
  /** Hard limit for the run. Default 1 h. */
  maxRunMs?: number;
  /** Run name prefix (directory under <state>/sipp/). */
  name?: string;
  stateDir?: string;
}

export interface ReceivedCall {
  callId: string;
  from: string;
  fromUser: string;
  fromName?: string;
  to: string;
  requestUri: string;
  /**
   * The X- headers of the call's (initial) INVITE, by name as written, e.g.
   * `{ 'X-Frontdesk-Conversation': '…', 'X-Frontdesk-Handoff': '…' }` (several of one name: joined with ', ').
   */
  headers: Record<string, string>;
  /** The INVITE's Replaces header (an attended transfer's "replace this dialog"), if it had one. */
  replaces?: string;
  /** The INVITE's Referred-By header, if it had one. */
  referredBy?: string;
  /** Our final answer (200 / reject code / 487 when cancelled), if sent. */
  answer?: number;
  cancelled: boolean;
  byeFrom?: 'caller' | 'us';
  /** Bodies of SIP INFO requests in the call (DTMF as SIP INFO arrives this way). */
  infos: Array<{ contentType: string; body: string }>;
  /**
   * DTMF digits received, in order: RFC 4733 telephone-events in the RTP (decoded by the
   * media endpoint) and SIP INFO (application/dtmf-relay "Signal=" or application/dtmf) alike.
   */
  dtmf: string;
  dtmfEvents: DtmfEvent[];
  /** RTP of the call at our media endpoint. */
  rtp: RtpStats;
  /** Number of re-INVITEs received. */
  reinvites: number;
  /** Each re-INVITE: the offered direction and our answer (200, or the collision code). */
  reinviteAnswers: ReinviteAnswer[];
}

export interface Answerer {
  port: number;
  /** SIPp message trace (-trace_msg) of everything received and sent. */
  messagesFile: string;
  dir: string;
  /** Calls seen so far, parsed from the trace (with the media endpoint's RTP and DTMF). */
  calls(): ReceivedCall[];
  /** Wait until at least `count` calls arrived. */
  waitForCalls(count?: number, timeoutMs?: number): Promise<ReceivedCall[]>;
  /** Out-of-dialog SIP MESSAGEs received so far (each answered 200 OK), in arrival order. */
  textMessages(): TextMessage[];
  /**
   * Wait for a MESSAGE (the first that matches `predicate`, default: any); rejects after
   * `timeoutMs` (default 10 s) listing what did arrive.
   */
  waitForTextMessage(predicate?: (m: TextMessage) => boolean, timeoutMs?: number): Promise<TextMessage>;
  /** DTMF received on a call (default: the latest call), RFC 4733 and INFO alike, in order. */
  dtmf(callId?: string): string;
  dtmfEvents(callId?: string): DtmfEvent[];
  /** Wait until a call's received DTMF contains `digits` (default 10 s); resolves with all its digits. */
  waitForDtmf(digits: string, opts?: { callId?: string; timeoutMs?: number }): Promise<string>;
  /** Send RFC 4733 DTMF on a call (default: the latest answered call that is still up). */
  sendDtmf(digits: string, opts?: SendDtmfOptions): Promise<void>;
  /** RTP counters of a call (default: the latest call; a transfer's new call by its Call-ID too). */
  rtp(callId?: string): RtpStats;
  /** Re-INVITEs received (of one call, or of all calls in order) and how we answered them. */
  reinvites(callId?: string): ReinviteAnswer[];
  /** Final answers to the REFERs we sent (`referTo`; of one call or all), in order. */
  referReplies(callId?: string): number[];
  /** Sipfrag status codes of the NOTIFYs received (of one call or all), in order. */
  notifyFrags(callId?: string): number[];
  /** REFERs received (`followRefer` / `referReply`) and what became of them. */
  transfers(): TransferAttempt[];
  /** Like PlacedCall.waitForTransfer: the first transfer whose new INVITE got a 2xx. */
  waitForTransfer(timeoutMs?: number): Promise<TransferAttempt>;
  /** UDP port of the run's media endpoint (the port in our SDP answers). */
  mediaPort: number;
  /** Hang up calls in progress (all, or one Call-ID): BYE when answered, 486 while ringing. */
  hangup(callId?: string): Promise<void>;
  /** Hangs up calls in progress, then stops SIPp. */
  stop(): Promise<void>;
  run: SippRun;
}

/** The X- headers of a message by name as written (values of a repeated name joined with ', '). */
export function xHeaders(m: SipTraceMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(m.headers)) {
    if (name.startsWith('x-')) out[m.headerNames[name] ?? name] = values.join(', ');
  }
  return out;
}

/** An out-of-dialog SIP MESSAGE an answerer/phone received (and answered 200). */
export interface TextMessage {
  /** From header value, e.g. '"Reception" <sip:1000@lab.frontdesk.test>;tag=…'. */
  from: string;
  fromUser: string;
  to: string;
  requestUri: string;
  callId: string;
  /** Content-Type as sent, e.g. 'text/plain;charset=UTF-8'. */
  contentType: string;
  /** The body decoded as UTF-8, exactly as received (no trimming). */
  body: string;
  /** X- headers by name as written. */
  headers: Record<string, string>;
  /** When it arrived (ISO 8601, from the trace). */
  at: string;
  /** Our answer (200), 0 while none was sent. */
  answer: number;
}

/** The MESSAGE requests in a UAS trace (a retransmission counted once), in arrival order. */
export function receivedTextMessages(messages: SipTraceMessage[]): TextMessage[] {
  const out: TextMessage[] = [];
  const byKey = new Map<string, TextMessage>();
  for (const m of messages) {
    const key = transactionKey(m);
    if (m.direction === 'received' && m.method === 'MESSAGE') {
      if (byKey.has(key)) continue;
      const from = m.headers.from?.[0] ?? '';
      const at = traceTimeMs(m.time);
      const t: TextMessage = {
        from,
        fromUser: parseNameAddr(from).user,
        to: m.headers.to?.[0] ?? '',
        requestUri: m.requestUri ?? '',
        callId: m.callId,
        contentType: m.headers['content-type']?.[0] ?? '',
        body: m.body,
        headers: xHeaders(m),
        at: Number.isFinite(at) ? new Date(at).toISOString() : m.time,
        answer: 0,
      };
      byKey.set(key, t);
      out.push(t);
    } else if (m.direction === 'sent' && m.status !== undefined && m.cseq.method === 'MESSAGE') {
      const t = byKey.get(key);
      if (t && t.answer === 0 && m.status >= 200) t.answer = m.status;
    }
  }
  return out;
}

/** Summaries of the incoming calls in a UAS trace (with the media endpoint's state, if given). */
export function receivedCalls(messages: SipTraceMessage[], media?: MediaState): ReceivedCall[] {
  const byId = new Map<string, ReceivedCall>();
  for (const m of messages) {
    if (m.direction === 'received' && m.method === 'INVITE' && !byId.has(m.callId)) {
      const from = m.headers.from?.[0] ?? '';
      const fa = parseNameAddr(from);
      const c: ReceivedCall = {
        callId: m.callId,
        from,
        fromUser: fa.user,
        to: m.headers.to?.[0] ?? '',
        requestUri: m.requestUri ?? '',
        headers: xHeaders(m),
        cancelled: false,
        infos: [],
        dtmf: '',
        dtmfEvents: [],
        rtp: noRtp(),
        reinvites: 0,
        reinviteAnswers: [],
      };
      if (fa.displayName) c.fromName = fa.displayName;
      const replaces = m.headers.replaces?.[0];
      if (replaces !== undefined) c.replaces = replaces;
      const referredBy = m.headers['referred-by']?.[0];
      if (referredBy !== undefined) c.referredBy = referredBy;
      byId.set(m.callId, c);
      continue;
    }
    const c = byId.get(m.callId);
    if (!c) continue;
    if (m.direction === 'received' && m.method === 'INVITE') c.reinvites++;
    if (m.direction === 'received' && m.method === 'CANCEL') c.cancelled = true;
    if (m.direction === 'received' && m.method === 'BYE' && !c.byeFrom) c.byeFrom = 'caller';
    if (m.direction === 'sent' && m.method === 'BYE' && !c.byeFrom) c.byeFrom = 'us';
    if (m.direction === 'sent' && m.status !== undefined && m.status >= 200 && m.cseq.method === 'INVITE' && c.answer === undefined) {
      c.answer = m.status;
    }
    if (m.direction === 'received' && m.method === 'INFO') {
      const contentType = m.headers['content-type']?.[0] ?? '';
      c.infos.push({ contentType, body: m.body });
    }
  }
  const infos = infoDtmf(messages);
  const reinvites = reinviteAnswers(messages);
  for (const c of byId.values()) {
    const mc = media?.calls.find((x) => x.callId === c.callId);
    c.dtmfEvents = mergeDtmf(infos.filter((i) => i.callId === c.callId), mc);
    c.dtmf = c.dtmfEvents.map((e) => e.digit).join('');
    if (mc) c.rtp = mc.rtp;
    c.reinviteAnswers = reinvites.filter((r) => r.callId === c.callId);
  }
  return [...byId.values()];
}

/** Answer calls like an outside number / PSTN gateway (default 127.0.0.1:5070). */
export function answerCalls(opts: AnswerCallsOptions = {}, identity?: { user: string; password: string; displayName?: string }): Answerer {
  const port = opts.port ?? pstnGatewayPort;
  const maxRunMs = opts.maxRunMs ?? 3_600_000;
  const mediaPort = pickMediaPort();
  const collide = reinviteKeys(opts, 'answerCalls');
  const ourUri = identity ? `sip:${identity.user}@${labDomain}` : `sip:${opts.contactUser ?? 'pstn'}@${labHost}:${port}`;
  const refer = referKeys(opts, ourUri, 'answerCalls');
  const runDirName = runName(opts.name ?? `answer-${port}`);
  const run = startSipp({
    scenario: 'uas.xml',
    name: runDirName,
    localPort: port,
    timeoutS: maxRunMs / 1000,
    keys: {
      contact_user: opts.contactUser ?? 'pstn',
      ring_ms: Number.isFinite(opts.ringMs ?? 1000) ? Math.max(0, Math.round(opts.ringMs ?? 1000)) : 0,
      never_answer: opts.answer === false || opts.ringMs === Infinity ? 1 : 0,
      reject_code: opts.rejectCode ?? 0,
      hangup_after_ms: Math.max(0, Math.round(opts.hangupAfterMs ?? 0)),
      ...collide,
      ...refer,
      lab_media_port: mediaPort,
    },
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
  });
  const media: LabMedia = startMedia({ port: mediaPort, messagesFile: run.messagesFile, maxLifeMs: maxRunMs + 30_000 });

  // followRefer: a transfer's new call goes out from here (a UAC run sharing our media endpoint)
  const legs: UacLeg[] = [];
  const userAgent = 'User-Agent: Frontdesk lab desk phone (SIPp)';
  const driver = new TransferDriver(
    () => [{ messagesFile: () => run.messagesFile, port: () => port }, ...legs.map((l) => ({ messagesFile: () => l.run.messagesFile, port: () => l.port }))],
    (r) => {
      // the dialog's To (the number that was called) says who we are for a gateway; a phone is its extension
      const dialogTo = readSippTrace(run.messagesFile).find((m) => m.callId === r.callId && m.method === 'INVITE')?.headers.to?.[0] ?? '';
      const calledUser = parseNameAddr(dialogTo).user || (opts.contactUser ?? 'pstn');
      const fromUser = identity?.user ?? calledUser;
      const displayName = identity?.displayName;
      const leg = new UacLeg(
        {
          name: path.join(runDirName, `xfer${legs.length + 1}`),
          callId: newCallId(),
          service: /^sips?:([^@;?]+)@/i.exec(r.target)?.[1] ?? 'transfer',
          ruri: r.target,
          fromHdr: `${displayName ? `"${q(displayName)}" ` : ''}<sip:${fromUser}@${identity ? labDomain : carrierDomain}>`,
          fromUser,
          ...(identity ? { auth: { user: identity.user, password: identity.password } } : {}),
          extraHdrs: transferHeaders(r, userAgent),
          keys: {
            hangup_after_ms: Math.max(0, Math.round(opts.hangupAfterMs ?? 0)),
            cancel_after_ms: 0,
            answer_timeout_ms: 120_000,
            lab_media_port: mediaPort,
            ...collide,
            ...refer,
            refer_to: 'none',
            refer_after_ms: 0,
          },
          scenario: 'uac.xml',
          maxCallMs: 600_000,
          ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
        },
        r.callId,
      );
      legs.push(leg);
      media.follow(leg.run.messagesFile);
      return leg;
    },
  );
  if (refer.refer_reply === 202) driver.start();
  // byeReplaced: BYE the dialog an answered Replaces INVITE names (once)
  const replacedDone = new Set<string>();
  const replacer = opts.byeReplaced
    ? setInterval(() => {
        const cs = receivedCalls(readSippTrace(run.messagesFile));
        for (const c of cs) {
          if (c.replaces === undefined || c.answer !== 200 || replacedDone.has(c.callId)) continue;
          replacedDone.add(c.callId);
          const old = cs.find((x) => x.callId === c.replaces!.split(';')[0]!.trim() && x.answer === 200 && !x.byeFrom);
          if (old) void udpSend(port, hangupRequest(old.callId, port)).catch(() => false);
        }
      }, 150)
    : undefined;
  replacer?.unref();
  void run.exited.then(async () => {
    if (replacer) clearInterval(replacer);
    driver.stop();
    await Promise.all(legs.map((l) => l.done));
    await media.stop();
  });
  const traces = (): SipTraceMessage[][] => [readSippTrace(run.messagesFile), ...legs.map((l) => l.messages())];
  const transfers = (): TransferAttempt[] => transferAttempts(traces(), driver);
  const progress = (callId?: string): { referReplies: number[]; notifyFrags: number[] } => {
    const ts = traces();
    const ours = new Set([...dialogCallIds(ts[0] ?? []), ...legs.map((l) => l.callId)]);
    return referProgress(ts, callId === undefined ? ours : new Set(ours.has(callId) ? [callId] : []));
  };
  const calls = (): ReceivedCall[] => receivedCalls(readSippTrace(run.messagesFile), media.state());
  const pick = (callId?: string): ReceivedCall | undefined => {
    const cs = calls();
    return callId === undefined ? cs.at(-1) : cs.find((c) => c.callId === callId);
  };
  const what = `answerCalls(:${port})`;
  const active = (): ReceivedCall[] => calls().filter((c) => !c.cancelled && !c.byeFrom && (c.answer === undefined || c.answer === 200));
  const hangup = async (callId?: string): Promise<void> => {
    const targets = active().filter((c) => callId === undefined || c.callId === callId);
    for (const c of targets) await udpSend(port, hangupRequest(c.callId, port)).catch(() => false);
    const deadline = Date.now() + 5000;
    while (targets.length > 0 && Date.now() < deadline) {
      const still = active().filter((c) => targets.some((t) => t.callId === c.callId));
      if (still.length === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return {
    port,
    messagesFile: run.messagesFile,
    dir: run.dir,
    calls,
    waitForCalls: async (count = 1, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const cs = calls();
        if (cs.length >= count) return cs;
        if (Date.now() > deadline) throw new Error(`answerCalls(:${port}): ${cs.length} call(s) after ${timeoutMs} ms, wanted ${count}`);
        if (run.child.exitCode !== null) throw new Error(`answerCalls(:${port}): SIPp exited (${run.child.exitCode}); see ${run.outputFile}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    textMessages: () => receivedTextMessages(readSippTrace(run.messagesFile)),
    waitForTextMessage: async (predicate = () => true, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = receivedTextMessages(readSippTrace(run.messagesFile));
        const hit = all.find(predicate);
        if (hit) return hit;
        if (Date.now() > deadline) {
          const got = all.map((m) => `${m.fromUser}: ${JSON.stringify(m.body.slice(0, 60))}`).join('; ') || 'none';
          throw new Error(`${what}: no matching MESSAGE within ${timeoutMs} ms; received: ${got}`);
        }
        if (run.child.exitCode !== null) throw new Error(`${what}: SIPp exited (${run.child.exitCode}); see ${run.outputFile}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    dtmf: (callId) => pick(callId)?.dtmf ?? '',
    dtmfEvents: (callId) => pick(callId)?.dtmfEvents ?? [],
    waitForDtmf: (digits, o = {}) =>
      waitDigits(() => pick(o.callId)?.dtmfEvents ?? [], digits, o.timeoutMs ?? 10_000, what, () =>
        media.state().error ?? (run.child.exitCode !== null ? `SIPp exited (${run.child.exitCode})` : undefined),
      ),
    sendDtmf: (digits, o = {}) => media.sendDtmf(digits, o),
    rtp: (callId) => pick(callId)?.rtp ?? (callId !== undefined ? media.state().calls.find((c) => c.callId === callId)?.rtp : undefined) ?? noRtp(),
    reinvites: (callId) => reinviteAnswers(readSippTrace(run.messagesFile)).filter((r) => callId === undefined || r.callId === callId),
    referReplies: (callId) => progress(callId).referReplies,
    notifyFrags: (callId) => progress(callId).notifyFrags,
    transfers,
    waitForTransfer: (timeoutMs = 15_000) =>
      waitTransfer(transfers, () => run.child.exitCode !== null && legs.every((l) => l.finished), timeoutMs, what),
    mediaPort,
    hangup,
    stop: async () => {
      driver.stop();
      await Promise.all(legs.map((l) => l.hangup()));
      if (run.child.exitCode === null && run.child.signalCode === null) await hangup().catch(() => undefined);
      await run.stop(3000);
      await Promise.race([Promise.all(legs.map((l) => l.done)), new Promise((r) => setTimeout(r, 8000))]);
      await Promise.all(legs.map((l) => l.run.stop(3000)));
      await media.stop();
    },
    run,
  };
}

// ---------------------------------------------------------------- registerAsPhone

export interface RegisterOptions {
  user: string;
  /** Default: the lab account's password. */
  password?: string;
  /** Local SIP port of the phone (its Contact). */
  port: number;
  expiresS?: number;
  stateDir?: string;
}

export interface RegisterResult {
  /** Final status of the (last) REGISTER: 200, 401 (wrong password), 403 … 0 if none. */
  code: number;
  ok: boolean;
  messagesFile: string;
  messages: SipTraceMessage[];
}

/** One REGISTER transaction (with digest auth) from 127.0.0.1:port; expires 0 unregisters. */
export async function register(opts: RegisterOptions): Promise<RegisterResult> {
  const password = opts.password ?? labAccount(opts.user).password;
  const run = startSipp({
    scenario: 'register.xml',
    name: runName(`register-${opts.user}`),
    remote: `${labHost}:${labSipPort}`,
    localPort: opts.port,
    timeoutS: 15,
    keys: { domain: labDomain, user: opts.user, expires: opts.expiresS ?? 3600 },
    args: ['-m', '1', '-l', '1', '-au', opts.user, '-ap', password, '-auth_uri', `sip:${labDomain}`],
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
  });
  await run.exited;
  const messages = readSippTrace(run.messagesFile);
  const finals = messages.filter((m) => m.direction === 'received' && m.cseq.method === 'REGISTER' && (m.status ?? 0) >= 200);
  const code = finals.at(-1)?.status ?? 0;
  return { code, ok: code === 200, messagesFile: run.messagesFile, messages };
}

export interface PhoneOptions extends RegisterOptions, Omit<AnswerCallsOptions, 'port' | 'stateDir' | 'contactUser'> {}

export interface Phone extends Answerer {
  user: string;
  contact: string;
  registration: RegisterResult;
}

/**
 * An ordinary SIP desk phone: REGISTERs as `user` (digest auth) with Contact
 * 127.0.0.1:port, then answers calls there. stop() unregisters and stops SIPp.
 */
export async function registerAsPhone(opts: PhoneOptions): Promise<Phone> {
  const registration = await register(opts);
  if (!registration.ok) {
    throw new Error(`registerAsPhone(${opts.user}): REGISTER got ${registration.code || 'no answer'}; trace: ${registration.messagesFile}`);
  }
  const password = opts.password ?? labAccount(opts.user).password;
  const displayName = labAccounts.find((a) => a.user === opts.user)?.displayName;
  const answerer = answerCalls(
    { ...opts, port: opts.port, contactUser: opts.user, name: opts.name ?? `phone-${opts.user}` },
    { user: opts.user, password, ...(displayName ? { displayName } : {}) },
  );
  const contact = `sip:${opts.user}@${labHost}:${opts.port};transport=UDP`;
  // a SIPp that cannot bind the port (another phone still holds it) exits at once
  for (let i = 0; i < 4 && answerer.run.child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  if (answerer.run.child.exitCode !== null) {
    await answerer.stop().catch(() => undefined);
    await register({ ...opts, expiresS: 0 }).catch(() => undefined);
    const out = fs.existsSync(answerer.run.outputFile) ? fs.readFileSync(answerer.run.outputFile, 'utf8') : '';
    const bind = /Unable to bind[^\n]*/.exec(out)?.[0];
    const why = bind ? `SIPp could not start: ${bind}` : /Address already in use/i.test(out) ? `port ${opts.port} is taken` : `SIPp exited (${answerer.run.child.exitCode})`;
    throw new Error(`registerAsPhone(${opts.user}): ${why}; see ${answerer.run.outputFile}`);
  }
  return {
    ...answerer,
    user: opts.user,
    contact,
    registration,
    stop: async () => {
      await answerer.stop();
      const r = await register({ ...opts, expiresS: 0 }).catch(() => undefined);
      if (!r?.ok) await clearRegistrations(opts.user, contact).catch(() => undefined);
    },
  };
}

// ---------------------------------------------------------------- sendTextMessage

export interface SendTextMessageOptions {
  /** Recipient: an extension or number (user part in the lab domain) or a full SIP URI. */
  to: string;
  /** The text (sent as UTF-8; SIPp appends CRLF after it). */
  body: string;
  /** Default 'text/plain;charset=UTF-8'. */
  contentType?: string;
  /** Extra headers, e.g. { 'X-Frontdesk-Conversation': 'c-1' }. */
  headers?: Record<string, string>;
  /** Send as a lab extension (digest auth answered); default: an outside sender `from`. */
  asExtension?: string | { user: string; password: string };
  /** Sender number when not `asExtension`. Default '+74950000000'. */
  from?: string;
  /**
   * 'udp' (default): SIPp over UDP. 'ws': JsSIP over the lab's WebSocket, exactly Frontdesk's
   * path (needs `asExtension`; no SIPp trace then).
   */
  transport?: 'udp' | 'ws';
  stateDir?: string;
}

export interface SendTextMessageResult {
  /** Final status of the (last) MESSAGE, 0 if none arrived. */
  code: number;
  reason: string;
  /** The Call-ID ('' over WebSocket: JsSIP picks it). */
  callId: string;
  /** SIPp's trace ('' and [] over WebSocket). */
  messagesFile: string;
  messages: SipTraceMessage[];
}

const wsMessageMain = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ws-message-main.ts');

async function sendTextMessageWs(opts: SendTextMessageOptions, auth: { user: string; password: string } | undefined, ruri: string): Promise<SendTextMessageResult> {
  if (!auth) throw new Error("sendTextMessage: transport 'ws' needs asExtension (WebSocket clients authenticate)");
  const payload = { ...auth, to: ruri, body: opts.body, contentType: opts.contentType ?? 'text/plain;charset=UTF-8', headers: opts.headers ?? {} };
  const argv = inLabNet([process.execPath, '--import', 'tsx', wsMessageMain, JSON.stringify(payload)]);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (stdout.trim()) resolve(stdout.trim().split('\n').at(-1)!);
      else reject(new Error(`sendTextMessage over WebSocket: helper exited ${code}: ${stderr.trim()}`));
    });
  });
  const r = JSON.parse(out) as { code: number; reason: string; cause?: string };
  return { code: r.code, reason: r.reason || r.cause || '', callId: '', messagesFile: '', messages: [] };
}

const headerSafe = (v: string, what: string): string => {
  if (/[\r\n]/.test(v)) throw new Error(`${what} must not contain line breaks: ${JSON.stringify(v)}`);
  return v;
};

/** One out-of-dialog SIP MESSAGE through the PBX (a lab-side stand-in for a sender such as Frontdesk). */
export async function sendTextMessage(opts: SendTextMessageOptions): Promise<SendTextMessageResult> {
  let auth: { user: string; password: string } | undefined;
  let fromUser = opts.from ?? '+74950000000';
  let fromDomain = carrierDomain;
  if (opts.asExtension !== undefined) {
    auth = typeof opts.asExtension === 'string' ? labAccount(opts.asExtension) : opts.asExtension;
    fromUser = auth.user;
    fromDomain = labDomain;
  }
  if (!/^[A-Za-z0-9+*#._-]+$/.test(fromUser)) throw new Error(`sendTextMessage: unusable sender ${JSON.stringify(fromUser)}`);
  const ruri = /^sips?:/.test(opts.to) ? opts.to : `sip:${opts.to}@${labDomain}`;
  if (!/^sips?:[^\s<>"]+$/.test(ruri)) throw new Error(`sendTextMessage: unusable recipient ${JSON.stringify(opts.to)}`);
  const extra = [`Content-Type: ${headerSafe(opts.contentType ?? 'text/plain;charset=UTF-8', 'contentType')}`, 'User-Agent: Frontdesk lab (SIPp)'];
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (!/^[A-Za-z0-9!%*_+`'~.-]+$/.test(k)) throw new Error(`sendTextMessage: bad header name ${JSON.stringify(k)}`);
    extra.push(`${k}: ${headerSafe(v, k)}`);
  }
  if (opts.transport === 'ws') return sendTextMessageWs(opts, auth, ruri);
  const callId = newCallId();
  const run = startSipp({
    scenario: 'message.xml',
    name: runName(`message-${fromUser.replace(/[^A-Za-z0-9]/g, '')}`),
    remote: `${labHost}:${labSipPort}`,
    localPort: randomSipPort(),
    timeoutS: 40,
    keys: {
      domain: labDomain,
      ruri,
      from_hdr: `<sip:${fromUser}@${fromDomain}>`,
      to_hdr: `<${ruri}>`,
      extra_hdrs: extra.join('\r\n'),
      body: opts.body,
    },
    args: ['-m', '1', '-l', '1', '-cid_str', callId.replace(/%/g, '%%'), ...(auth ? ['-au', auth.user, '-ap', auth.password, '-auth_uri', ruri] : [])],
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
  });
  await run.exited;
  const messages = readSippTrace(run.messagesFile);
  const finals = messages.filter((m) => m.direction === 'received' && m.cseq.method === 'MESSAGE' && (m.status ?? 0) >= 200);
  const last = finals.find((m) => m.status !== 407 && m.status !== 401) ?? finals.at(-1);
  return { code: last?.status ?? 0, reason: last?.reason ?? '', callId, messagesFile: run.messagesFile, messages };
}
