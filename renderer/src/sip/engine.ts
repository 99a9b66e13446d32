import { i18n } from '../i18n';
import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRTCSessionEvent, OutgoingRTCSessionEvent, UAConfiguration } from 'jssip/lib/UA';
import type { SipAccount } from '../../../common/provisioning';
import type { HandoffNote } from '../../../common/transfer';
import { emptyCalls, liveCalls, reduceCalls, type CallEndReason, type CallEvent, type CallOrigin, type CallPhase, type CallsState, type Party } from './callMachine';
import { arrivingCallerNumber, callerText } from './arrivingCaller';
import { answerPrepared, applyJsSipFixes, canPrepareAnswer, guardReplacedTermination, isLocallyHeld, prepareAnswer, sendReinvite, setLocalHold, sipCallIdOf, type PreparedAnswer, warmUpParser } from './jssipInternals';
import { MicrophoneGate, micStateFor, type AudioSender, type MicState } from './micGate';
import { causeText, sipAnswerText } from './causes';
import { refusalReason, type Refusal } from './refusal';
import { browserVoiceCodecs, unanswerableOffer, unanswerableText } from './sdpOffer';
import { TolerantWebSocket } from './tolerantSocket';
import { referringParty, Transfers, type IncomingRequest, type ReferEvent, type TextMessage } from './transfers';
import { Presence } from './presence';
import type { Away, OwnPresence } from '../../../common/presence';
import { decodeMessage, messageHeaders, messageStatusContentType, MessageStatusSchema, type MessageStatus, type PhoneMessage } from '../../../common/messages';
import { displaySafe } from '../../../common/displayText';
import { base64 } from './handoff';
import { Store } from '../store';

export { referringParty, type TextMessage } from './transfers';

/** A message taken for this desk, or a receipt for one taken here, that came as a SIP MESSAGE from another Frontdesk. */
export type StructuredMessage =
  | { kind: 'message'; from: { user: string; name: string }; message: PhoneMessage }
  | { kind: 'status'; from: { user: string; name: string }; status: MessageStatus };

/** How the far end answered a SIP MESSAGE: its status (0 when none came) and what to tell a person. */
export interface MessageAnswer {
  ok: boolean;
  status: number;
  result: string;
}

/**
 * The SIP engine: one JsSIP user agent, created once outside React, and the calls it carries.
 * It turns JsSIP's events into call-machine events and keeps one immutable snapshot that React
 * reads with useSyncExternalStore. Only this folder imports JsSIP; only jssipInternals.ts touches
 * JsSIP's private members; transfers live in transfers.ts, colleagues' presence in presence.ts.
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
  /** What this desk's microphone sends on the call (live, muted: silence, off: nothing), read off the sender. */
  microphone: MicState | null;
}

/** What the engine takes from the settings. */
export interface EnginePreferences {
  dnd: 'off' | 'reject' | 'missed';
  microphoneId: string;
  /** How long a consultation call may ring before the transfer is given up (seconds). */
  transferRingTimeoutS: number;
  /** Calls carried at once; a call beyond them is refused with 486 and logged as missed. */
  maxLines: number;
  /** Out of office until a time, as published to colleagues. */
  away: Away | null;
}

/** The JsSIP release this build carries (for Export diagnostics). */
export const jssipVersion: string = JsSIP.version;

/** An ended call's card stays this long, then leaves the calls column (it is in the history); the last call stays until another comes. */
export const endedCallLingerMs = 30_000;

export interface EngineOptions {
  /** Plays the far end's audio; the engine hands it a stream per call. */
  playRemote?: (callId: string, stream: MediaStream | null) => void;
  now?: () => number;
  onIgnoredTransition?: (detail: string) => void;
  /** Makes the user agent (JsSIP's by default; the unit tests give one that needs no network). */
  createUserAgent?: (configuration: UAConfiguration) => JsSIP.UA;
  /** The voice codecs this desk can decode (upper case); null: do not check offers. Default: the browser's. */
  voiceCodecs?: () => string[] | null;
  /** Something went wrong that the agent is told about on the call; this is for the log. */
  onProblem?: (detail: string) => void;
  /** Sees every SIP message sent and received over the WebSocket (the diagnostics' SIP trace). */
  onSipMessage?: (direction: 'in' | 'out', text: string) => void;
  /**
   * A new call's INVITE has arrived from this number (arrivingCaller.ts), before JsSIP reads it:
   * what the page looks up about the caller can start now. Whether it rings is decided after.
   */
  onCallArriving?: (callerNumber: string) => void;
  /** Where this desk keeps its presence publication's entity tag across page loads (localStorage). */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
}

/**
 * How long a call may stay in a phase that waits on the network or on JsSIP before the engine
 * ends it with a reason the agent can read (and the history keeps). Ringing here has no bound of
 * ours: the caller or the PBX gives up. Holding and transfers have bounds of their own.
 */
export const phaseLimitsMs: Partial<Record<CallPhase, number>> = {
  answering: 20_000,
  dialing: 60_000,
  'ringing-out': 180_000,
  ending: 10_000,
};

function stuckReason(phase: CallPhase, limitMs: number): { reason: CallEndReason; cause: string } {
  const s = Math.round(limitMs / 1000);
  switch (phase) {
    case 'answering':
      return { reason: 'failed', cause: i18n.t('sip.stuckAnswering', { s }) };
    case 'dialing':
      return { reason: 'failed', cause: i18n.t('sip.stuckDialing', { s }) };
    case 'ringing-out':
      return { reason: 'no-answer', cause: i18n.t('sip.stuckRinging', { min: s / 60 }) };
    default:
      return { reason: 'hangup-local', cause: i18n.t('sip.stuckEnding', { s }) };
  }
}

