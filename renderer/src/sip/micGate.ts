import type { CallPhase } from './callMachine';

/**
 * The one owner of what this desk's microphone sends on each call.
 *
 * - **live**: the call is up and not muted: the track is attached to the call's audio sender and
 *   enabled. The caller hears the agent.
 * - **muted**: the agent pressed Mute: the track stays attached but disabled, so the call carries
 *   packets of silence and DTMF (RFC 4733 goes through the same sender) still works.
 * - **off**: the call is held (by us or by the far end), ringing, or over: the track is detached,
 *   so a held caller receives nothing at all from this desk.
 *
 * JsSIP flips `track.enabled` itself on hold, resume, mute and unmute, but only on the senders
 * that have a track at that moment (see jssipInternals.ts, point 2): a track detached while held
 * comes back disabled, and the caller hears silence while the packets flow. So the gate never
 * trusts the track's state: `apply` sets both the attachment and `enabled` from the call's state,
 * and the engine calls it after every JsSIP event that may have touched them.
 */
export type MicState = 'live' | 'muted' | 'off';

/** What the microphone should send for a call in this phase, muted or not. */
export function micStateFor(call: { phase: CallPhase; muted: boolean }): MicState {
  if (call.phase !== 'active' && call.phase !== 'answering') return 'off';
  return call.muted ? 'muted' : 'live';
}

/** The parts of an RTCRtpSender (and its track) the gate uses. */
export interface AudioTrack {
  readonly kind: string;
  enabled: boolean;
}
export interface AudioSender {
  readonly track: AudioTrack | null;
  replaceTrack(track: AudioTrack | null): Promise<void>;
}

interface Entry {
  sender: AudioSender;
  track: AudioTrack;
  /** What is sent instead of the bare microphone (a mix of it with a consent announcement or beeps), while set. */
  outgoing: AudioTrack | null;
  /** The track the sender should have once every replaceTrack in flight is done. */
  wanted: AudioTrack | null;
  /** replaceTrack calls, one after the other, so the last one asked for is the one that stays. */
  queue: Promise<void>;
}

export class MicrophoneGate {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly onError: (callId: string, error: Error) => void = () => undefined) {}

  /**
   * Learns a call's audio sender and its microphone track, once the call is up. Returns false
   * while there is none yet (no sender with an audio track). `known`: the sender and track of an
   * answer prepared while the call rang (its track may still be on its way to the sender).
   */
  attach(callId: string, senders: readonly AudioSender[], known?: { sender: AudioSender; track: AudioTrack }): boolean {
    if (this.entries.has(callId)) return true;
    const sender = known?.sender ?? senders.find((s) => s.track?.kind === 'audio');
    const track = known?.track ?? sender?.track;
    if (!sender || !track) return false;
    this.entries.set(callId, { sender, track, outgoing: null, wanted: track, queue: Promise.resolve() });
    return true;
  }

  /** Makes the call send what `state` says: see the class comment. */
  apply(callId: string, state: MicState) {
    const e = this.entries.get(callId);
    if (!e) return;
    e.track.enabled = state === 'live';
    // A mix built on the microphone carries the microphone's silence when muted: it stays enabled.
    if (e.outgoing) e.outgoing.enabled = state !== 'off';
    const want = state === 'off' ? null : (e.outgoing ?? e.track);
    if (e.wanted === want) return;
    e.wanted = want;
    e.queue = e.queue
      .then(() => (e.sender.track === e.wanted ? undefined : e.sender.replaceTrack(e.wanted)))
      .catch((error: unknown) => this.onError(callId, error instanceof Error ? error : new Error(String(error))));
  }

  /** What a call's microphone sends now (null: not known yet), read off the sender and track. */
  actual(callId: string): MicState | null {
    const e = this.entries.get(callId);
    if (!e) return null;
    if (e.sender.track === null || e.sender.track !== (e.outgoing ?? e.track)) return 'off';
    return e.track.enabled ? 'live' : 'muted';
  }

  /** The call's microphone track (null before the call is up). */
  microphone(callId: string): AudioTrack | null {
    return this.entries.get(callId)?.track ?? null;
  }

  /**
   * Sends `track` (a mix built on the microphone: a consent announcement, recording beeps) in the
   * microphone's place, or the microphone again with null; `state` is what the call sends now.
   */
  setOutgoing(callId: string, track: AudioTrack | null, state: MicState) {
    const e = this.entries.get(callId);
    if (!e) return;
    e.outgoing = track;
    this.apply(callId, state);
  }

  /** Resolves when every track change asked for so far has been made. */
  settled(callId: string): Promise<void> {
    return this.entries.get(callId)?.queue ?? Promise.resolve();
  }

  forget(callId: string) {
    this.entries.delete(callId);
  }
}
