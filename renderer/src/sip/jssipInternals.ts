import JsSIP from 'jssip';
import * as SIPMessage from 'jssip/lib/SIPMessage';
import RTCSessionClass, { type RTCSession } from 'jssip/lib/RTCSession.js';
import type { Subscriber } from 'jssip/lib/Subscriber';
// JsSIP's own sender of requests (digest challenges answered, transactions), not exported by its index.
import RequestSenderModule from 'jssip/lib/RequestSender';
import { parseMessage } from 'jssip/lib/Parser';
import { telHeaderAsSip } from './telUri';

/**
 * Every place Frontdesk relies on JsSIP's private internals, with why each is needed. Nothing
 * else in the engine may touch an underscore member of JsSIP. Verified against JsSIP
 * `verifiedJsSipVersion`; jssipInternals.test.ts runs the real JsSIP code behind each of them and
 * fails when an upgrade changes what Frontdesk relies on.
 *
 * 1. Hold and resume without JsSIP's "end the call when the re-INVITE fails" (hold()/unhold()
 *    terminate the call on any failure, a 491 glare included): we set JsSIP's local hold flag and
 *    let it emit hold/unhold (`_localHold`, `_onhold`, `_onunhold`), then send the re-INVITE with
 *    our own handlers (`_sendReinvite`, which writes the sendonly/sendrecv direction from
 *    `_localHold`). See `setLocalHold` and `sendReinvite`.
 * 2. What JsSIP does to the microphone on hold and mute (`_toggleMuteAudio`, run from
 *    `_setLocalMediaStatus` by `_onhold`, `_onunhold`, mute() and unmute()): it flips
 *    `track.enabled` on the senders that have a track *at that moment*. Frontdesk detaches the
 *    track while a call is held (so a held caller receives nothing), so JsSIP's re-enable on
 *    resume misses it. We never rely on JsSIP for the track's state: MicrophoneGate sets it last,
 *    after every JsSIP event that may have changed it. The test pins this behaviour down.
 * 3. The SIP Call-ID of a session (`_request.call_id`): JsSIP's public `id` is Call-ID + tag.
 * 4. INVITE with Replaces: JsSIP ends the replaced call from a 'confirmed' listener of the new
 *    session, with a terminate() that throws when the replaced call already ended. See
 *    `guardReplacedTermination`.
 * 5. A 491 retry with a stale CSeq header (`OutgoingRequest.prototype.toString`). See
 *    `applyJsSipFixes`.
 * 6. What JsSIP does with a new INVITE (`RTCSession.prototype.init_incoming`): it answers 415 to
 *    any body that is not plain application/sdp (gateways send multipart/mixed with an SDP part
 *    beside ISUP), and 500 to an INVITE without a Contact (a malformed request: 400 is right).
 *    See `applyJsSipFixes` and `normaliseIncomingInvite`.
 * 7. A `tel:` URI in From or To: JsSIP's parser reads these headers with the message's
 *    `parseHeader` (IncomingMessage's, the prototype of IncomingRequest and IncomingResponse),
 *    which caches what it parsed on the header (`headers[Name][i].parsed`) and drops the whole
 *    message, unanswered, when it cannot. See `applyJsSipFixes`.
 * 8. PUBLISH (RFC 3903): JsSIP 3.13 has no publisher. An out-of-dialog request is built with
 *    `SIPMessage.OutgoingRequest` and sent with JsSIP's internal `RequestSender` (which answers
 *    the PBX's digest challenge), as JsSIP's own Message and Subscriber do. See `sendRequest`.
 * 9. What a subscription's Subscriber does not tell: the final response a SUBSCRIBE was refused
 *    with (its 'terminated' event says only "non-OK response"), and NOTIFYs without a body (no
 *    'notify' event: yet "nothing is published any more" is news). Its `_receiveSubscribeResponse`
 *    and `receiveRequest` are wrapped on the instance. See `observeSubscriber`.
 * 10. Answering prepared while the call rings: JsSIP's answer() gets the microphone, builds the
 *    peer connection, applies the offer, creates the answer and gathers candidates only once it is
 *    called, so the caller waits for all of it after the agent's click. `prepareAnswer` does the
 *    same steps while the call rings, on the session's own members (`_createRTCConnection`,
 *    `_connectionPromiseQueue`, `_createLocalDescription`, `_localMediaStream` with
 *    `_localMediaStreamLocallyGenerated`, so JsSIP's `_close` stops the microphone when the call
 *    is declined, cancelled or answered elsewhere), and `answerPrepared` is the rest of answer():
 *    the dialog (`_createDialog`), `_connecting`, the session timers
 *    (`_handleSessionTimersInIncomingRequest`) and the 200 with its retransmission and ACK timers
 *    (`_setInvite2xxTimer`, `_setACKTimer`, `_accepted`). See `prepareAnswer`.
 * 11. The first INVITE after start: JsSIP's message grammar (a generated parser) runs the rules of
 *    an INVITE's request line, Record-Route, P-Asserted-Identity, Content-Type and the like for the
 *    first time then, inside the first ringing call. `warmUpParser` reads a sample INVITE with
 *    JsSIP's own `Parser.parseMessage` once after registration (nothing is sent or kept).
 */