/**
 * Calls that hold a prepared answer at once (microphone, peer connection, offer applied, answer
 * made: see `SipEngine.prepare`; a call keeps it until it ends); a call ringing beyond them is
 * answered the way JsSIP does it, from scratch.
 */
export const maxPreparedAnswers = 4;

/** A ringing call's answer in the making, or made. */
interface Preparation {
  /** Settles once the answer is made (null: the call stopped ringing first; rejected: a step failed). */
  ready: Promise<PreparedAnswer | null>;
  /** What was prepared, once it is. */
  done: PreparedAnswer | null;
}

/** How often a hold or resume is re-offered while another offer is in progress, and how long apart. */
const notReadyRetries = 10;
const notReadyWaitMs = 300;
/** How many times a hold or resume refused with 491 (glare) is offered again. */
const glareRetries = 3;

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
  const sip = status ? ` (${sipAnswerText(i18n.t, status, reason)})` : '';
  switch (cause) {
    case C.AUTHENTICATION_ERROR:
      return i18n.t('sip.wrongPassword', { sip });
    case C.REJECTED:
      return i18n.t('sip.accountRefused', { sip });
    case C.NOT_FOUND:
      return i18n.t('sip.accountUnknown', { sip });
    case C.CONNECTION_ERROR:
    case C.REQUEST_TIMEOUT:
      return i18n.t('sip.pbxSilent');
    default:
      return cause ? `${causeText(i18n.t, cause)}${sip}` : i18n.t('sip.registrationFailed', { sip });
  }
}

/**
 * What a caller ID may say, as Frontdesk keeps it: a name or number from the network longer than
 * this (a misconfigured PBX sends 3,000-character names) is cut, with "…", so the call is still
 * shown, written to the history, wrapped up and notified like any other (each keeps at most 200).
 */
const maxCallerName = 100;
const maxCallerNumber = 100;

/** A new conversation id: unique across desks, fit for a SIP header. */
function newConversationId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
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

/** The final response a call failed with, when the far end refused it. */
function refusalOf(message: unknown): Refusal | null {
  const m = message as { status_code?: number; reason_phrase?: string; getHeader?: (name: string) => string | undefined } | null | undefined;
  if (!m?.status_code || m.status_code < 300) return null;
  return { status: m.status_code, reasonPhrase: m.reason_phrase ?? null, reasonHeader: m.getHeader?.('Reason') ?? null };
}

/** Every string in a value from the network, made safe to show (displaySafe). */
function safeStrings<T>(value: T): T {
  if (typeof value === 'string') return displaySafe(value) as T;
  if (Array.isArray(value)) return value.map(safeStrings) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeStrings(v)])) as T;
  return value;
}

function stopStream(stream: MediaStream) {
  for (const track of stream.getTracks()) track.stop();
}

export class SipEngine {
  /** What the first ringing call would pay for has been done (warmUp). */
  private warm = false;
  private readonly store = new Store<EngineSnapshot>({ account: null, registration: { state: 'no-account' }, calls: emptyCalls, messages: [] });
  private get snapshot(): EngineSnapshot {
    return this.store.get();
  }
  private ua: JsSIP.UA | null = null;
  /** The account the user agent was started with (to start it again after a network change). */
  private account: SipAccount | null = null;
  private readonly sessions = new Map<string, RTCSession>();
  /** What the microphone sends on each call: live, muted, or nothing. */
  private readonly mic = new MicrophoneGate((id, error) => this.options.onIgnoredTransition?.(`microphone of ${id}: ${error.message}`));
  /** End reasons decided here rather than read from JsSIP's cause (calls refused by DND, transfers). */
  private readonly endOverrides = new Map<string, { reason: CallEndReason; cause: string }>();
  private prefs: EnginePreferences = { dnd: 'off', microphoneId: '', transferRingTimeoutS: 25, maxLines: 4, away: null };
  /** While JsSIP creates the call that replaces call `replacing` (INVITE with Replaces). */
  private replacing: string | null = null;
  private readonly now: () => number;
  private nextId = 1;
  private readonly transfers: Transfers;
  private readonly structuredListeners = new Set<(m: StructuredMessage) => void>();
  /** Per call: the timer that ends it if it stays too long in a waiting phase (phaseLimitsMs). */
  private readonly watchdogs = new Map<string, ReturnType<typeof setTimeout>>();
  /** Colleagues' presence and this desk's own (presence.ts). */
  readonly presence: Presence;
  /** Subscribe and publish afresh at the next registration: the connection is new. */
  private presenceStale = true;
  /** Ringing calls' answers, prepared while they ring (see `prepare`). */
  private readonly preparations = new Map<string, Preparation>();
  /** A ringing call's far-end audio, played once the call is answered (a prepared call has it while it rings). */
  private readonly remoteWhileRinging = new Map<string, MediaStream>();

