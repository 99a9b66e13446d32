import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRTCSessionEvent, OutgoingRTCSessionEvent } from 'jssip/lib/UA';
import type { SipAccount } from '../../../common/provisioning';
import { applyJsSipFixes } from './jssipFixes';
import { emptyCalls, liveCalls, reduceCalls, type Call, type CallEndReason, type CallEvent, type CallOrigin, type CallsState, type Party } from './callMachine';
import {
  ConversationIdSchema,
  decodeHandoff,
  encodeHandoff,
  handoffHeaders,
  handoffText,
  parseTransferCount,
  type HandoffNote,
} from '../../../common/transfer';
import { base64 } from './handoff';

/** The parts of JsSIP's RTCSession used to send a hold re-INVITE without its end-the-call-on-failure. */
interface SessionInternals {
  _localHold: boolean;
  _onhold(originator: 'local'): void;
  _onunhold(originator: 'local'): void;
  _sendReinvite(options: {
    eventHandlers: { succeeded?: () => void; failed?: (response?: { status_code?: number; reason_phrase?: string }) => void };
  }): void;
  isReadyToReOffer(): boolean;
}

/**
 * The SIP engine: one JsSIP user agent, created once outside React, and the calls it carries.
 * It turns JsSIP's events into call-machine events and keeps one immutable snapshot that React
 * reads with useSyncExternalStore. Only this folder imports JsSIP.
 */

export type Registration =
  | { state: 'no-account' }
  | { state: 'connecting' }
  | { state: 'registering' }
  | { state: 'registered'; since: number }
  /** The PBX refused the registration: the reason says why and what to check. */
  | { state: 'failed'; reason: string }
  /** The PBX cannot be reached; JsSIP keeps retrying and re-registers when it is back. */
  | { state: 'disconnected'; reason: string };

/** A text message (SIP MESSAGE) that reached this desk: a colleague's handoff note or any other text. */
export interface TextMessage {
  id: string;
  from: Party;
  body: string;
  at: number;
  /** The structured note when the sender was Frontdesk. */
  note: HandoffNote | null;
  /** The call it belongs to, once known. */
  callId: string | null;
}

export interface EngineSnapshot {
  account: { user: string; domain: string; displayName: string | null } | null;
  registration: Registration;
  calls: CallsState;
  /** Text messages received, newest last (the last 50). */
  messages: readonly TextMessage[];
}

export interface MediaStats {
  callId: string;
  sipCallId: string;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Energy of the audio received so far (WebRTC's totalAudioEnergy): flat while the far end is muted. */
  audioEnergyReceived: number;
  /** RTCPeerConnection's ICE and overall connection state. */
  iceState: string;
  connectionState: string;
}

/** What the engine takes from the settings. */
export interface EnginePreferences {
  dnd: 'off' | 'reject' | 'missed';
  microphoneId: string;
  /** How long a consultation call may ring before the transfer is given up (seconds). */
  transferRingTimeoutS: number;
}

/** How long a note that came as a SIP MESSAGE waits for the transferred call it announces. */
const pendingNoteMs = 120_000;
/** How long the caller's phone has to report a transfer's outcome (NOTIFY) after REFER. */
const referReportTimeoutMs = 15_000;

export interface EngineOptions {
  /** Plays the far end's audio; the engine hands it a stream per call. */
  playRemote?: (callId: string, stream: MediaStream | null) => void;
  now?: () => number;
  onIgnoredTransition?: (detail: string) => void;
}

const endReasonFor = (originator: string, cause: string, wasAnswered: boolean, direction: 'inbound' | 'outbound'): CallEndReason => {
  const C = JsSIP.C.causes;
  if (cause === C.BYE) return originator === 'local' ? 'hangup-local' : 'hangup-remote';
  if (cause === C.CANCELED) return direction === 'inbound' ? 'missed' : 'cancelled';
  if (cause === C.REJECTED && originator === 'local') return 'declined';
  if (cause === C.NO_ANSWER || cause === C.EXPIRES) return 'no-answer';
  if (cause === C.BUSY || cause === C.REJECTED || cause === C.NOT_FOUND || cause === C.UNAVAILABLE || cause === C.ADDRESS_INCOMPLETE) {
    return direction === 'outbound' ? 'rejected' : 'failed';
  }
  if (wasAnswered && (cause === C.RTP_TIMEOUT || cause === C.REQUEST_TIMEOUT || cause === C.CONNECTION_ERROR)) return 'failed';
  return 'failed';
};

function describeRegistrationFailure(cause: string | undefined, status?: number, reason?: string): string {
  const C = JsSIP.C.causes;
  const sip = status ? ` (${status}${reason ? ` ${reason}` : ''})` : '';
  switch (cause) {
    case C.AUTHENTICATION_ERROR:
      return `wrong user name or password${sip}`;
    case C.REJECTED:
      return `the PBX refused this account${sip}`;
    case C.NOT_FOUND:
      return `the PBX does not know this account${sip}`;
    case C.CONNECTION_ERROR:
    case C.REQUEST_TIMEOUT:
      return 'the PBX did not answer';
    default:
      return `${cause ?? 'registration failed'}${sip}`;
  }
}

/**
 * JsSIP ends the replaced call from a 'confirmed' listener of the call that replaces it, with a
 * terminate() that throws when the replaced call has already ended (the transferor's BYE can
 * arrive before the caller's ACK). The throw would skip every later listener — ours included,
 * leaving the call "connecting" for ever. Its listeners are wrapped so a throw stays theirs.
 */
function guardReplacedTermination(session: RTCSession) {
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

/** "Sales (1001)", or the number alone. */
const targetLabel = (p: Party) => (p.displayName ? `${p.displayName} (${p.number})` : p.number);

/** A new conversation id: unique across desks, fit for a SIP header. */
function newConversationId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** JsSIP's 'refer' event on a session, as used here. */
interface ReferEvent {
  request: { refer_to?: { uri?: { user?: string } }; getHeader(name: string): string | undefined };
  accept(initCallback: (session: RTCSession) => void, options: object): void;
  reject(): void;
}

/** Who a Referred-By header names ("Accounting" <sip:1002@pbx>), or null when there is none or it does not parse. */
export function referringParty(headers: Record<string, { raw?: string }[]> | undefined): Party | null {
  const raw = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'referred-by' || name.toLowerCase() === 'b')?.[1][0]?.raw;
  if (!raw) return null;
  const parsed = JsSIP.NameAddrHeader.parse(raw.trim()) as { uri?: { user?: string }; display_name?: string } | undefined;
  const number = parsed?.uri?.user;
  return number ? { number, displayName: parsed.display_name || null } : null;
}

/** The parts of a JsSIP incoming request read here. */
interface IncomingRequest {
  body?: unknown;
  from?: { uri?: { user?: string }; display_name?: string };
  getHeader(name: string): string | undefined;
}

/** The X- headers of a request (first value each, trimmed and length-limited). */
function extensionHeaders(headers: Record<string, { raw?: string }[]> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(headers ?? {})) {
    const raw = values[0]?.raw;
    if (/^x-/i.test(name) && typeof raw === 'string') out[name] = raw.trim().slice(0, 500);
  }
  return out;
}