export const verifiedJsSipVersion = '3.13.8';

const changed = (what: string) => new Error(`JsSIP changed: ${what} (Frontdesk was verified with JsSIP ${verifiedJsSipVersion})`);

/** The response a re-INVITE failed with (undefined: no response, e.g. the offer could not be built). */
export interface ReinviteFailure {
  status_code?: number;
  reason_phrase?: string;
}

export interface ReinviteHandlers {
  succeeded: () => void;
  failed: (response?: ReinviteFailure) => void;
}

interface SessionInternals {
  _localHold: boolean;
  _onhold(originator: 'local'): void;
  _onunhold(originator: 'local'): void;
  _sendReinvite(options: { eventHandlers: ReinviteHandlers }): void;
  _request?: { call_id?: string } | null;
}

const internals = (session: RTCSession) => session as unknown as SessionInternals;

/**
 * Sets JsSIP's own idea of local hold and lets it react: `_onhold`/`_onunhold` update its media
 * state and emit 'hold'/'unhold' (originator 'local') synchronously, before this returns.
 */
export function setLocalHold(session: RTCSession, held: boolean): void {
  const s = internals(session);
  s._localHold = held;
  if (held) s._onhold('local');
  else s._onunhold('local');
}

/** Whether JsSIP thinks the call is held from this side. */
export const isLocallyHeld = (session: RTCSession): boolean => session.isOnHold().local;

/**
 * Sends a re-INVITE whose offer says what the local hold flag says (sendonly while held,
 * sendrecv otherwise). JsSIP reports the outcome to the handlers and, unlike hold()/unhold(),
 * does not end the call when it fails.
 */
export function sendReinvite(session: RTCSession, handlers: ReinviteHandlers): void {
  internals(session)._sendReinvite({ eventHandlers: handlers });
}

/** The SIP Call-ID of a session (the key rtpengine, a PBX log or a recording is found by). */
export function sipCallIdOf(session: RTCSession): string | null {
  return internals(session)._request?.call_id ?? null;
}

/**
 * JsSIP ends the replaced call from a 'confirmed' listener of the call that replaces it, with a
 * terminate() that throws when the replaced call has already ended (the transferor's BYE can
 * arrive before the caller's ACK). The throw would skip every later listener — ours included,
 * leaving the call "connecting" for ever. Its listeners are wrapped so a throw stays theirs.
 */
export function guardReplacedTermination(session: RTCSession): void {
  const emitter = session as unknown as {
    listeners(event: string): ((...args: unknown[]) => void)[];
    removeAllListeners(event: string): void;
    on(event: string, fn: (...args: unknown[]) => void): void;
  };
  const existing = emitter.listeners('confirmed');
  emitter.removeAllListeners('confirmed');
  for (const listener of existing) {
    emitter.on('confirmed', (...args: unknown[]) => {
      try {
        listener(...args);
      } catch {
        // the replaced call was already over
      }
    });
  }
}