  constructor(private readonly options: EngineOptions = {}) {
    applyJsSipFixes();
    this.now = options.now ?? (() => Date.now());
    this.transfers = new Transfers({
      calls: () => this.snapshot.calls,
      session: (id) => this.sessions.get(id),
      dispatch: (event) => this.dispatch(event),
      now: () => this.now(),
      endAs: (id, reason, cause) => this.endOverrides.set(id, { reason, cause }),
      account: () => this.snapshot.account,
      ua: () => this.ua,
      ringTimeoutS: () => this.prefs.transferRingTimeoutS,
      dial: (target, displayName, extra) => this.dial(target, displayName, extra),
      hangup: (id) => this.hangup(id),
      bringBack: (id) => this.bringBack(id),
      newId: (prefix) => `${prefix}-${this.nextId++}`,
      trackOutgoing: (id, session) => this.track(id, session, 'outbound'),
      mediaOptions: () => this.mediaOptions(),
      addMessage: (message) => this.update({ messages: [...this.snapshot.messages, message].slice(-50) }),
    });
    this.presence = new Presence({
      ua: () => this.ua,
      account: () => this.snapshot.account,
      own: () => this.ownPresence(),
      now: () => this.now(),
      onProblem: (detail) => options.onProblem?.(`presence: ${detail}`),
      storage: options.storage ?? null,
    });
  }

  /** What this desk tells colleagues: on a call (since its first answer; held when every call is), DND, away. */
  private ownPresence(): OwnPresence {
    const talking = liveCalls(this.snapshot.calls).filter((c) => c.answeredAt !== null && c.phase !== 'ringing-in' && c.phase !== 'ending');
    return {
      onCall: talking.length ? { since: Math.min(...talking.map((c) => c.answeredAt!)), held: talking.every((c) => c.phase === 'held') } : null,
      dnd: this.prefs.dnd !== 'off',
      away: this.prefs.away,
    };
  }

  // ---- store for React ----
  subscribe = this.store.subscribe;
  getSnapshot = this.store.get;

  private update(patch: Partial<EngineSnapshot>) {
    this.store.patch(patch);
  }

  private dispatch(event: CallEvent) {
    const before = this.snapshot.calls.calls[event.id]?.phase;
    const calls = reduceCalls(this.snapshot.calls, event, (why) =>
      this.options.onIgnoredTransition?.(`${why.event.type} ignored for call ${why.event.id} in phase ${why.phase ?? 'none'}`),
    );
    if (calls === this.snapshot.calls) return;
    this.update({ calls });
    this.presence.ownChanged();
    if (calls.calls[event.id]?.phase !== before) this.armWatchdog(event.id);
    if (event.type === 'incoming' || event.type === 'dial') this.clearEndedCards();
  }

  /** (Re)starts the timer that ends a call stuck in a waiting phase; see phaseLimitsMs. */
  private armWatchdog(id: string) {
    clearTimeout(this.watchdogs.get(id));
    this.watchdogs.delete(id);
    const call = this.snapshot.calls.calls[id];
    const limit = call ? phaseLimitsMs[call.phase] : undefined;
    if (!call || !limit) return;
    const { phase, phaseSince } = call;
    this.watchdogs.set(
      id,
      setTimeout(() => {
        this.watchdogs.delete(id);
        const now = this.snapshot.calls.calls[id];
        if (now?.phase !== phase || now.phaseSince !== phaseSince) return;
        const { reason, cause } = stuckReason(phase, limit);
        this.options.onProblem?.(`call ${id} (${now.sipCallId ?? 'no Call-ID'}) ended: ${cause}`);
        this.endOverrides.set(id, { reason, cause });
        const session = this.sessions.get(id);
        try {
          session?.terminate();
        } catch {
          // JsSIP no longer knows the call: end it here
        }
        // JsSIP may not report the end of a call it is stuck on: the call ends here either way.
        if (this.sessions.get(id) === session) this.finishCall(id, { originator: 'local', cause });
      }, limit),
    );
  }

  configure(prefs: Partial<EnginePreferences>) {
    this.prefs = { ...this.prefs, ...prefs };
    this.presence.ownChanged();
  }

