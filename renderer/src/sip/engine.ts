import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRTCSessionEvent, OutgoingRTCSessionEvent } from 'jssip/lib/UA';
import type { SipAccount } from '../../../common/provisioning';
import { applyJsSipFixes } from './jssipFixes';
import { emptyCalls, liveCalls, reduceCalls, type CallEndReason, type CallEvent, type CallsState, type Party } from './callMachine';

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

export interface EngineSnapshot {
  account: { user: string; domain: string; displayName: string | null } | null;
  registration: Registration;
  calls: CallsState;
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
}

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
  private snapshot: EngineSnapshot = { account: null, registration: { state: 'no-account' }, calls: emptyCalls };
  private readonly listeners = new Set<() => void>();
  private ua: JsSIP.UA | null = null;
  private readonly sessions = new Map<string, RTCSession>();
  /** Each call's audio sender and the microphone track it sends when not held or muted. */
  private readonly senders = new Map<string, { sender: RTCRtpSender; track: MediaStreamTrack }>();
  /** End reasons decided here rather than read from JsSIP's cause (calls refused by DND). */
  private readonly endOverrides = new Map<string, { reason: CallEndReason; cause: string }>();
  private prefs: EnginePreferences = { dnd: 'off', microphoneId: '' };
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

  configure(prefs: EnginePreferences) {
    this.prefs = prefs;
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
    const finish = (e: { originator: string; cause: string; message?: unknown }) => {
      const call = this.snapshot.calls.calls[id];
      const msg = e.message as { status_code?: number; reason_phrase?: string } | undefined;
      const status = msg?.status_code ? `${msg.status_code} ${msg.reason_phrase ?? ''}`.trim() : null;
      const override = this.endOverrides.get(id);
      this.dispatch({
        type: 'ended',
        id,
        at: this.now(),
        reason: override?.reason ?? endReasonFor(e.originator, e.cause, call?.answeredAt != null, direction),
        cause: override?.cause ?? status ?? e.cause,
      });
      this.sessions.delete(id);
      this.senders.delete(id);
      this.endOverrides.delete(id);
      this.options.playRemote?.(id, null);
    };
    session.on('ended', finish);
    session.on('failed', finish);
  }

  private onIncoming(
    session: RTCSession,
    request: { call_id?: string; to?: { uri?: { user?: string } }; headers?: Record<string, { raw?: string }[]> },
  ) {
    const id = `call-${this.nextId++}`;
    this.track(id, session, 'inbound');
    this.dispatch({
      type: 'incoming',
      id,
      remote: this.partyFrom(session),
      at: this.now(),
      dialled: request.to?.uri?.user ?? null,
      sipCallId: request.call_id ?? null,
      sipHeaders: extensionHeaders(request.headers),
    });
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
  dial(target: string, displayName: string | null = null): string | null {
    const ua = this.ua;
    const account = this.snapshot.account;
    if (!ua || !account) return null;
    const id = `call-${this.nextId++}`;
    const uri = target.startsWith('sip:') ? target : `sip:${target}@${account.domain}`;
    const party: Party = { number: target, displayName };
    for (const other of liveCalls(this.snapshot.calls)) {
      if (other.phase === 'active' || other.phase === 'remote-held') this.hold(other.id);
    }
    let session: RTCSession;
    try {
      session = ua.call(uri, this.mediaOptions());
    } catch (error) {
      this.dispatch({ type: 'dial', id, remote: party, at: this.now() });
      this.dispatch({ type: 'ended', id, at: this.now(), reason: 'failed', cause: (error as Error).message });
      return id;
    }
    const sipCallId = (session as unknown as { _request?: { call_id?: string } })._request?.call_id ?? null;
    this.dispatch({ type: 'dial', id, remote: party, at: this.now(), sipCallId });
    this.track(id, session, 'outbound');
    return id;
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
