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

const noRtp = (): RtpStats => ({ packetsIn: 0, packetsOut: 0, bytesIn: 0, byPayloadType: {} });

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

export interface PlaceCallOptions {
  /** Caller number/user, e.g. '+74951234567' (or an extension with `asExtension`). */
  from: string;
  /** Called extension or number, e.g. '1000'. */
  to: string;
  /** Caller display name (optional). */
  fromName?: string;
  /** Send BYE this long after the answer. Default: wait for the far end to hang up (up to maxCallMs). */
  hangupAfterMs?: number;
  /** Send CANCEL this long after the first 180/183 (a missed call). */
  cancelAfterMs?: number;
  /** Call-ID to use (default: a unique one). rtpengine's `query(callId)` uses it. */
  callId?: string;
  /** Give up (CANCEL) when there is no final answer within this time. Default 120 s. */
  answerTimeoutMs?: number;
  /** Hard limit for the whole SIPp run. Default 10 min. */
  maxCallMs?: number;
  /**
   * Another UAC scenario (file name in scripts/lab/sipp/ or a path) that takes the same keys,
   * e.g. 'reinvite-uac.xml' (the caller puts the callee on hold and back with re-INVITEs).
   */
  scenario?: string;
  /** More -key values for the scenario. */
  keys?: Record<string, string | number>;
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
  stateDir?: string;
}

export type CallEnd = 'remote-bye' | 'local-bye' | 'cancelled' | 'failed';

export interface CallResult {
  callId: string;
  /** DTMF the caller received (RFC 4733 and INFO), in order, and each event. */
  dtmf: string;
  dtmfEvents: DtmfEvent[];
  /** RTP of the call at the caller's media endpoint. */
  rtp: RtpStats;
  /** Re-INVITEs the caller received (e.g. the softphone's hold) and its answers. */
  reinvites: ReinviteAnswer[];
  /** Final status code of the INVITE (0 when none arrived). */
  code: number;
  reason: string;
  ended: CallEnd;
  /** A 180/183 arrived. */
  ringing: boolean;
  /** Wall-clock time of the 200 OK and of the BYE (from the trace), if any. */
  answeredAt?: string;
  endedAt?: string;
  sippExitCode: number | null;
  messagesFile: string;
  dir: string;
  messages: SipTraceMessage[];
}