  // ---- account ----
  start(account: SipAccount | null) {
    this.stop();
    this.account = account;
    if (!account) {
      this.update({ account: null, registration: { state: 'no-account' } });
      return;
    }
    const configuration: UAConfiguration = {
      sockets: [new TolerantWebSocket(account.wsUrl, (direction, text) => this.sawSipMessage(direction, text)) as unknown as JsSIP.Socket],
      uri: `sip:${account.user}@${account.domain}`,
      password: account.password,
      authorization_user: account.authUser ?? account.user,
      display_name: account.displayName ?? undefined,
      register: true,
      register_expires: account.registerExpires,
      // RFC 4028 session timers: with a PBX that supports them, a call whose desk vanished (a
      // crash, a lost network) is ended by the PBX within 90 s instead of lasting for ever; this
      // desk refreshes its calls (UPDATE) every 45 s.
      session_timers: true,
      // Come back quickly after the PBX restarts or the network drops: one connection attempt every
      // 1 to 4 s while the PBX is away (JsSIP's default grows to 30 s), so the desk is registered
      // again within about 4 s of the PBX coming back, however long it was gone; an attempt is one
      // TCP connection, which a PBX that is down does not feel.
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 4,
      user_agent: 'Frontdesk',
    };
    const ua = this.options.createUserAgent ? this.options.createUserAgent(configuration) : new JsSIP.UA(configuration);
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
    ua.on('disconnected', mine(() => {
      this.update({ registration: { state: 'disconnected', reason: i18n.t('sip.pbxUnreachable', { url: account.wsUrl }) } });
      this.presenceStale = true;
      this.presence.disconnected();
    }));
    ua.on('registered', mine(() => {
      this.update({ registration: { state: 'registered', since: this.now() } });
      this.warmUp();
      // (JsSIP says 'registered' on every refresh too: presence starts again only on a new connection)
      if (this.presenceStale) {
        this.presenceStale = false;
        this.presence.connected();
      }
    }));
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
      if (e.originator !== 'remote') return;
      const structured = this.structuredOf(e.request);
      if (structured) for (const l of this.structuredListeners) l(structured);
      else this.transfers.onTextMessage(e.request);
    }));
    ua.start();
  }

  /** Every SIP message over the WebSocket, before JsSIP reads it: the trace, and a new call's caller. */
  private sawSipMessage(direction: 'in' | 'out', text: string) {
    this.options.onSipMessage?.(direction, text);
    if (direction !== 'in' || !this.options.onCallArriving) return;
    const number = arrivingCallerNumber(text, maxCallerNumber);
    if (number !== null) this.options.onCallArriving(number);
  }

  /** The voice codecs this browser can answer with (read once: see browserVoiceCodecs). */
  private voiceCodecs() {
    return (this.options.voiceCodecs ?? browserVoiceCodecs)();
  }

  /**
   * What the first ringing call would otherwise pay for, measured in its profile: the page's first
   * RTCPeerConnection (about 6 ms of the main thread: WebRTC's first set-up) and the browser's
   * codec list (RTCRtpReceiver.getCapabilities, 2.6 ms, read before the 180), JsSIP's grammar for an
   * INVITE (jssipInternals.ts, point 11), and the page's first getUserMedia, whose synchronous part
   * (setting up the page's media devices: 2.4 ms in the first call's profile, 1.6–4.5 ms in a bare
   * page) falls to 0.2 ms once the devices have been listed. Listing them opens no device: no
   * microphone is taken and no capture indicator shows. Done once, in an idle moment after the desk
   * first registers.
   */
  private warmUp() {
    if (this.warm || typeof RTCPeerConnection === 'undefined') return;
    this.warm = true;
    setTimeout(() => {
      if (this.ua) warmUpParser(this.ua);
      this.voiceCodecs();
      globalThis.navigator?.mediaDevices?.enumerateDevices?.().catch(() => undefined);
      try {
        new RTCPeerConnection(this.mediaOptions().pcConfig).close();
      } catch {
        // (the first call pays for it instead)
      }
    }, 0);
  }

  /**
   * The network came back, or the computer woke up: do not wait for the next attempt of the
   * backoff. Without a connection (and so without calls) the user agent starts again at once;
   * with one, a REGISTER refresh goes out now, which finds a connection that died in the sleep.
   */
  reconnectNow() {
    const ua = this.ua;
    if (!ua || !this.account) return;
    const state = this.snapshot.registration.state;
    if ((state === 'disconnected' || state === 'connecting') && liveCalls(this.snapshot.calls).length === 0) this.start(this.account);
    else if (ua.isConnected()) ua.register();
  }

  stop() {
    const ua = this.ua;
    if (!ua) return;
    // un-SUBSCRIBE and withdraw this desk's publication while the user agent can still send
    this.presence.stop();
    this.presenceStale = true;
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
    return { number: callerText(id.uri.user ?? id.uri.toString(), maxCallerNumber), displayName: callerText(id.display_name || '', maxCallerName) || null };
  }

  /** Makes the call's microphone send what its state says (see MicrophoneGate). */
  private syncMic(id: string) {
    const call = this.snapshot.calls.calls[id];
    if (call) this.mic.apply(id, micStateFor(call));
  }

  private track(id: string, session: RTCSession, direction: 'inbound' | 'outbound') {
    this.sessions.set(id, session);
    const attachMedia = (pc: RTCPeerConnection) => {
      pc.addEventListener('track', (ev) => {
        const stream = ev.streams[0] ?? new MediaStream([ev.track]);
        // The agent hears nothing of a call before they answer it.
        if (this.snapshot.calls.calls[id]?.phase === 'ringing-in') this.remoteWhileRinging.set(id, stream);
        else this.options.playRemote?.(id, stream);
      });
    };
    if (session.connection) attachMedia(session.connection);
    else session.on('peerconnection', (e: { peerconnection: RTCPeerConnection }) => attachMedia(e.peerconnection));

    session.on('progress', () => {
      if (direction === 'outbound') this.dispatch({ type: 'remote-ringing', id, at: this.now() });
    });
    session.on('confirmed', () => {
      const prepared = this.preparations.get(id)?.done;
      this.mic.attach(id, (session.connection?.getSenders() ?? []) as unknown as AudioSender[], prepared ?? undefined);
      this.dispatch({ type: 'confirmed', id, at: this.now() });
      this.syncMic(id);
    });
    // JsSIP flips the microphone track itself on each of these (jssipInternals.ts, point 2): the
    // gate puts it back to what the call's state says, in the same task, before any audio goes out.
    session.on('hold', (e: { originator: string }) => {
      this.dispatch({ type: e.originator === 'local' ? 'hold' : 'remote-hold', id, at: this.now() });
      this.syncMic(id);
    });
    session.on('unhold', (e: { originator: string }) => {
      this.dispatch({ type: e.originator === 'local' ? 'resume' : 'remote-resume', id, at: this.now() });
      this.syncMic(id);
    });
    session.on('muted', () => this.syncMic(id));
    session.on('unmuted', () => this.syncMic(id));
    session.on('replaces', ((e: { accept: (cb?: (s: RTCSession) => void) => void; reject: () => void }) => {
      // The caller this colleague handed over arrives in place of this consultation call.
      const call = this.snapshot.calls.calls[id];
      if (!call || call.phase === 'ended') {
        e.reject();
        return;
      }
      this.endOverrides.set(id, { reason: 'replaced', cause: i18n.t('sip.replacedBy') });
      this.replacing = id;
      try {
        e.accept();
      } finally {
        this.replacing = null;
      }
    }) as never);
    session.on('refer', ((e: ReferEvent) => this.transfers.onReferReceived(id, e)) as never);
    const finish = (e: { originator: string; cause: string; message?: unknown }) => {
      if (this.sessions.get(id) === session) this.finishCall(id, e, direction);
    };
    session.on('ended', finish);
    session.on('failed', finish);
  }

  /** A call is over (JsSIP said so, or the watchdog decided): record why and let go of it. */
  private finishCall(id: string, e: { originator: string; cause: string; message?: unknown }, direction: 'inbound' | 'outbound' = 'inbound') {
    const call = this.snapshot.calls.calls[id];
    const refusal = e.originator === 'remote' ? refusalOf(e.message) : null;
    const override = this.endOverrides.get(id);
    const reason = override?.reason ?? endReasonFor(e.originator, e.cause, call?.answeredAt != null, call?.direction ?? direction);
    const cause = override?.cause ?? (refusal ? `${refusal.status} ${refusal.reasonPhrase ?? ''}`.trim() : e.cause);
    this.sessions.delete(id);
    this.release(id);
    this.dispatch({ type: 'ended', id, at: this.now(), reason, cause });
    clearTimeout(this.watchdogs.get(id));
    this.watchdogs.delete(id);
    this.mic.forget(id);
    this.endOverrides.delete(id);
    this.options.playRemote?.(id, null);
    if (call) this.transfers.onCallEnded(call, { reason, cause, originator: e.originator, refusal });
    setTimeout(() => this.clearEndedCards(), endedCallLingerMs + 50);
  }

  /**
   * Ended calls leave the calls column on their own once they have been over for a while (they
   * are in the history): all but the most recent call, which stays (with its wrap-up) until
   * another call comes or the agent dismisses it.
   */
  private clearEndedCards() {
    const { order, calls } = this.snapshot.calls;
    const latest = order[order.length - 1];
    for (const id of order) {
      const call = calls[id]!;
      if (call.phase === 'ended' && id !== latest && call.endedAt !== null && this.now() - call.endedAt >= endedCallLingerMs) this.forget(id);
    }
  }

  private onIncoming(
    session: RTCSession,
    request: { call_id?: string; to?: { uri?: { user?: string } }; headers?: Record<string, { raw?: string }[]>; body?: unknown },
  ) {
    const id = `call-${this.nextId++}`;
    const replacedId = this.replacing;
    const remote = this.partyFrom(session);
    const sipHeaders = extensionHeaders(request.headers);
    const replaced = replacedId ? this.snapshot.calls.calls[replacedId] : undefined;
    const origin = replaced ? this.transfers.originReplacing(replaced) : this.transfers.originOf(remote, sipHeaders);
    origin.conversationId ??= newConversationId();
    const referredBy = replaced ? null : referringParty(request.headers);
    if (referredBy) {
      origin.referredBy = referredBy;
      // Transferred here, if only by an ordinary phone that counts nothing.
      origin.transfers = Math.max(origin.transfers ?? 0, 1);
    }
    if (replaced) guardReplacedTermination(session);
    this.track(id, session, 'inbound');
    // An offer this desk cannot answer (no codec in common, no audio) is refused before it rings.
    const codecs = typeof request.body === 'string' && request.body ? this.voiceCodecs() : null;
    const unanswerable = codecs ? unanswerableOffer(request.body as string, codecs) : null;
    const linesFree = liveCalls(this.snapshot.calls).length < this.prefs.maxLines;
    const incoming: CallEvent = {
      type: 'incoming',
      id,
      remote,
      at: this.now(),
      dialled: replaced ? replaced.dialled : request.to?.uri?.user ? callerText(request.to.uri.user, maxCallerNumber) : null,
      sipCallId: request.call_id ?? null,
      sipHeaders: replaced ? { ...replaced.sipHeaders, ...sipHeaders } : sipHeaders,
      origin,
    };
    if (!replaced && linesFree && !unanswerable && this.prefs.dnd === 'off') {
      // A call that will ring: its answer is started first (the microphone opens in the browser
      // meanwhile). JsSIP sends the 180 when this handler returns; the rest of the page (the
      // window, the history, the lookups, presence) hears of the call right after it, in a
      // microtask, so the caller's ringback never waits for them. Nothing else reaches this
      // call between the two: its next SIP message arrives in a later task.
      this.prepare(id, session);
      queueMicrotask(() => {
        if (this.sessions.get(id) === session) this.dispatch(incoming);
      });
      return;
    }
    this.dispatch(incoming);
    // Beyond the desk's lines the caller hears busy (the PBX may send them on) and it is a missed call.
    if (!replaced && !linesFree) {
      const lines = this.prefs.maxLines;
      this.endOverrides.set(id, { reason: 'missed', cause: i18n.t('sip.allLinesBusy', { count: lines }) });
      session.terminate({ status_code: 486, reason_phrase: 'Busy Here', extraHeaders: [refusalReason.allLinesBusy] });
      return;
    }
    if (unanswerable) {
      const why = unanswerableText(unanswerable);
      this.options.onProblem?.(`call ${id} (${request.call_id ?? 'no Call-ID'}) refused with 488: ${why}`);
      this.endOverrides.set(id, { reason: 'failed', cause: i18n.t('sip.noCodec', { what: unanswerableText(unanswerable, i18n.t) }) });
      session.terminate({
        status_code: 488,
        reason_phrase: 'Not Acceptable Here',
        extraHeaders: [`Warning: 305 frontdesk "${why.replace(/["\\\r\n]/g, '')}"`],
      });
      return;
    }
    if (replaced) {
      // RFC 3891: the call that replaces one in progress is taken at once, without ringing.
      this.dispatch({ type: 'answer', id, at: this.now() });
      queueMicrotask(() => session.answer(this.answerOptions()));
      return;
    }
    if (this.prefs.dnd !== 'off') {
      // Do not disturb: nothing rings; the caller hears busy (reject) or "unavailable" (missed).
      const missed = this.prefs.dnd === 'missed';
      this.endOverrides.set(id, { reason: missed ? 'missed' : 'declined', cause: i18n.t('sip.doNotDisturb') });
      session.terminate({
        ...(missed ? { status_code: 480, reason_phrase: 'Temporarily Unavailable' } : { status_code: 486, reason_phrase: 'Busy Here' }),
        extraHeaders: [refusalReason.doNotDisturb],
      });
    }
  }

  /**
   * The call rings for seconds: its answer is made meanwhile (jssipInternals.ts, point 10), so
   * Answer only sends the 200 OK and starts the audio. The microphone is opened now, but stays
   * disabled and off the call until Answer (the caller hears nothing of the agent before), and is
   * stopped when the call ends without being answered. A call without an offer in its INVITE, or
   * beyond `maxPreparedAnswers` ringing calls, is answered from scratch.
   */
  private prepare(id: string, session: RTCSession) {
    if (this.preparations.size >= maxPreparedAnswers || !canPrepareAnswer(session)) return;
    const { mediaConstraints, pcConfig } = this.mediaOptions();
    const preparation: Preparation = { ready: Promise.resolve(null), done: null };
    preparation.ready = prepareAnswer(session, { pcConfig, microphone: () => navigator.mediaDevices.getUserMedia(mediaConstraints) }).then((prepared) => {
      if (prepared && this.preparations.get(id) === preparation) preparation.done = prepared;
      else if (prepared) stopStream(prepared.stream);
      return preparation.done;
    });
    // A preparation that failed leaves the call as it was: answered from scratch (which says why, if it fails too).
    preparation.ready.catch((error: unknown) => this.options.onIgnoredTransition?.(`answer of ${id} not prepared: ${(error as Error).message}`));
    this.preparations.set(id, preparation);
  }

  /** Lets go of what was prepared for a call that ended (JsSIP has stopped its microphone too, if it knew it). */
  private release(id: string) {
    const preparation = this.preparations.get(id);
    this.preparations.delete(id);
    this.remoteWhileRinging.delete(id);
    if (preparation?.done) stopStream(preparation.done.stream);
  }

  /** Answers a ringing call: with its prepared answer (once made), else as JsSIP does it. */
  private answerSession(id: string, session: RTCSession, preparation: Preparation | undefined) {
    const withPrepared = (prepared: PreparedAnswer | null) => {
      if (this.sessions.get(id) !== session || session.isEnded()) return;
      const remote = this.remoteWhileRinging.get(id);
      this.remoteWhileRinging.delete(id);
      if (remote) this.options.playRemote?.(id, remote);
      try {
        if (prepared) answerPrepared(session, prepared);
        else session.answer(this.answerOptions());
      } catch (error) {
        // JsSIP no longer has the call ringing (it ended meanwhile): its own events tell the rest
        this.options.onProblem?.(`call ${id} could not be answered: ${(error as Error).message}`);
      }
    };
    if (!preparation) withPrepared(null);
    else if (preparation.done) withPrepared(preparation.done);
    else preparation.ready.then(withPrepared, () => withPrepared(null));
  }

  private mediaOptions() {
    const mic = this.prefs.microphoneId;
    return {
      mediaConstraints: { audio: mic ? { deviceId: { exact: mic } } : true, video: false },
      pcConfig: { iceServers: [] as RTCIceServer[] },
    };
  }

  /**
   * Answering: as placing a call, and when the INVITE came without SDP (a late offer, which many
   * PBXs and carriers send) our offer goes in the 200 with an audio section. Without
   * offerToReceiveAudio JsSIP would ask for no microphone on an offer-less INVITE and wait for
   * ever on an offer with no media in it.
   */
  private answerOptions() {
    return { ...this.mediaOptions(), rtcOfferConstraints: { offerToReceiveAudio: true } };
  }

  /** Puts every call the agent is talking on (other than `except`) on hold: the agent takes another line. */
  private holdOthers(except: string | null) {
    for (const other of liveCalls(this.snapshot.calls)) {
      if (other.id !== except && (other.phase === 'active' || other.phase === 'remote-held')) this.hold(other.id);
    }
  }

  answer(id: string) {
    const session = this.sessions.get(id);
    const call = this.snapshot.calls.calls[id];
    if (!session || call?.phase !== 'ringing-in') return;
    // Taking a second line puts whoever the agent was talking to on hold first.
    this.holdOthers(id);
    const preparation = this.preparations.get(id);
    if (preparation?.done) {
      // The 200 OK goes out first; what the call's change sets off here (the window, the history) after it.
      this.answerSession(id, session, preparation);
      this.dispatch({ type: 'answer', id, at: this.now() });
      return;
    }
    this.dispatch({ type: 'answer', id, at: this.now() });
    this.answerSession(id, session, preparation);
  }

  /** Puts a call on hold (re-INVITE with sendonly); this desk sends the held caller nothing. */
  hold(id: string) {
    this.changeHold(id, true);
  }

  /** Takes a call off hold; any other call the agent is talking to goes on hold first. */
  resume(id: string) {
    this.holdOthers(id);
    this.changeHold(id, false);
  }

  /**
   * The caller is back with the agent (a transfer that did not happen, "Keep the caller"): off
   * hold and unmuted, so they hear the agent at once.
   */
  private bringBack(id: string) {
    const call = this.snapshot.calls.calls[id];
    if (!call || call.phase === 'ended') return;
    if (call.muted) this.setMuted(id, false);
    if (call.phase === 'held') this.resume(id);
  }

  /**
   * Hold and resume, guarded. JsSIP's own hold()/unhold() end the whole call when the re-INVITE
   * fails (a 491 glare included): a receptionist must never lose a caller that way. So the call
   * changes state here at once (on hold, the microphone sends nothing from this moment), and the
   * re-INVITE is sent with handlers of our own: while another offer is in progress it waits for
   * it; on 491 it is offered again after the random wait RFC 3261 §14.1 asks for, keeping the
   * state the agent asked for meanwhile; on any other failure the call goes back to the state the
   * far end still has, and the agent is told. A hold that fails mutes the microphone (shown on
   * Mute) so the caller still cannot hear the office.
   */
  private changeHold(id: string, held: boolean) {
    const session = this.sessions.get(id);
    if (!session || !session.isEstablished() || isLocallyHeld(session) === held) return;
    setLocalHold(session, held); // emits hold/unhold: the call's phase and microphone follow
    this.offerHold(id, held, 0, 0);
  }

  private offerHold(id: string, held: boolean, notReady: number, glare: number) {
    const session = this.sessions.get(id);
    // Gone, or the agent changed their mind meanwhile (a newer offer is on its way).
    if (!session || !session.isEstablished() || isLocallyHeld(session) !== held) return;
    if (!session.isReadyToReOffer()) {
      // Another offer is in progress (the far end's re-INVITE, our earlier one): send after it.
      if (notReady < notReadyRetries) setTimeout(() => this.offerHold(id, held, notReady + 1, glare), notReadyWaitMs);
      else this.holdNotTaken(id, held, i18n.t(held ? 'sip.holdNotSent' : 'sip.resumeNotSent'));
      return;
    }
    sendReinvite(session, {
      succeeded: () => this.dispatch({ type: 'notice', id, text: null }),
      failed: (response) => {
        if (isLocallyHeld(session) !== held) return; // superseded by a newer change
        const code = response?.status_code;
        if (code === 481 || code === 408) {
          session.terminate();
          return;
        }
        if (code === 491 && glare < glareRetries) {
          this.dispatch({ type: 'notice', id, text: i18n.t(held ? 'sip.holdGlare' : 'sip.resumeGlare') });
          setTimeout(() => this.offerHold(id, held, 0, glare + 1), 2100 + Math.random() * 1900);
          return;
        }
        const why = code ? `${code} ${response?.reason_phrase ?? ''}`.trim() : i18n.t('sip.noReinviteAnswer');
        this.holdNotTaken(id, held, i18n.t(held ? 'sip.holdFailed' : 'sip.resumeFailed', { why }));
      },
    });
  }

  /** The far end did not take a hold or resume: back to the state it still has, and say why. */
  private holdNotTaken(id: string, held: boolean, notice: string) {
    const session = this.sessions.get(id);
    if (!session || session.isEnded()) return;
    setLocalHold(session, !held);
    if (held) this.setMuted(id, true);
    this.dispatch({ type: 'notice', id, text: notice });
  }

  /** Mutes or unmutes the agent's microphone on one call, independent of hold. */
  setMuted(id: string, muted: boolean) {
    const session = this.sessions.get(id);
    const call = this.snapshot.calls.calls[id];
    // A call that rings here has no media yet: there is nothing to mute.
    if (!session?.connection || !call || call.phase === 'ended' || call.phase === 'ringing-in') return;
    if (muted) session.mute({ audio: true });
    else session.unmute({ audio: true });
    this.dispatch({ type: 'mute', id, muted });
    this.syncMic(id);
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

  /** Declines a ringing call; the Reason header tells a colleague's Frontdesk that a person declined it. */
  decline(id: string, statusCode: 486 | 603 = 486) {
    const session = this.sessions.get(id);
    const call = this.snapshot.calls.calls[id];
    if (!session || call?.phase !== 'ringing-in') return;
    this.dispatch({ type: 'hangup', id, at: this.now() });
    session.terminate({ status_code: statusCode, reason_phrase: statusCode === 486 ? 'Busy Here' : 'Decline', extraHeaders: [refusalReason.declined] });
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
    this.holdOthers(null);
    let session: RTCSession;
    try {
      session = ua.call(uri, { ...this.mediaOptions(), extraHeaders: extra.extraHeaders ?? [] });
    } catch (error) {
      this.dispatch({ type: 'dial', id, remote: party, at: this.now(), origin: extra.origin });
      this.dispatch({ type: 'ended', id, at: this.now(), reason: 'failed', cause: (error as Error).message });
      return id;
    }
    this.dispatch({ type: 'dial', id, remote: party, at: this.now(), sipCallId: sipCallIdOf(session), origin: extra.origin });
    this.track(id, session, 'outbound');
    return id;
  }

  // ---- transfers (transfers.ts) ----

  /** Starts a warm or blind transfer of call `callId` (the caller) to a colleague; see Transfers.start. */
  startTransfer(callId: string, kind: 'warm' | 'blind', target: Party, note: HandoffNote): boolean {
    return this.transfers.start(callId, kind, target, note);
  }

  /** Completes a warm transfer: REFER with Replaces to the caller; the agent drops out when it reports success. */
  completeTransfer(callId: string) {
    this.transfers.complete(callId);
  }

  /** The agent gives up a transfer (or keeps the caller after a refused REFER): the caller is back, resumed. */
  cancelTransfer(callId: string) {
    this.transfers.cancel(callId);
  }

  /** After the caller's phone refused REFER with Replaces: try an unattended REFER instead. */
  blindTransferInstead(callId: string) {
    this.transfers.blindInstead(callId);
  }

  /** Dismisses a failed transfer's message. */
  clearTransfer(callId: string) {
    this.transfers.clear(callId);
  }

  /**
   * Sends a SIP MESSAGE out of dialog to an extension; resolves with how it was answered (never
   * rejects: a message that could not go out is an answer too, `ok: false`).
   */
  sendMessage(target: string, body: string, contentType: string, extraHeaders: string[] = []): Promise<MessageAnswer> {
    const ua = this.ua;
    const account = this.snapshot.account;
    if (!ua || !account || this.snapshot.registration.state !== 'registered') return Promise.resolve({ ok: false, status: 0, result: 'not registered with the PBX' });
    return new Promise((resolve) => {
      try {
        ua.sendMessage(`sip:${target}@${account.domain}`, body, {
          contentType,
          extraHeaders,
          eventHandlers: {
            succeeded: (e: { response?: { status_code?: number; reason_phrase?: string } }) =>
              resolve({ ok: true, status: e.response?.status_code ?? 200, result: `${e.response?.status_code ?? 200} ${e.response?.reason_phrase ?? 'OK'}`.trim() }),
            failed: (e: { response?: { status_code?: number; reason_phrase?: string }; cause?: string }) =>
              resolve({
                ok: false,
                status: e.response?.status_code ?? 0,
                result: e.response ? `${e.response.status_code} ${e.response.reason_phrase ?? ''}`.trim() : (e.cause ?? 'no answer'),
              }),
          },
        });
      } catch (error) {
        resolve({ ok: false, status: 0, result: (error as Error).message });
      }
    });
  }

  /** Messages and receipts from other Frontdesks (see common/messages.ts); they do not show as text messages. */
  onStructuredMessage(listener: (m: StructuredMessage) => void): () => void {
    this.structuredListeners.add(listener);
    return () => this.structuredListeners.delete(listener);
  }

  private structuredOf(request: IncomingRequest): StructuredMessage | null {
    const user = request.from?.uri?.user;
    if (!user) return null;
    const from = { user, name: request.from?.display_name ? displaySafe(request.from.display_name).slice(0, 200) : '' };
    const encoded = request.getHeader(messageHeaders.message)?.trim();
    if (encoded) {
      const message = decodeMessage(encoded, base64);
      // Shown as text: control characters and bidirectional overrides do not reach the screen.
      return message ? { kind: 'message', from, message: safeStrings(message) } : null;
    }
    const type = request.getHeader('Content-Type') ?? '';
    if (type.split(';')[0]!.trim().toLowerCase() === messageStatusContentType && typeof request.body === 'string') {
      try {
        const status = MessageStatusSchema.safeParse(JSON.parse(request.body));
        return status.success ? { kind: 'status', from, status: status.data } : null;
      } catch {
        return null;
      }
    }
    return null;
  }

  forget(id: string) {
    this.dispatch({ type: 'forget', id });
  }

  /** What a call's microphone sends now (live, muted, off), or null before the call is up. */
  microphone(id: string): MicState | null {
    return this.mic.actual(id);
  }

  /**
   * A call's audio, for its recording: the microphone track (its `enabled` follows mute and hold)
   * and the far end's stream. Nulls before the call is up.
   */
  callMedia(id: string): { microphone: MediaStreamTrack | null; remote: MediaStream | null } {
    const receiver = this.sessions.get(id)?.connection?.getReceivers().find((r) => r.track?.kind === 'audio');
    return { microphone: (this.mic.microphone(id) as MediaStreamTrack | null) ?? null, remote: receiver?.track ? new MediaStream([receiver.track]) : null };
  }

  /** Sends `track` (a mix built on the microphone) instead of the bare microphone on a call, or the microphone again with null. */
  setOutgoingAudio(id: string, track: MediaStreamTrack | null) {
    const call = this.snapshot.calls.calls[id];
    if (call) this.mic.setOutgoing(id, track, micStateFor(call));
  }

  /** RTP counters of each live call, from WebRTC's own statistics (for diagnostics and tests). */
  async mediaStats(): Promise<MediaStats[]> {
    const out: MediaStats[] = [];
    for (const [callId, session] of this.sessions) {
      const pc = session.connection;
      // (a ringing call's prepared connection carries nothing yet)
      if (!pc || this.snapshot.calls.calls[callId]?.phase === 'ringing-in') continue;
      const stats = await pc.getStats();
      const row: MediaStats = {
        callId,
        sipCallId: sipCallIdOf(session) ?? '',
        packetsSent: 0,
        packetsReceived: 0,
        bytesSent: 0,
        bytesReceived: 0,
        audioEnergyReceived: 0,
        iceState: pc.iceConnectionState,
        connectionState: pc.connectionState,
        microphone: this.mic.actual(callId),
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