/** The parts of JsSIP's IncomingRequest a new INVITE is read and mended through. */
export interface IncomingInvite {
  body?: string;
  hasHeader(name: string): boolean;
  getHeader(name: string): string | undefined;
  setHeader(name: string, value: string): void;
  reply(code: number, reason?: string): void;
}

/**
 * Mends a new INVITE before JsSIP reads it. A multipart/mixed body (RFC 5621) that has an SDP part
 * becomes that SDP part (the other parts, e.g. ISUP, mean nothing to a softphone); an INVITE
 * without a Contact is refused with 400 here. Returns false when the INVITE was refused.
 */
export function normaliseIncomingInvite(request: IncomingInvite): boolean {
  if (!request.hasHeader('Contact')) {
    request.reply(400, 'Missing Contact header field');
    return false;
  }
  const type = request.hasHeader('Content-Type') ? (request.getHeader('Content-Type') ?? '') : '';
  if (request.body && /^\s*multipart\//i.test(type)) {
    const sdp = sdpPartOf(type, request.body);
    if (sdp !== null) {
      request.body = sdp;
      request.setHeader('Content-Type', 'application/sdp');
    }
  }
  return true;
}

/** The application/sdp part of a multipart body, or null when it has none (or no boundary). */
export function sdpPartOf(contentType: string, body: string): string | null {
  const boundary = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) return null;
  for (const part of body.split(`--${b}`).slice(1)) {
    if (part.startsWith('--')) break; // the closing delimiter
    const split = /\r?\n\r?\n/.exec(part);
    if (!split) continue;
    const headers = part.slice(0, split.index);
    if (!/^\s*content-type\s*:\s*application\/sdp\b/im.test(headers)) continue;
    // The line break before the next delimiter belongs to the delimiter (RFC 2046); an SDP ends with one.
    const sdp = part.slice(split.index + split[0].length).replace(/\r?\n$/, '');
    return /\n$/.test(sdp) ? sdp : `${sdp}\r\n`;
  }
  return null;
}

interface MutableRequest {
  cseq: number;
  method: string;
  setHeader(name: string, value: string): void;
  toString(): string;
}

interface ParsedHeaderSlot {
  raw: string;
  parsed?: unknown;
}
interface IncomingMessageInternals {
  headers: Record<string, ParsedHeaderSlot[] | undefined> | null;
  /** Set on requests: the user agent that received it (its domain names a tel: caller's SIP URI). */
  ua?: { configuration?: { uri?: { host?: string } } };
  parseHeader(name: string, idx?: number): unknown;
}

/** The header name JsSIP keys From and To by, for the names its parser asks with ("from", "f", …). */
const nameAddrHeaders: Record<string, 'From' | 'To'> = { from: 'From', f: 'From', to: 'To', t: 'To' };

let applied = false;

/**
 * Runtime fixes for JsSIP bugs that affect a softphone, applied once when the engine loads.
 *
 * 491 re-attempt with a stale CSeq: when a re-INVITE gets 491 Request Pending, JsSIP's
 * Dialog/RequestSender re-sends it after 1 s with `request.cseq` incremented, but the CSeq
 * *header* it serialises is the old one, so the retry goes out with the CSeq the far end already
 * refused (seen in the lab: both re-INVITEs carried "CSeq: 7907 INVITE"). A strict peer treats it
 * as a retransmission or rejects it. The header is re-derived from `cseq` before serialising.
 *
 * A tel: caller: an INVITE whose From (or To) is a tel: URI (`From: <tel:+74951234567>;tag=x`,
 * as some carriers and gateways send) does not parse with JsSIP's grammar, and JsSIP drops the
 * request without a reply: the call never rings and the caller hears ringing until the proxy
 * gives up (408). Before JsSIP parses such a header, it is given the parse of the equivalent SIP
 * URI (`sip:+74951234567@<our domain>;user=phone`, telUri.ts): the call rings with the number.
 * The header's raw text is left as it came, so every reply echoes the caller's own From and To.
 */