export interface PlacedCall {
  callId: string;
  /** Resolves when the call is over and SIPp has exited. */
  result: Promise<CallResult>;
  /** Hang up now (BYE if answered, CANCEL while ringing), then resolve like `result`. */
  stop(): Promise<CallResult>;
  /** DTMF received so far (RFC 4733 and SIP INFO alike, in arrival order). */
  dtmf(): string;
  dtmfEvents(): DtmfEvent[];
  /** Wait until the received DTMF contains `digits` (default 10 s); resolves with all digits received. */
  waitForDtmf(digits: string, timeoutMs?: number): Promise<string>;
  /** Send RFC 4733 DTMF to the far end (the call must be answered and not held). */
  sendDtmf(digits: string, opts?: Omit<SendDtmfOptions, 'callId'>): Promise<void>;
  /** RTP counters of the call (packets received per payload type, packets sent). */
  rtp(): RtpStats;
  /** Re-INVITEs received so far and how they were answered. */
  reinvites(): ReinviteAnswer[];
  /** UDP port of the call's media endpoint (the port in the caller's SDP). */
  mediaPort: number;
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
type MediaFields = 'dtmf' | 'dtmfEvents' | 'rtp' | 'reinvites';

export function callOutcome(messages: SipTraceMessage[]): Omit<CallResult, 'callId' | 'sippExitCode' | 'messagesFile' | 'dir' | 'messages' | MediaFields> {
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
  const r: Omit<CallResult, 'callId' | 'sippExitCode' | 'messagesFile' | 'dir' | 'messages' | MediaFields> = {
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

/** Place one call into the lab (outside caller by default). */
export function placeCall(opts: PlaceCallOptions): PlacedCall {
  const callId = opts.callId ?? newCallId();
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
  const fromHdr = `${name ? `"${q(name)}" ` : ''}<sip:${fromUser}@${fromDomain}>`;
  const runDirName = runName(`call-${opts.to.replace(/[^A-Za-z0-9]/g, '')}`);
  const collide = reinviteKeys(opts, 'placeCall');
  const mediaPort = pickMediaPort();

  const launch = (port: number): SippRun => {
    const args = ['-m', '1', '-l', '1', '-s', opts.to, '-cid_str', callId.replace(/%/g, '%%')];
    if (auth) args.push('-au', auth.user, '-ap', auth.password, '-auth_uri', `sip:${opts.to}@${labDomain}`);
    return startSipp({
      scenario: opts.scenario ?? 'uac.xml',
      name: runDirName,
      remote: `${labHost}:${labSipPort}`,
      localPort: port,
      timeoutS: maxCallMs / 1000,
      keys: {
        domain: labDomain,
        from_hdr: fromHdr,
        from_user: fromUser,
        hangup_after_ms: Math.max(0, Math.round(opts.hangupAfterMs ?? 0)),
        cancel_after_ms: Math.max(0, Math.round(opts.cancelAfterMs ?? 0)),
        answer_timeout_ms: Math.max(100, Math.round(answerTimeoutMs)),
        lab_media_port: mediaPort,
        ...collide,
        ...opts.keys,
      },
      args,
      ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    });
  };

  let port = randomSipPort();
  let run = launch(port);
  fs.writeFileSync(`${run.dir}/call.json`, `${JSON.stringify({ callId, ...opts, asExtension: auth?.user, mediaPort }, null, 2)}\n`);
  // (a relaunch on another SIP port writes to the same run directory and trace)
  const media = startMedia({ port: mediaPort, messagesFile: run.messagesFile, maxLifeMs: maxCallMs + 30_000 });

  const mediaOfCall = (): CallMediaState | undefined => media.state().calls.find((c) => c.callId === callId);
  const dtmfEvents = (messages = readSippTrace(run.messagesFile)): DtmfEvent[] =>
    mergeDtmf(infoDtmf(messages).filter((i) => i.callId === callId), mediaOfCall());
  const rtp = (): RtpStats => mediaOfCall()?.rtp ?? noRtp();

  const result = (async (): Promise<CallResult> => {
    try {
      for (let attempt = 1; ; attempt++) {
        const { code } = await run.exited;
        const messages = readSippTrace(run.messagesFile);
        const out = fs.existsSync(run.outputFile) ? fs.readFileSync(run.outputFile, 'utf8') : '';
        // the random local port was taken: nothing was sent, try another one
        if (code !== 0 && messages.length === 0 && attempt < 4 && /bind|Address already in use/i.test(out)) {
          port = randomSipPort();
          run = launch(port);
          continue;
        }
        await media.stop();
        const events = dtmfEvents(messages);
        return {
          callId,
          ...callOutcome(messages),
          dtmf: events.map((e) => e.digit).join(''),
          dtmfEvents: events,
          rtp: rtp(),
          reinvites: reinviteAnswers(messages).filter((r) => r.callId === callId),
          sippExitCode: code,
          messagesFile: run.messagesFile,
          dir: run.dir,
          messages,
        };
      }
    } finally {
      await media.stop();
    }
  })();

  const dtmf = (): string => dtmfEvents().map((e) => e.digit).join('');
  return {
    callId,
    result,
    dtmf,
    dtmfEvents: () => dtmfEvents(),
    waitForDtmf: (digits, timeoutMs = 10_000) =>
      waitDigits(() => dtmfEvents(), digits, timeoutMs, `placeCall(${callId})`, () =>
        media.state().error ?? (run.child.exitCode !== null || run.child.signalCode !== null ? 'the call is over' : undefined),
      ),
    sendDtmf: (digits, o = {}) => media.sendDtmf(digits, { ...o, callId }),
    rtp,
    reinvites: () => reinviteAnswers(readSippTrace(run.messagesFile)).filter((r) => r.callId === callId),
    mediaPort,
    stop: async () => {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        await udpSend(port, hangupRequest(callId, port)).catch(() => false);
        const done = await Promise.race([result.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 8000))]);
        if (!done) await run.stop(3000);
      }
      return result;
    },
    messagesFile: run.messagesFile,
    dir: run.dir,
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
  /** RTP counters of a call (default: the latest call). */
  rtp(callId?: string): RtpStats;
  /** Re-INVITEs received (of one call, or of all calls in order) and how we answered them. */
  reinvites(callId?: string): ReinviteAnswer[];
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
      const referredBy = m.headers['referred-by']?.[0] ?? m.headers.b?.[0];
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
export function answerCalls(opts: AnswerCallsOptions = {}): Answerer {
  const port = opts.port ?? pstnGatewayPort;
  const maxRunMs = opts.maxRunMs ?? 3_600_000;
  const mediaPort = pickMediaPort();
  const collide = reinviteKeys(opts, 'answerCalls');
  const run = startSipp({
    scenario: 'uas.xml',
    name: runName(opts.name ?? `answer-${port}`),
    localPort: port,
    timeoutS: maxRunMs / 1000,
    keys: {
      contact_user: opts.contactUser ?? 'pstn',
      ring_ms: Number.isFinite(opts.ringMs ?? 1000) ? Math.max(0, Math.round(opts.ringMs ?? 1000)) : 0,
      never_answer: opts.answer === false || opts.ringMs === Infinity ? 1 : 0,
      reject_code: opts.rejectCode ?? 0,
      hangup_after_ms: Math.max(0, Math.round(opts.hangupAfterMs ?? 0)),
      ...collide,
      lab_media_port: mediaPort,
    },
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
  });
  const media: LabMedia = startMedia({ port: mediaPort, messagesFile: run.messagesFile, maxLifeMs: maxRunMs + 30_000 });
  void run.exited.then(() => media.stop());
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
    rtp: (callId) => pick(callId)?.rtp ?? noRtp(),
    reinvites: (callId) => reinviteAnswers(readSippTrace(run.messagesFile)).filter((r) => callId === undefined || r.callId === callId),
    mediaPort,
    hangup,
    stop: async () => {
      if (run.child.exitCode === null && run.child.signalCode === null) await hangup().catch(() => undefined);
      await run.stop(3000);
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
  const answerer = answerCalls({ ...opts, port: opts.port, contactUser: opts.user, name: opts.name ?? `phone-${opts.user}` });
  const contact = `sip:${opts.user}@${labHost}:${opts.port};transport=UDP`;
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
