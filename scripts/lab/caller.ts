/**
 * SIPp-driven parties for tests:
 * - placeCall: an outside caller (carrier trunk, no auth) or an extension
 *   (digest auth) calling into the lab with real G.711 A-law audio;
 * - answerCalls: the "PSTN gateway" / outside number answering on 127.0.0.1:5070;
 * - registerAsPhone: an ordinary SIP desk phone registered as an extension.
 * Every SIPp run is bounded in time and writes its message trace under
 * <state>/sipp/<run>/; nothing is left running after stop()/result.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  carrierDomain,
  labAccount,
  labDomain,
  labHost,
  labSipPort,
  pstnGatewayPort,
} from './config';
import { parseNameAddr, readSippTrace, runName, startSipp, type SipTraceMessage, type SippRun } from './sipp';
import { clearRegistrations } from './lab';
import { udpSend } from './probes';

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
   * Call as a lab extension: From sip:USER@lab domain, answering the PBX's 407
   * with the account's password. `from` is ignored when set.
   */
  asExtension?: string | { user: string; password: string };
  stateDir?: string;
}

export type CallEnd = 'remote-bye' | 'local-bye' | 'cancelled' | 'failed';

export interface CallResult {
  callId: string;
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
export function callOutcome(messages: SipTraceMessage[]): Omit<CallResult, 'callId' | 'sippExitCode' | 'messagesFile' | 'dir' | 'messages'> {
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
  const r: Omit<CallResult, 'callId' | 'sippExitCode' | 'messagesFile' | 'dir' | 'messages'> = {
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

  const launch = (port: number): SippRun => {
    const args = ['-m', '1', '-l', '1', '-s', opts.to, '-cid_str', callId.replace(/%/g, '%%')];
    if (auth) args.push('-au', auth.user, '-ap', auth.password, '-auth_uri', `sip:${opts.to}@${labDomain}`);
    return startSipp({
      scenario: 'uac.xml',
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
      },
      args,
      ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    });
  };

  let port = randomSipPort();
  let run = launch(port);
  fs.writeFileSync(`${run.dir}/call.json`, `${JSON.stringify({ callId, ...opts, asExtension: auth?.user }, null, 2)}\n`);

  const result = (async (): Promise<CallResult> => {
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
      return { callId, ...callOutcome(messages), sippExitCode: code, messagesFile: run.messagesFile, dir: run.dir, messages };
    }
  })();

  return {
    callId,
    result,
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
  /** Ring this long before answering (or rejecting). Default 1000 ms. */
  ringMs?: number;
  /** Reject every call with this code instead of answering: 486, 480, 603, 404, 503 or 488. */
  rejectCode?: 486 | 480 | 603 | 404 | 503 | 488;
  /** Hang up (BYE) this long after answering; default: wait for the caller's BYE. */
  hangupAfterMs?: number;
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
  /** Our final answer (200 / reject code / 487 when cancelled), if sent. */
  answer?: number;
  cancelled: boolean;
  byeFrom?: 'caller' | 'us';
  /** Bodies of SIP INFO requests in the call (DTMF from JsSIP arrives this way by default). */
  infos: Array<{ contentType: string; body: string }>;
  /** DTMF digits from INFO bodies (application/dtmf-relay "Signal=" or application/dtmf). */
  dtmf: string;
  reinvites: number;
}

export interface Answerer {
  port: number;
  /** SIPp message trace (-trace_msg) of everything received and sent. */
  messagesFile: string;
  dir: string;
  /** Calls seen so far, parsed from the trace. */
  calls(): ReceivedCall[];
  /** Wait until at least `count` calls arrived. */
  waitForCalls(count?: number, timeoutMs?: number): Promise<ReceivedCall[]>;
  /** Hang up calls in progress (all, or one Call-ID): BYE when answered, 486 while ringing. */
  hangup(callId?: string): Promise<void>;
  /** Hangs up calls in progress, then stops SIPp. */
  stop(): Promise<void>;
  run: SippRun;
}

/** Summaries of the incoming calls in a UAS trace. */
export function receivedCalls(messages: SipTraceMessage[]): ReceivedCall[] {
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
        cancelled: false,
        infos: [],
        dtmf: '',
        reinvites: 0,
      };
      if (fa.displayName) c.fromName = fa.displayName;
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
      const sig = /Signal\s*=\s*([0-9A-D*#])/i.exec(m.body)?.[1] ?? (/dtmf/i.test(contentType) ? m.body.trim().slice(0, 1) : '');
      if (sig) c.dtmf += sig.toUpperCase();
    }
  }
  return [...byId.values()];
}

/** Answer calls like an outside number / PSTN gateway (default 127.0.0.1:5070). */
export function answerCalls(opts: AnswerCallsOptions = {}): Answerer {
  const port = opts.port ?? pstnGatewayPort;
  const run = startSipp({
    scenario: 'uas.xml',
    name: runName(opts.name ?? `answer-${port}`),
    localPort: port,
    timeoutS: (opts.maxRunMs ?? 3_600_000) / 1000,
    keys: {
      contact_user: opts.contactUser ?? 'pstn',
      ring_ms: Math.max(0, Math.round(opts.ringMs ?? 1000)),
      reject_code: opts.rejectCode ?? 0,
      hangup_after_ms: Math.max(0, Math.round(opts.hangupAfterMs ?? 0)),
    },
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
  });
  const calls = (): ReceivedCall[] => receivedCalls(readSippTrace(run.messagesFile));
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
    hangup,
    stop: async () => {
      if (run.child.exitCode === null && run.child.signalCode === null) await hangup().catch(() => undefined);
      await run.stop(3000);
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
