import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRTCSessionEvent, OutgoingRTCSessionEvent } from 'jssip/lib/UA';
import type { SipAccount } from '../../../common/provisioning';
import { emptyCalls, reduceCalls, type CallEndReason, type CallEvent, type CallsState, type Party } from './callMachine';

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
  /** RTCPeerConnection's ICE and overall connection state. */
  iceState: string;
  connectionState: string;
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

export class SipEngine {
  private snapshot: EngineSnapshot = { account: null, registration: { state: 'no-account' }, calls: emptyCalls };
  private readonly listeners = new Set<() => void>();
  private ua: JsSIP.UA | null = null;
  private readonly sessions = new Map<string, RTCSession>();
  private readonly now: () => number;
  private nextId = 1;

  constructor(private readonly options: EngineOptions = {}) {
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
    session.on('confirmed', () => this.dispatch({ type: 'confirmed', id, at: this.now() }));
    const finish = (e: { originator: string; cause: string; message?: unknown }) => {
      const call = this.snapshot.calls.calls[id];
      const msg = e.message as { status_code?: number; reason_phrase?: string } | undefined;
      const status = msg?.status_code ? `${msg.status_code} ${msg.reason_phrase ?? ''}`.trim() : null;
      this.dispatch({
        type: 'ended',
        id,
        at: this.now(),
        reason: endReasonFor(e.originator, e.cause, call?.answeredAt != null, direction),
        cause: status ?? e.cause,
      });
      this.sessions.delete(id);
      this.options.playRemote?.(id, null);
    };
    session.on('ended', finish);
    session.on('failed', finish);
  }

  private onIncoming(session: RTCSession, request: { call_id?: string; to?: { uri?: { user?: string } } }) {
    const id = `call-${this.nextId++}`;
    this.track(id, session, 'inbound');
    this.dispatch({
      type: 'incoming',
      id,
      remote: this.partyFrom(session),
      at: this.now(),
      dialled: request.to?.uri?.user ?? null,
      sipCallId: request.call_id ?? null,
    });
  }

  private mediaOptions() {
    return {
      mediaConstraints: { audio: true, video: false },
      pcConfig: { iceServers: [] as RTCIceServer[] },
    };
  }

  answer(id: string) {
    const session = this.sessions.get(id);
    const call = this.snapshot.calls.calls[id];
    if (!session || call?.phase !== 'ringing-in') return;
    this.dispatch({ type: 'answer', id, at: this.now() });
    session.answer(this.mediaOptions());
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
  dial(target: string): string | null {
    const ua = this.ua;
    const account = this.snapshot.account;
    if (!ua || !account) return null;
    const id = `call-${this.nextId++}`;
    const uri = target.startsWith('sip:') ? target : `sip:${target}@${account.domain}`;
    const party: Party = { number: target, displayName: null };
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
        iceState: pc.iceConnectionState,
        connectionState: pc.connectionState,
      };
      stats.forEach((s: { type: string; kind?: string; packetsSent?: number; packetsReceived?: number; bytesSent?: number; bytesReceived?: number }) => {
        if (s.type === 'outbound-rtp' && s.kind === 'audio') {
          row.packetsSent += s.packetsSent ?? 0;
          row.bytesSent += s.bytesSent ?? 0;
        } else if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          row.packetsReceived += s.packetsReceived ?? 0;
          row.bytesReceived += s.bytesReceived ?? 0;
        }
      });
      out.push(row);
    }
    return out;
  }
}