export class SipEngine {
  private snapshot: EngineSnapshot = { account: null, registration: { state: 'no-account' }, calls: emptyCalls, messages: [] };
  private readonly listeners = new Set<() => void>();
  private ua: JsSIP.UA | null = null;
  private readonly sessions = new Map<string, RTCSession>();
  /** Each call's audio sender and the microphone track it sends when not held or muted. */
  private readonly senders = new Map<string, { sender: RTCRtpSender; track: MediaStreamTrack }>();
  /** End reasons decided here rather than read from JsSIP's cause (calls refused by DND). */
  private readonly endOverrides = new Map<string, { reason: CallEndReason; cause: string }>();
  private prefs: EnginePreferences = { dnd: 'off', microphoneId: '', transferRingTimeoutS: 25 };
  /** Notes that came as SIP MESSAGE for a call not here yet (a blind transfer), by the caller's digits. */
  private readonly pendingNotes = new Map<string, { note: HandoffNote; conversationId: string | null; transfers: number; at: number; messageId: string }>();
  /** While JsSIP creates the call that replaces call `replacing` (INVITE with Replaces). */
  private replacing: string | null = null;
  /** Timers of transfers in progress (ring timeout, NOTIFY timeout), by the caller's call id. */
  private readonly transferTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly now: () => number;
  private nextId = 1;

  constructor(private readonly options: EngineOptions = {}) {
    applyJsSipFixes();
    this.now = options.now ?? (() => Date.now());
  }

  // ---- store for React ----
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  getSnapshot = (): EngineSnapshot => this.snapshot;

  private update(patch: Partial<EngineSnapshot>) {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  private dispatch(event: CallEvent) {
    const calls = reduceCalls(this.snapshot.calls, event, (why) =>
      this.options.onIgnoredTransition?.(`${why.event.type} ignored for call ${why.event.id} in phase ${why.phase ?? 'none'}`),
    );
    if (calls !== this.snapshot.calls) this.update({ calls });
  }

  configure(prefs: Partial<EnginePreferences>) {
    this.prefs = { ...this.prefs, ...prefs };
  }

  // ---- account ----
  start(account: SipAccount | null) {
    this.stop();
    if (!account) {
      this.update({ account: null, registration: { state: 'no-account' } });
      return;
    }
    const socket = new JsSIP.WebSocketInterface(account.wsUrl);
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: `sip:${account.user}@${account.domain}`,
      password: account.password,
      authorization_user: account.authUser ?? account.user,
      display_name: account.displayName ?? undefined,
      register: true,
      register_expires: account.registerExpires,
      session_timers: false,
      // Come back quickly after the PBX restarts or the network drops (JsSIP default: 2 s to 30 s).
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 10,
      user_agent: 'Frontdesk',
    });
    this.ua = ua;
    this.update({
      account: { user: account.user, domain: account.domain, displayName: account.displayName ?? null },
      registration: { state: 'connecting' },
    });

    const mine = (fn: (...args: never[]) => void) =>
      ((...args: never[]) => {
        if (this.ua === ua) fn(...args);
      }) as (...args: unknown[]) => void;