export function applyJsSipFixes(): void {
  if (applied) return;
  applied = true;
  const sessionProto = (RTCSessionClass as unknown as { prototype: { init_incoming?: (this: RTCSession, request: IncomingInvite, ...rest: unknown[]) => void } }).prototype;
  const initIncoming = sessionProto.init_incoming;
  if (typeof initIncoming !== 'function') throw changed('RTCSession.init_incoming is gone');
  const mended = function (this: RTCSession, request: IncomingInvite, ...rest: unknown[]) {
    if (!normaliseIncomingInvite(request)) return;
    initIncoming.call(this, request, ...rest);
  };
  // JsSIP's own, for the test that pins down what it does unmended.
  Object.defineProperty(mended, 'jssipOriginal', { value: initIncoming });
  sessionProto.init_incoming = mended;
  const Outgoing = (SIPMessage as unknown as { OutgoingRequest?: { prototype: MutableRequest } }).OutgoingRequest;
  if (!Outgoing) throw changed('SIPMessage.OutgoingRequest is gone');
  const serialise = Outgoing.prototype.toString;
  Outgoing.prototype.toString = function (this: MutableRequest) {
    if (typeof this.cseq === 'number' && this.method) this.setHeader('cseq', `${this.cseq} ${this.method}`);
    return serialise.call(this);
  };

  const Incoming = (SIPMessage as unknown as { IncomingRequest?: { prototype: object } }).IncomingRequest;
  const message = Incoming ? (Object.getPrototypeOf(Incoming.prototype) as Partial<IncomingMessageInternals> | null) : null;
  if (!message || typeof message.parseHeader !== 'function') {
    throw changed('IncomingMessage.prototype.parseHeader is gone');
  }
  const parseHeader = message.parseHeader;
  message.parseHeader = function (this: IncomingMessageInternals, name: string, idx = 0) {
    const key = nameAddrHeaders[String(name).toLowerCase()];
    const slot = key ? this.headers?.[key]?.[idx] : undefined;
    if (key && slot && slot.parsed === undefined && typeof slot.raw === 'string' && /\btel:/i.test(slot.raw)) {
      const asSip = telHeaderAsSip(slot.raw, this.ua?.configuration?.uri?.host || 'invalid');
      const parsed: unknown = asSip === null ? -1 : JsSIP.Grammar.parse(asSip, key);
      if (parsed !== -1) slot.parsed = parsed;
    }
    return parseHeader.call(this, name, idx);
  };
}

// ---------------------------------------------------------------- out-of-dialog requests (PUBLISH)

/** What a response to a request sent with `sendRequest` offers. */
export interface SentRequestResponse {
  status_code: number;
  reason_phrase?: string;
  getHeader(name: string): string | undefined;
}

export interface SentRequestHandlers {
  /** The final response (a 401/407 was already answered with the account's credentials). */
  response(response: SentRequestResponse): void;
  /** No final response in time (Timer F), or the connection failed. */
  failed(cause: 'timeout' | 'transport'): void;
}

interface RequestSenderCtor {
  new (
    ua: unknown,
    request: unknown,
    handlers: { onRequestTimeout(): void; onTransportError(): void; onReceiveResponse(response: SentRequestResponse): void },
  ): { send(): void };
}

const RequestSender = ((RequestSenderModule as { default?: unknown }).default ?? RequestSenderModule) as RequestSenderCtor;

/**
 * Sends one out-of-dialog request (e.g. PUBLISH) through the user agent's connection, the way
 * JsSIP sends its own MESSAGE: digest challenges are answered, provisional responses ignored.
 */
export function sendRequest(
  ua: JsSIP.UA,
  method: string,
  target: string,
  options: { extraHeaders: string[]; body?: string },
  handlers: SentRequestHandlers,
): void {
  const Outgoing = (SIPMessage as unknown as { OutgoingRequest: new (...args: unknown[]) => unknown }).OutgoingRequest;
  if (typeof RequestSender !== 'function' || typeof Outgoing !== 'function') {
    throw changed('RequestSender or OutgoingRequest is gone');
  }
  const ruri = (ua as unknown as { normalizeTarget(target: string): unknown }).normalizeTarget(target);
  if (!ruri) throw new Error(`not a SIP target: ${target}`);
  const request = new Outgoing(method, ruri, ua, {}, options.extraHeaders, options.body);
  let done = false;
  const once = (fn: () => void) => {
    if (!done) {
      done = true;
      fn();
    }
  };
  new RequestSender(ua, request, {
    onRequestTimeout: () => once(() => handlers.failed('timeout')),
    onTransportError: () => once(() => handlers.failed('transport')),
    onReceiveResponse: (response) => {
      if (response.status_code >= 200) once(() => handlers.response(response));
    },
  }).send();
}

// ---------------------------------------------------------------- what a Subscriber does not tell

/** A NOTIFY of a subscription, with or without a body. */
export interface SubscriptionNotify {
  body: string | null;
  contentType: string | null;
  /** The subscription ends with this NOTIFY (Subscription-State: terminated). */
  final: boolean;
}

export interface SubscriberObserver {
  /** Every NOTIFY the subscription accepted (JsSIP answered it 200), after JsSIP handled it. */
  notify(notify: SubscriptionNotify): void;
  /** The final response to each SUBSCRIBE of the subscription (initial, refresh, un-subscribe). */
  response(status: number, reasonPhrase: string | null, retryAfterS: number | null): void;
}

interface SubscriberInternals {
  receiveRequest(request: { method?: string; body?: string; getHeader(name: string): string | undefined; reply(code: number, ...rest: unknown[]): unknown }): void;
  _receiveSubscribeResponse(response: SentRequestResponse): void;
}

/**
 * Reports what `Subscriber` keeps to itself (see point 9): every NOTIFY it accepted, bodiless ones
 * included (JsSIP's events for it, 'notify' and a final 'terminated', come first), and the final
 * response of every SUBSCRIBE with its code.
 */
export function observeSubscriber(subscriber: Subscriber, observer: SubscriberObserver): void {
  const s = subscriber as unknown as SubscriberInternals;
  if (typeof s.receiveRequest !== 'function' || typeof s._receiveSubscribeResponse !== 'function') {
    throw changed('Subscriber.receiveRequest or _receiveSubscribeResponse is gone');
  }
  const receiveRequest = s.receiveRequest.bind(subscriber);
  s.receiveRequest = (request) => {
    // JsSIP answers every NOTIFY it takes with 200; one it refuses (wrong Event, no Subscription-State) with 4xx.
    let answered = 0;
    const reply = request.reply.bind(request);
    request.reply = (code: number, ...rest: unknown[]) => {
      answered = code;
      return reply(code, ...rest);
    };
    receiveRequest(request);
    if (request.method === 'NOTIFY' && answered >= 200 && answered < 300) {
      observer.notify({
        body: request.body ? request.body : null,
        contentType: request.getHeader('Content-Type') ?? null,
        final: /^\s*terminated\b/i.test(request.getHeader('Subscription-State') ?? ''),
      });
    }
  };
  const receiveResponse = s._receiveSubscribeResponse.bind(subscriber);
  s._receiveSubscribeResponse = (response) => {
    const retry = Number.parseInt(response.getHeader('Retry-After') ?? '', 10);
    if (response.status_code >= 200) observer.response(response.status_code, response.reason_phrase ?? null, Number.isFinite(retry) ? retry : null);
    receiveResponse(response);
  };
}

// ---------------------------------------------------------------- answering prepared while ringing

/** A call's answer made while it rings: the microphone (detached and disabled) and the local SDP. */
export interface PreparedAnswer {
  stream: MediaStream;
  track: MediaStreamTrack;
  sender: RTCRtpSender;
}

interface IncomingInviteRequest {
  body?: string;
  reply(code: number, reason?: string | null, extraHeaders?: string[], body?: string, onSuccess?: () => void, onFailure?: () => void): void;
}