    ua.on('connecting', mine(() => {
      if (this.snapshot.registration.state !== 'failed') this.update({ registration: { state: 'connecting' } });
    }));
    ua.on('connected', mine(() => this.update({ registration: { state: 'registering' } })));
    ua.on('disconnected', mine(() =>
      this.update({ registration: { state: 'disconnected', reason: `cannot reach the PBX at ${account.wsUrl}; retrying` } }),
    ));
    ua.on('registered', mine(() => this.update({ registration: { state: 'registered', since: this.now() } })));
    ua.on('unregistered', mine(() => {
      if (this.snapshot.registration.state === 'registered') this.update({ registration: { state: 'registering' } });
    }));
    ua.on('registrationFailed', mine((e: { cause?: string; response?: { status_code: number; reason_phrase: string } }) => {
      if (this.snapshot.registration.state === 'disconnected' && e.cause === JsSIP.C.causes.CONNECTION_ERROR) return;
      this.update({
        registration: {
          state: 'failed',
          reason: describeRegistrationFailure(e.cause, e.response?.status_code, e.response?.reason_phrase),
        },
      });
    }));
    ua.on('newRTCSession', mine((e: IncomingRTCSessionEvent | OutgoingRTCSessionEvent) => {
      if (e.originator === 'remote') this.onIncoming(e.session, e.request as never);
    }));
    ua.on('newMessage', mine((e: { originator: string; request: IncomingRequest }) => {
      if (e.originator === 'remote') this.onTextMessage(e.request);
    }));
    ua.start();
  }

  stop() {
    const ua = this.ua;
    if (!ua) return;
    this.ua = null;
    for (const session of this.sessions.values()) {
      try {
        session.terminate();
      } catch {
        // already ending
      }
    }
    ua.stop();
  }

  // ---- calls ----
  private partyFrom(session: RTCSession): Party {
    const id = session.remote_identity;
    return { number: id.uri.user ?? id.uri.toString(), displayName: id.display_name || null };
  }

  private track(id: string, session: RTCSession, direction: 'inbound' | 'outbound') {
    this.sessions.set(id, session);
    const attachMedia = (pc: RTCPeerConnection) => {
      pc.addEventListener('track', (ev) => {
        const stream = ev.streams[0] ?? new MediaStream([ev.track]);
        this.options.playRemote?.(id, stream);
      });
    };
    if (session.connection) attachMedia(session.connection);
    else session.on('peerconnection', (e: { peerconnection: RTCPeerConnection }) => attachMedia(e.peerconnection));

    session.on('progress', () => {
      if (direction === 'outbound') this.dispatch({ type: 'remote-ringing', id, at: this.now() });
    });
    session.on('confirmed', () => {
      const sender = session.connection?.getSenders().find((s) => s.track?.kind === 'audio');
      if (sender?.track) this.senders.set(id, { sender, track: sender.track });
      this.dispatch({ type: 'confirmed', id, at: this.now() });
      this.syncSender(id);
    });
    session.on('hold', (e: { originator: string }) => {
      this.dispatch({ type: e.originator === 'local' ? 'hold' : 'remote-hold', id, at: this.now() });
      this.syncSender(id);
    });
    session.on('unhold', (e: { originator: string }) => {
      this.dispatch({ type: e.originator === 'local' ? 'resume' : 'remote-resume', id, at: this.now() });
      this.syncSender(id);
    });
    session.on('replaces', ((e: { accept: (cb?: (s: RTCSession) => void) => void; reject: () => void }) => {
      // The caller this colleague handed over arrives in place of this consultation call.
      const call = this.snapshot.calls.calls[id];
      if (!call || call.phase === 'ended') {
        e.reject();
        return;
      }
      this.endOverrides.set(id, { reason: 'replaced', cause: 'The transferred caller took this call over' });
      this.replacing = id;
      try {
        e.accept();
      } finally {
        this.replacing = null;
      }
    }) as never);
    session.on('refer', ((e: ReferEvent) => this.onReferReceived(id, e)) as never);
    const finish = (e: { originator: string; cause: string; message?: unknown }) => {
      const call = this.snapshot.calls.calls[id];
      const msg = e.message as { status_code?: number; reason_phrase?: string } | undefined;
      const status = msg?.status_code ? `${msg.status_code} ${msg.reason_phrase ?? ''}`.trim() : null;
      const override = this.endOverrides.get(id);
      const reason = override?.reason ?? endReasonFor(e.originator, e.cause, call?.answeredAt != null, direction);
      const cause = override?.cause ?? status ?? e.cause;
      this.dispatch({ type: 'ended', id, at: this.now(), reason, cause });
      this.sessions.delete(id);
      this.senders.delete(id);
      this.endOverrides.delete(id);
      this.options.playRemote?.(id, null);
      if (call?.consultFor) this.onConsultEnded(call, reason, cause, e.originator);
      if (call?.transfer && call.transfer.stage !== 'failed') this.onTransferredCallEnded(call, reason);
    };
    session.on('ended', finish);
    session.on('failed', finish);
  }

  private onIncoming(
    session: RTCSession,
    request: { call_id?: string; to?: { uri?: { user?: string } }; headers?: Record<string, { raw?: string }[]> },
  ) {
    const id = `call-${this.nextId++}`;
    const replacedId = this.replacing;
    const remote = this.partyFrom(session);
    const sipHeaders = extensionHeaders(request.headers);
    const replaced = replacedId ? this.snapshot.calls.calls[replacedId] : undefined;
    const origin = replaced ? this.originReplacing(replaced) : this.originOf(remote, sipHeaders);
    origin.conversationId ??= newConversationId();
    const referredBy = replaced ? null : referringParty(request.headers);
    if (referredBy) {
      origin.referredBy = referredBy;
      // Transferred here, if only by an ordinary phone that counts nothing.
      origin.transfers = Math.max(origin.transfers ?? 0, 1);
    }
    if (replaced) guardReplacedTermination(session);
    this.track(id, session, 'inbound');
    this.dispatch({
      type: 'incoming',
      id,
      remote,
      at: this.now(),
      dialled: replaced ? replaced.dialled : (request.to?.uri?.user ?? null),
      sipCallId: request.call_id ?? null,
      sipHeaders: replaced ? { ...replaced.sipHeaders, ...sipHeaders } : sipHeaders,
      origin,
    });
    if (replaced) {
      // RFC 3891: the call that replaces one in progress is taken at once, without ringing.
      this.dispatch({ type: 'answer', id, at: this.now() });
      queueMicrotask(() => session.answer(this.mediaOptions()));
      return;
    }
    if (this.prefs.dnd !== 'off') {
      // Do not disturb: nothing rings; the caller hears busy (reject) or "unavailable" (missed).
      const missed = this.prefs.dnd === 'missed';
      this.endOverrides.set(id, { reason: missed ? 'missed' : 'declined', cause: 'Do not disturb' });
      session.terminate(missed ? { status_code: 480, reason_phrase: 'Temporarily Unavailable' } : { status_code: 486, reason_phrase: 'Busy Here' });
    }
  }

  private mediaOptions() {
    const mic = this.prefs.microphoneId;
    return {
      mediaConstraints: { audio: mic ? { deviceId: { exact: mic } } : true, video: false },
      pcConfig: { iceServers: [] as RTCIceServer[] },
    };
  }

  answer(id: string) {
    const session = this.sessions.get(id);
    const call = this.snapshot.calls.calls[id];
    if (!session || call?.phase !== 'ringing-in') return;
    // Taking a second line puts whoever the agent was talking to on hold first.
    for (const other of liveCalls(this.snapshot.calls)) {
      if (other.id !== id && (other.phase === 'active' || other.phase === 'remote-held')) this.hold(other.id);
    }
    this.dispatch({ type: 'answer', id, at: this.now() });
    session.answer(this.mediaOptions());
  }

  /** Puts a call on hold (re-INVITE with sendonly); the microphone is off while it is held. */
  hold(id: string) {
    this.changeHold(id, true, 0);
  }

  /** Takes a call off hold; any other call the agent is talking to goes on hold first. */
  resume(id: string) {
    for (const other of liveCalls(this.snapshot.calls)) {
      if (other.id !== id && (other.phase === 'active' || other.phase === 'remote-held')) this.hold(other.id);
    }
    this.changeHold(id, false, 0);
  }

  /**
   * Hold and resume, guarded. JsSIP's own hold()/unhold() end the whole call when the re-INVITE
   * fails (a 491 glare included): a receptionist must never lose a caller that way. So the
   * re-INVITE is sent here with handlers of our own: on 491 it is retried after the random wait
   * RFC 3261 §14.1 asks for; on any other failure the call stays up in its previous state and the
   * agent is told. Only 481/408 (the dialog is gone) end the call. If a hold fails, the
   * microphone is muted so the caller still cannot hear the office.
   */
  private changeHold(id: string, held: boolean, attempt: number) {
    const session = this.sessions.get(id);
    if (!session || !session.isEstablished()) return;
    const s = session as unknown as SessionInternals;
    if (s._localHold === held) return;
    if (!s.isReadyToReOffer()) {
      // Another offer is in progress (the far end's re-INVITE, an earlier hold): try again shortly.
      if (attempt < 10) setTimeout(() => this.changeHold(id, held, attempt + 1), 300);
      else this.dispatch({ type: 'notice', id, text: `${held ? 'Hold' : 'Resume'} could not be sent: the call is busy renegotiating` });
      return;
    }
    s._localHold = held;
    if (held) s._onhold('local');
    else s._onunhold('local');
    s._sendReinvite({
      eventHandlers: {
        succeeded: () => this.dispatch({ type: 'notice', id, text: null }),
        failed: (response?: { status_code?: number; reason_phrase?: string }) => {
          const code = response?.status_code;
          if (code === 481 || code === 408) {
            session.terminate();
            return;
          }
          // The far end did not take the change: go back to the state it still has.
          s._localHold = !held;
          if (held) s._onunhold('local');
          else s._onhold('local');
          if (held) this.setMuted(id, true);
          if (code === 491 && attempt < 3) {
            this.dispatch({ type: 'notice', id, text: `The other side was changing the call at the same moment; ${held ? 'holding' : 'resuming'} again…` });
            setTimeout(() => this.changeHold(id, held, attempt + 1), 2100 + Math.random() * 1900);
            return;
          }
          const why = code ? `${code} ${response?.reason_phrase ?? ''}`.trim() : 'no answer to the re-INVITE';
          this.dispatch({
            type: 'notice',
            id,
            text: held ? `Hold failed (${why}). The call continues; your microphone is muted.` : `Resume failed (${why}). The call is still on hold.`,
          });
        },
      },
    });
  }

  /** Mutes or unmutes the agent's microphone on one call, independent of hold. */
  setMuted(id: string, muted: boolean) {
    const session = this.sessions.get(id);
    const call = this.snapshot.calls.calls[id];
    if (!session || !call) return;
    if (muted) session.mute({ audio: true });
    else session.unmute({ audio: true });
    this.dispatch({ type: 'mute', id, muted });
    this.syncSender(id);
  }

  /**
   * Sends the microphone only while the call is live and not held. Detaching the track (rather
   * than only disabling it, which still sends packets of silence) means a held caller receives
   * nothing at all from this desk.
   */
  private syncSender(id: string) {
    const entry = this.senders.get(id);
    const call = this.snapshot.calls.calls[id];
    if (!entry || !call) return;
    // Muting only disables the track (JsSIP's mute), so DTMF can still be sent to an IVR while muted.
    const send = call.phase === 'active' || call.phase === 'answering';
    const want = send ? entry.track : null;
    if (entry.sender.track !== want) void entry.sender.replaceTrack(want).catch(() => undefined);
  }

  /** Sends DTMF digits on a call: RFC 4733 (in the media) by default, SIP INFO when configured. */
  sendDtmf(id: string, tones: string, transport: 'rfc4733' | 'info' = 'rfc4733') {
    const session = this.sessions.get(id);
    if (!session || !session.isEstablished() || !/^[0-9A-D#*,]+$/i.test(tones)) return;
    session.sendDTMF(tones, {
      transportType: (transport === 'info' ? 'INFO' : 'RFC2833') as never,
      duration: 120,
      interToneGap: 80,
    });
  }

  decline(id: string, statusCode: 486 | 603 = 486) {
    const session = this.sessions.get(id);
    const call = this.snapshot.calls.calls[id];
    if (!session || call?.phase !== 'ringing-in') return;
    this.dispatch({ type: 'hangup', id, at: this.now() });
    session.terminate({ status_code: statusCode, reason_phrase: statusCode === 486 ? 'Busy Here' : 'Decline' });
  }

  hangup(id: string) {
    const session = this.sessions.get(id);
    if (!session) return;
    this.dispatch({ type: 'hangup', id, at: this.now() });
    session.terminate();
  }

  /** Places a call to an extension or a number; returns the call id, or null without an account. */
  dial(target: string, displayName: string | null = null, extra: { extraHeaders?: string[]; origin?: CallOrigin } = {}): string | null {
    const ua = this.ua;
    const account = this.snapshot.account;
    if (!ua || !account) return null;
    const id = `call-${this.nextId++}`;
    const uri = target.startsWith('sip:') ? target : `sip:${target}@${account.domain}`;
    const party: Party = { number: target, displayName };
    extra = { ...extra, origin: { ...extra.origin, conversationId: extra.origin?.conversationId ?? newConversationId() } };
    for (const other of liveCalls(this.snapshot.calls)) {
      if (other.phase === 'active' || other.phase === 'remote-held') this.hold(other.id);
    }
    let session: RTCSession;
    try {
      session = ua.call(uri, { ...this.mediaOptions(), extraHeaders: extra.extraHeaders ?? [] });
    } catch (error) {
      this.dispatch({ type: 'dial', id, remote: party, at: this.now(), origin: extra.origin });
      this.dispatch({ type: 'ended', id, at: this.now(), reason: 'failed', cause: (error as Error).message });
      return id;
    }
    const sipCallId = (session as unknown as { _request?: { call_id?: string } })._request?.call_id ?? null;
    this.dispatch({ type: 'dial', id, remote: party, at: this.now(), sipCallId, origin: extra.origin });
    this.track(id, session, 'outbound');
    return id;
  }

  // ---- transfers ----

  /** What an incoming call brings along: a handoff note on the INVITE, or one that came ahead as a SIP MESSAGE. */
  private originOf(remote: Party, headers: Record<string, string>): CallOrigin {
    const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const conversation = ConversationIdSchema.safeParse(header(handoffHeaders.conversation));
    const transfers = parseTransferCount(header(handoffHeaders.transfers));
    const encoded = header(handoffHeaders.handoff);
    const note = encoded ? decodeHandoff(encoded, base64) : null;
    if (note) {
      return {
        conversationId: conversation.success ? conversation.data : undefined,
        transfers,
        handoff: { note, kind: 'warm', via: 'invite' },
        subject: note.callerNumber ? { number: note.callerNumber, displayName: note.callerName || null } : remote,
      };
    }
    // A blind transfer: the caller's own INVITE, announced by a MESSAGE with the caller's number.
    const digits = remote.number.replace(/\D+/g, '');
    const pending = digits ? this.pendingNotes.get(digits) : undefined;
    if (pending && this.now() - pending.at < pendingNoteMs) {
      this.pendingNotes.delete(digits);
      return {
        conversationId: pending.conversationId ?? (conversation.success ? conversation.data : undefined),
        transfers: Math.max(pending.transfers, transfers),
        handoff: { note: pending.note, kind: 'blind', via: 'message' },
      };
    }
    return { conversationId: conversation.success ? conversation.data : undefined, transfers };
  }

  /** The caller who replaces a consultation call inherits its note, card, conversation and count. */
  private originReplacing(replaced: Call): CallOrigin {
    return {
      conversationId: replaced.conversationId,
      transfers: replaced.transfers,
      subject: replaced.subject,
      handoff: replaced.handoff ? { ...replaced.handoff, via: 'replaces' } : null,
      replaced: replaced.id,
    };
  }

  /** A SIP MESSAGE: a colleague's handoff note (bound to its call when it is here) or plain text. */
  private onTextMessage(request: IncomingRequest) {
    const header = (name: string) => request.getHeader(name)?.trim() || undefined;
    const from: Party = { number: request.from?.uri?.user ?? 'unknown', displayName: request.from?.display_name || null };
    const body = typeof request.body === 'string' ? request.body.slice(0, 10_000) : '';
    const encoded = header(handoffHeaders.handoff);
    const note = encoded ? decodeHandoff(encoded, base64) : null;
    const conversation = ConversationIdSchema.safeParse(header(handoffHeaders.conversation));
    const conversationId = conversation.success ? conversation.data : null;
    const transfers = parseTransferCount(header(handoffHeaders.transfers));
    const messageId = `msg-${this.nextId++}`;
    let callId: string | null = null;
    if (note) {
      const live = liveCalls(this.snapshot.calls);
      const callerDigits = (header(handoffHeaders.caller) ?? note.callerNumber).replace(/\D+/g, '');
      // The consultation call it announces may already ring here (same conversation)…
      const match =
        live.find((c) => conversationId !== null && c.conversationId === conversationId) ??
        live.find((c) => c.phase === 'ringing-in' && callerDigits !== '' && c.remote.number.replace(/\D+/g, '') === callerDigits);
      if (match) {
        callId = match.id;
        this.dispatch({ type: 'handoff', id: match.id, handoff: { note, kind: match.remote.number === from.number ? 'warm' : 'blind', via: 'message' }, conversationId: conversationId ?? undefined, transfers });
      } else if (callerDigits) {
        // …or the caller will arrive on their own (a blind transfer): keep it for them.
        this.pendingNotes.set(callerDigits, { note, conversationId, transfers, at: this.now(), messageId });
      }
    }
    const message = { id: messageId, from, body, at: this.now(), note, callId };
    this.update({ messages: [...this.snapshot.messages, message].slice(-50) });
  }

  /** Sends the note as a plain-text SIP MESSAGE (any phone shows it; a Frontdesk binds it to the call). */
  private sendNote(callId: string, target: string, note: HandoffNote, kind: 'warm' | 'blind', headers: string[]) {
    const ua = this.ua;
    const account = this.snapshot.account;
    if (!ua || !account) return;
    try {
      ua.sendMessage(`sip:${target}@${account.domain}`, handoffText(note, kind), {
        contentType: 'text/plain;charset=UTF-8',
        extraHeaders: [...headers, `${handoffHeaders.caller}: ${note.callerNumber.replace(/[^0-9+*#]/g, '') || 'unknown'}`],
        eventHandlers: {
          succeeded: () => this.transferMessage(callId, 'The note was delivered as a text message'),
          failed: (e: { response?: { status_code?: number; reason_phrase?: string }; cause?: string }) =>
            this.transferMessage(
              callId,
              `The colleague's phone did not take the text message (${e.response ? `${e.response.status_code} ${e.response.reason_phrase ?? ''}`.trim() : e.cause ?? 'no answer'})${kind === 'warm' ? '; the note still travels with the call' : ''}`,
            ),
        },
      });
    } catch (error) {
      this.transferMessage(callId, `The text message could not be sent: ${(error as Error).message}`);
    }
  }

  private transferMessage(callId: string, text: string) {
    const call = this.snapshot.calls.calls[callId];
    if (call && call.phase !== 'ended') this.dispatch({ type: 'notice', id: callId, text });
  }

  private headersFor(call: Call, note: HandoffNote): string[] {
    return [
      `${handoffHeaders.conversation}: ${call.conversationId}`,
      `${handoffHeaders.transfers}: ${call.transfers + 1}`,
      `${handoffHeaders.handoff}: ${encodeHandoff(note, base64)}`,
    ];
  }

  private clearTimer(callId: string) {
    const t = this.transferTimers.get(callId);
    if (t) clearTimeout(t);
    this.transferTimers.delete(callId);
  }

  /**
   * Starts a transfer of call `callId` (the caller) to a colleague's extension.
   * Warm: the note goes ahead as a SIP MESSAGE, the caller is held and the colleague is called
   * with the note on the INVITE. Blind: the note goes as a SIP MESSAGE and the caller's phone is
   * sent to the colleague at once (REFER).
   */
  startTransfer(callId: string, kind: 'warm' | 'blind', target: Party, note: HandoffNote): boolean {
    const call = this.snapshot.calls.calls[callId];
    const session = this.sessions.get(callId);
    if (!call || !session?.isEstablished()) return false;
    const before = this.snapshot.calls;
    this.dispatch({ type: 'transfer-start', id: callId, kind, target, note, at: this.now() });
    if (this.snapshot.calls === before) return false;
    const headers = this.headersFor(call, note);
    // The MESSAGE carries the structured note too: a blind-transferred caller arrives with none.
    this.sendNote(callId, target.number, note, kind, headers);
    if (kind === 'blind') {
      this.refer(callId, null);
      return true;
    }
    const consultId = this.dial(target.number, target.displayName, {
      extraHeaders: headers,
      origin: { conversationId: call.conversationId, transfers: call.transfers, subject: call.subject, consultFor: callId },
    });
    if (!consultId) {
      this.failTransfer(callId, 'The colleague could not be called (no account)', false);
      return false;
    }
    this.dispatch({ type: 'transfer-consult', id: callId, consultId });
    const ringS = Math.max(5, this.prefs.transferRingTimeoutS);
    this.transferTimers.set(
      callId,
      setTimeout(() => {
        const consult = this.snapshot.calls.calls[consultId];
        if (consult && (consult.phase === 'dialing' || consult.phase === 'ringing-out')) {
          this.endOverrides.set(consultId, { reason: 'no-answer', cause: `No answer within ${ringS} s` });
          this.sessions.get(consultId)?.terminate();
        }
      }, ringS * 1000),
    );
    return true;
  }

  /** Completes a warm transfer: REFER with Replaces to the caller; the agent drops out when it reports success. */
  completeTransfer(callId: string) {
    const call = this.snapshot.calls.calls[callId];
    const t = call?.transfer;
    if (!call || !t || t.stage !== 'consulting' || !t.consultId) return;
    const consult = this.sessions.get(t.consultId);
    if (!consult) return;
    if (!consult.isEstablished()) {
      // Replaces only matches an answered call: while the colleague's phone still rings, the
      // caller is sent there unattended instead, and the ringing consultation is withdrawn.
      const consultId = t.consultId;
      this.dispatch({ type: 'notice', id: callId, text: `${t.target.displayName ?? t.target.number} had not answered yet: the caller is sent there directly` });
      this.dispatch({ type: 'transfer-completing', id: callId, at: this.now() });
      this.endOverrides.set(consultId, { reason: 'cancelled', cause: 'Transfer completed while it rang' });
      consult.terminate();
      this.refer(callId, null);
      return;
    }
    this.refer(callId, consult);
  }

  /** REFER to the caller's phone (with Replaces for a warm transfer), with our own timeout for its report. */
  private refer(callId: string, consult: RTCSession | null) {
    const call = this.snapshot.calls.calls[callId];
    const t = call?.transfer;
    const session = this.sessions.get(callId);
    const account = this.snapshot.account;
    if (!call || !t || !session || !account) return;
    this.clearTimer(callId);
    if (t.stage !== 'completing') this.dispatch({ type: 'transfer-completing', id: callId, at: this.now() });
    const target = `sip:${t.target.number}@${account.domain}`;
    const done = () => {
      this.clearTimer(callId);
      const now = this.snapshot.calls.calls[callId];
      if (!now || now.phase === 'ended' || now.transfer?.stage !== 'completing') return;
      const to = targetLabel(t.target);
      this.endOverrides.set(callId, { reason: 'transferred', cause: `Transferred to ${to}${consult ? '' : ' (unattended)'}` });
      const consultId = now.transfer.consultId;
      if (consultId && this.sessions.has(consultId)) {
        this.endOverrides.set(consultId, { reason: 'transferred', cause: `Caller handed over to ${to}` });
        try {
          this.sessions.get(consultId)?.terminate();
        } catch {
          // already ending (the colleague's side ended it on Replaces)
        }
      }
      try {
        session.terminate();
      } catch {
        // the caller's phone already hung up on us
      }
    };
    const failed = (problem: string, referRefused: boolean) => {
      this.clearTimer(callId);
      this.failTransfer(callId, problem, false, referRefused);
    };
    try {
      session.refer(target, {
        ...(consult ? { replaces: consult } : {}),
        extraHeaders: [`Referred-By: <sip:${account.user}@${account.domain}>`],
        eventHandlers: {
          requestFailed: (e: { response?: { status_code?: number; reason_phrase?: string }; cause?: string }) => {
            const why = e.response ? `${e.response.status_code} ${e.response.reason_phrase ?? ''}`.trim() : (e.cause ?? 'no answer');
            failed(`The caller's phone refused the transfer (${why})`, true);
          },
          // A blind transfer is done once the caller's phone takes the REFER: the caller now rings
          // the colleague, and the agent moves on (the colleague has the note). A warm one waits for
          // the caller's phone to report the colleague answered (or for the consultation to be replaced).
          requestSucceeded: () => {
            if (!consult) done();
          },
          accepted: done,
          failed: (e: { status_line?: { status_code?: number; reason_phrase?: string } }) => {
            const sl = e.status_line;
            failed(`The caller's phone could not reach ${t.target.number}${sl?.status_code ? ` (${sl.status_code} ${sl.reason_phrase ?? ''})`.trimEnd() : ''}`, false);
          },
        },
      } as never);
    } catch (error) {
      failed(`The transfer could not be sent: ${(error as Error).message}`, true);
      return;
    }
    this.transferTimers.set(
      callId,
      setTimeout(() => failed(`The caller's phone did not report whether the transfer worked within ${referReportTimeoutMs / 1000} s`, false), referReportTimeoutMs),
    );
  }

  /** The transfer did not happen: the caller comes back off hold, microphone live, and the agent is told why. */
  private failTransfer(callId: string, problem: string, offerMessage: boolean, referRefused = false) {
    this.clearTimer(callId);
    const call = this.snapshot.calls.calls[callId];
    if (!call || !call.transfer || call.transfer.stage === 'failed') return;
    const consultLive = call.transfer.consultId ? this.sessions.has(call.transfer.consultId) : false;
    this.dispatch({ type: 'transfer-failed', id: callId, problem, offerMessage, referRefused, at: this.now() });
    // While the agent still talks to the colleague (REFER refused), the caller stays on hold.
    if (call.phase !== 'ended' && !consultLive) {
      if (call.muted) this.setMuted(callId, false);
      if (call.phase === 'held') this.resume(callId);
    }
  }

  /** A consultation call ended: unless the transfer is completing, it did not happen. */
  private onConsultEnded(consult: Call, reason: CallEndReason, cause: string, originator: string) {
    const callerId = consult.consultFor!;
    const caller = this.snapshot.calls.calls[callerId];
    const t = caller?.transfer;
    if (!caller || !t || t.consultId !== consult.id) return;
    if (t.stage === 'completing') {
      // The colleague's phone ends the consultation when the caller arrives with Replaces:
      // that is the transfer working, even before the caller's phone reports it.
      if (t.consultId === consult.id && originator === 'remote' && reason !== 'failed' && consult.answeredAt !== null) {
        this.endOverrides.set(callerId, { reason: 'transferred', cause: `Transferred to ${targetLabel(t.target)}` });
        this.clearTimer(callerId);
        try {
          this.sessions.get(callerId)?.terminate();
        } catch {
          // gone already
        }
      }
      return;
    }
    if (t.stage !== 'consulting') return;
    const name = t.target.displayName ?? t.target.number;
    let problem: string;
    let offer = true;
    switch (reason) {
      case 'rejected':
        problem = /^486|busy/i.test(cause) ? `${name} is busy (${cause})` : `${name} declined the call (${cause})`;
        break;
      case 'no-answer':
        problem = `${name} did not answer (${cause})`;
        break;
      case 'cancelled':
        problem = 'Transfer cancelled';
        offer = false;
        break;
      case 'hangup-local':
        problem = 'Transfer cancelled';
        offer = false;
        break;
      case 'hangup-remote':
        problem = `${name} hung up without taking the caller`;
        break;
      default:
        problem = `The call to ${name} failed (${cause})`;
    }
    this.failTransfer(callerId, problem, offer);
  }

  /** The caller's leg ended while a transfer of it was under way (caller hung up, or the transfer worked). */
  private onTransferredCallEnded(caller: Call, reason: CallEndReason) {
    this.clearTimer(caller.id);
    if (reason === 'transferred') return;
    const consultId = caller.transfer?.consultId;
    if (consultId) {
      const consult = this.snapshot.calls.calls[consultId];
      if (consult && consult.phase !== 'ended') {
        this.dispatch({ type: 'notice', id: consultId, text: 'The caller hung up while waiting: nobody to transfer any more' });
        // Still ringing at the colleague's: withdraw it; if they talk, the agent ends it.
        if (consult.phase === 'dialing' || consult.phase === 'ringing-out') {
          this.endOverrides.set(consultId, { reason: 'cancelled', cause: 'The caller hung up before the transfer' });
          this.sessions.get(consultId)?.terminate();
        }
      }
    }
  }

  /** The agent gives up a transfer: the consultation ends and the caller is back, resumed. */
  cancelTransfer(callId: string) {
    const call = this.snapshot.calls.calls[callId];
    const t = call?.transfer;
    if (!call || !t) return;
    if (t.stage === 'failed') {
      // "Keep the caller" after a refused REFER, or dismissing a failed transfer.
      this.dispatch({ type: 'transfer-clear', id: callId });
      const consultId = t.consultId;
      if (consultId && this.sessions.has(consultId)) this.hangup(consultId);
      if (call.phase !== 'ended') {
        if (call.muted) this.setMuted(callId, false);
        if (call.phase === 'held') this.resume(callId);
      }
      return;
    }
    const consultId = t.consultId;
    this.clearTimer(callId);
    this.dispatch({ type: 'transfer-failed', id: callId, problem: 'Transfer cancelled', at: this.now() });
    this.dispatch({ type: 'transfer-clear', id: callId });
    if (consultId && this.sessions.has(consultId)) {
      this.endOverrides.set(consultId, { reason: this.snapshot.calls.calls[consultId]?.answeredAt ? 'hangup-local' : 'cancelled', cause: 'Transfer cancelled' });
      this.sessions.get(consultId)?.terminate();
    }
    if (call.phase !== 'ended') {
      if (call.muted) this.setMuted(callId, false);
      if (call.phase === 'held') this.resume(callId);
    }
  }

  /** After the caller's phone refused REFER with Replaces: try an unattended REFER instead. */
  blindTransferInstead(callId: string) {
    const call = this.snapshot.calls.calls[callId];
    const t = call?.transfer;
    if (!call || !t || t.stage !== 'failed') return;
    const consultId = t.consultId;
    this.dispatch({ type: 'transfer-clear', id: callId });
    this.dispatch({ type: 'transfer-start', id: callId, kind: 'blind', target: t.target, note: t.note, at: this.now() });
    if (consultId && this.sessions.has(consultId)) this.hangup(consultId);
    this.refer(callId, null);
  }

  /** Sends a plain-text message to an extension (SIP MESSAGE); resolves when the PBX delivered it. */
  sendText(target: string, body: string): Promise<void> {
    const ua = this.ua;
    const account = this.snapshot.account;
    if (!ua || !account) return Promise.reject(new Error('not registered'));
    return new Promise((resolve, reject) => {
      try {
        ua.sendMessage(`sip:${target}@${account.domain}`, body, {
          contentType: 'text/plain;charset=UTF-8',
          eventHandlers: {
            succeeded: () => resolve(),
            failed: (e: { response?: { status_code?: number; reason_phrase?: string }; cause?: string }) =>
              reject(new Error(e.response ? `${e.response.status_code} ${e.response.reason_phrase ?? ''}`.trim() : (e.cause ?? 'no answer'))),
          },
        });
      } catch (error) {
        reject(error as Error);
      }
    });
  }

  /** Dismisses a failed transfer's message. */
  clearTransfer(callId: string) {
    this.dispatch({ type: 'transfer-clear', id: callId });
  }

  /**
   * A REFER on one of our calls (a colleague or the PBX transfers us elsewhere): JsSIP has
   * answered 202; we follow it with a new call that keeps the conversation, and JsSIP reports
   * its progress to the referrer (NOTIFY).
   */
  private onReferReceived(id: string, e: ReferEvent) {
    const call = this.snapshot.calls.calls[id];
    const target = e.request.refer_to?.uri?.user;
    if (!call || call.phase === 'ended' || !target) {
      e.reject();
      return;
    }
    const newId = `call-${this.nextId++}`;
    const party: Party = { number: target, displayName: null };
    const by = call.remote.displayName ?? call.remote.number;
    this.dispatch({ type: 'notice', id, text: `${by} transferred this call to ${target}` });
    // RFC 3892: the call the REFER asks for carries the REFER's Referred-By, so the far end knows who sent it.
    const referredBy = e.request.getHeader('Referred-By')?.replace(/[\r\n]/g, '');
    e.accept((s: RTCSession) => {
      const sipCallId = (s as unknown as { _request?: { call_id?: string } })._request?.call_id ?? null;
      this.dispatch({
        type: 'dial',
        id: newId,
        remote: party,
        at: this.now(),
        sipCallId,
        origin: { conversationId: call.conversationId, transfers: call.transfers + 1, subject: call.direction === 'inbound' ? call.subject : party },
      });
      this.track(newId, s, 'outbound');
    }, { ...this.mediaOptions(), extraHeaders: referredBy ? [`Referred-By: ${referredBy}`] : [] });
  }

  forget(id: string) {
    this.dispatch({ type: 'forget', id });
  }

  /** RTP counters of each live call, from WebRTC's own statistics (for diagnostics and tests). */
  async mediaStats(): Promise<MediaStats[]> {
    const out: MediaStats[] = [];
    for (const [callId, session] of this.sessions) {
      const pc = session.connection;
      if (!pc) continue;
      const stats = await pc.getStats();
      const row: MediaStats = {
        callId,
        sipCallId: (session as unknown as { _request?: { call_id?: string } })._request?.call_id ?? '',
        packetsSent: 0,
        packetsReceived: 0,
        bytesSent: 0,
        bytesReceived: 0,
        audioEnergyReceived: 0,
        iceState: pc.iceConnectionState,
        connectionState: pc.connectionState,
      };
      stats.forEach((s: { type: string; kind?: string; packetsSent?: number; packetsReceived?: number; bytesSent?: number; bytesReceived?: number; totalAudioEnergy?: number }) => {
        if (s.type === 'outbound-rtp' && s.kind === 'audio') {
          row.packetsSent += s.packetsSent ?? 0;
          row.bytesSent += s.bytesSent ?? 0;
        } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          row.packetsReceived += s.packetsReceived ?? 0;
          row.bytesReceived += s.bytesReceived ?? 0;
          row.audioEnergyReceived += s.totalAudioEnergy ?? 0;
        }
      });
      out.push(row);
    }
    return out;
  }
}