interface AnsweringInternals {
  _status: number;
  _direction: string | null;
  _late_sdp: boolean;
  _request: IncomingInviteRequest | null;
  _contact: string;
  _connection: RTCPeerConnection | null;
  _connectionPromiseQueue: Promise<unknown>;
  _localMediaStream: MediaStream | null;
  _localMediaStreamLocallyGenerated: boolean;
  _rtcAnswerConstraints: unknown;
  _rtcOfferConstraints: unknown;
  _timers: { userNoAnswerTimer?: ReturnType<typeof setTimeout> };
  _createRTCConnection(pcConfig: RTCConfiguration, rtcConstraints: unknown): void;
  _createLocalDescription(type: 'answer', constraints: unknown): Promise<string>;
  _createDialog(request: IncomingInviteRequest, type: 'UAS', early?: boolean): boolean;
  _connecting(request: IncomingInviteRequest): void;
  _handleSessionTimersInIncomingRequest(request: IncomingInviteRequest, extraHeaders: string[]): void;
  _setInvite2xxTimer(request: IncomingInviteRequest, body: string): void;
  _setACKTimer(): void;
  _accepted(originator: 'local'): void;
  _failed(originator: 'system', message: null, cause: string): void;
}

const sessionStatus = () => (RTCSessionClass as unknown as { C: { STATUS_WAITING_FOR_ANSWER: number; STATUS_ANSWERED: number; STATUS_WAITING_FOR_ACK: number } }).C;

const answeringMembers = [
  '_createRTCConnection',
  '_createLocalDescription',
  '_createDialog',
  '_connecting',
  '_handleSessionTimersInIncomingRequest',
  '_setInvite2xxTimer',
  '_setACKTimer',
  '_accepted',
  '_failed',
] as const;

function answering(session: RTCSession): AnsweringInternals {
  const s = session as unknown as AnsweringInternals;
  for (const m of answeringMembers) if (typeof s[m] !== 'function') throw changed(`RTCSession.${m} is gone`);
  if (typeof sessionStatus()?.STATUS_WAITING_FOR_ANSWER !== 'number') throw changed('RTCSession.C.STATUS_WAITING_FOR_ANSWER is gone');
  return s;
}

/** Whether a call still rings here with an offer in its INVITE (what `prepareAnswer` needs). */
export function canPrepareAnswer(session: RTCSession): boolean {
  const s = session as unknown as AnsweringInternals;
  return s._direction === 'incoming' && s._status === sessionStatus().STATUS_WAITING_FOR_ANSWER && !s._late_sdp && !s._connection && typeof s._request?.body === 'string';
}

/**
 * Does, while a call rings, what JsSIP's answer() does after the click before its 200 OK: the
 * microphone (from `microphone()`), the peer connection (JsSIP's own, so 'peerconnection' is
 * emitted as usual), the caller's offer applied, the answer created and its candidates gathered.
 * The microphone is given to JsSIP as a stream it made itself, so every end of the call JsSIP
 * knows (declined, CANCEL, answered elsewhere, a failure) stops it; until `answerPrepared` the
 * track is disabled and not on the sender, so nothing of the agent can reach the caller.
 *
 * Resolves with what was prepared, or null when the call stopped ringing meanwhile (then nothing
 * is left: the microphone is stopped). Rejects when a step failed: the session is back as it was
 * (no connection, no microphone), and JsSIP's own answer() can still answer it.
 */
export async function prepareAnswer(session: RTCSession, options: { pcConfig: RTCConfiguration; microphone: () => Promise<MediaStream> }): Promise<PreparedAnswer | null> {
  const s = answering(session);
  if (!canPrepareAnswer(session)) return null;
  const ringing = () => s._status === sessionStatus().STATUS_WAITING_FOR_ANSWER;
  const stream = await options.microphone();
  const track = stream.getAudioTracks()[0];
  const stop = () => stream.getTracks().forEach((t) => t.stop());
  if (!ringing() || s._connection || !track) {
    stop();
    if (!track && ringing()) throw new Error('the microphone gave no audio track');
    return null;
  }
  track.enabled = false;
  s._createRTCConnection(options.pcConfig, null);
  // (read through a function: the check above narrowed `_connection` to null)
  const connection = () => (s as { _connection: RTCPeerConnection | null })._connection;
  const pc = connection();
  if (!pc) throw changed('RTCSession._createRTCConnection made no connection');
  s._localMediaStream = stream;
  s._localMediaStreamLocallyGenerated = true;
  try {
    const sender = pc.addTrack(track, stream);
    // Off the sender until Answer (disabled as well meanwhile: no media can flow before the offer
    // and answer are applied and ICE and DTLS are through, long after this has taken effect).
    void sender.replaceTrack(null).catch(() => undefined);
    const offer = s._request!.body!;
    const applied = s._connectionPromiseQueue.then(() => pc.setRemoteDescription({ type: 'offer', sdp: offer }));
    s._connectionPromiseQueue = applied.catch(() => undefined);
    await applied;
    if (!ringing()) return null;
    await s._createLocalDescription('answer', null);
    if (!ringing()) return null;
    return { stream, track, sender };
  } catch (error) {
    if (ringing() && connection() === pc) {
      // back as it was: JsSIP's answer() builds its own
      s._connection = null;
      s._localMediaStream = null;
      s._localMediaStreamLocallyGenerated = false;
      pc.close();
    }
    stop();
    throw error;
  }
}

/**
 * Answers a call prepared by `prepareAnswer`: the microphone goes on the sender and is enabled,
 * and the 200 OK goes out with the answer already made, as JsSIP's answer() sends it (dialog,
 * session timers, 200 retransmissions until the ACK, 'connecting' and 'accepted' events).
 * Throws when the call no longer rings (as JsSIP's answer() does).
 */
export function answerPrepared(session: RTCSession, prepared: PreparedAnswer, extraHeaders: string[] = []): void {
  const s = answering(session);
  const C = sessionStatus();
  if (s._direction !== 'incoming' || s._status !== C.STATUS_WAITING_FOR_ANSWER || !s._connection) throw new Error('the call is not ringing with a prepared answer');
  const request = s._request!;
  const headers = [...extraHeaders];
  s._rtcAnswerConstraints = null;
  s._rtcOfferConstraints = null;
  s._status = C.STATUS_ANSWERED;
  if (!s._createDialog(request, 'UAS')) {
    request.reply(500, 'Error creating dialog');
    return;
  }
  clearTimeout(s._timers.userNoAnswerTimer);
  headers.unshift(`Contact: ${s._contact}`);
  prepared.track.enabled = true;
  void prepared.sender.replaceTrack(prepared.track).catch(() => undefined);
  s._connecting(request);
  const sdp = s._connection.localDescription?.sdp ?? '';
  s._handleSessionTimersInIncomingRequest(request, headers);
  request.reply(
    200,
    null,
    headers,
    sdp,
    () => {
      s._status = C.STATUS_WAITING_FOR_ACK;
      s._setInvite2xxTimer(request, sdp);
      s._setACKTimer();
      s._accepted('local');
    },
    () => s._failed('system', null, JsSIP.C.causes.CONNECTION_ERROR),
  );
}

/** An INVITE as a PBX sends one to a desk (point 11): every header a real one carries, a G.711/Opus offer. */
export const sampleInvite = [
  'INVITE sip:1000@192.0.2.10:55060;transport=ws SIP/2.0',
  'Record-Route: <sip:192.0.2.1;transport=ws;r2=on;lr=on;ftag=as1>',
  'Record-Route: <sip:192.0.2.1;r2=on;lr=on;ftag=as1>',
  'Via: SIP/2.0/WSS 192.0.2.1:8443;branch=z9hG4bK1a2b3c.0',
  'Via: SIP/2.0/UDP 192.0.2.2:5060;rport=5060;received=192.0.2.2;branch=z9hG4bK-4d5e6f',
  'Max-Forwards: 69',
  'From: "Ivan Petrov" <sip:+74951234567@192.0.2.2>;tag=as1',
  'To: <sip:1000@lab.frontdesk.test>',
  'Call-ID: warm-up-0001@192.0.2.2',
  'CSeq: 102 INVITE',
  'Contact: <sip:+74951234567@192.0.2.2:5060>',
  'P-Asserted-Identity: "Ivan Petrov" <sip:+74951234567@192.0.2.2>',
  'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, INFO, UPDATE',
  'Supported: replaces, timer',
  'Session-Expires: 1800;refresher=uac',
  'Min-SE: 90',
  'User-Agent: PBX',
  'Content-Type: application/sdp',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

/** Reads `sampleInvite` with JsSIP's parser, so the first real INVITE does not compile its grammar (point 11). */
export function warmUpParser(ua: JsSIP.UA): boolean {
  return parseMessage(sampleInvite, ua) !== undefined;
}
