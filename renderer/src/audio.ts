/** What keepCallsPlaying needs of navigator.mediaSession. */
export type MediaKeySession = Pick<MediaSession, 'setActionHandler'>;

/**
 * Media keys (a keyboard's or a headset's Play/Pause, Stop) must not pause the caller: Chromium's
 * media session sends them to the page's playing media, and the call's <audio> element would stop
 * while the call goes on. With the session's actions handled here, the key no longer pauses it:
 * the call's audio plays on (and is started again should anything have paused it).
 */
export function keepCallsPlaying(mediaSession: MediaKeySession | undefined, callAudio: () => Iterable<HTMLMediaElement>) {
  if (!mediaSession) return;
  const resume = () => {
    for (const el of callAudio()) if (el.paused) void el.play().catch(() => undefined);
  };
  for (const action of ['play', 'pause', 'stop'] as const) {
    try {
      mediaSession.setActionHandler(action, resume);
    } catch {
      // an action this browser does not know
    }
  }
}

/**
 * Sound in the renderer: the far end's audio per call, and a ringtone made with Web Audio
 * (no asset to ship). A remote WebRTC stream must play through a media element to be heard.
 */
export class AudioOut {
  private readonly elements = new Map<string, HTMLAudioElement>();
  private ctx: AudioContext | null = null;
  private ringTimer: ReturnType<typeof setInterval> | null = null;
  private ringKind: 'ring' | 'waiting' | null = null;
  private speakerId = '';
  private ringerId = '';
  /** The device the ringtone's context was last set to play on (null: not set yet). */
  private ctxSink: string | null = null;

  /**
   * Makes the ringtone's audio context now, at start, and suspends it until a call rings: creating
   * one takes tens of milliseconds (Chromium starts its audio machinery), which the first ringing
   * call would otherwise wait for before its card is drawn.
   */
  prepare() {
    keepCallsPlaying(typeof navigator !== 'undefined' ? navigator.mediaSession : undefined, () => this.elements.values());
    try {
      this.ctx ??= new AudioContext();
      void this.ctx.suspend().catch(() => undefined);
      // Its output device too (1.7 ms in the first ringing call's profile when left to the first ring).
      this.ringOn(this.ringerId);
      // The first oscillator and gain a page makes cost about 2 ms (measured in the first ringing
      // call's profile): made once here, unused, so the first ring does not pay for them.
      this.ctx.createOscillator().disconnect();
      this.ctx.createGain().disconnect();
    } catch {
      // no audio output: the ringtone stays silent, calls still ring on screen
    }
  }

  /** Chooses the devices: calls on the headset (speaker), the ringtone on a separate ringer. */
  setDevices(speakerId: string, ringerId: string) {
    this.speakerId = speakerId;
    if (ringerId !== this.ringerId) {
      this.ringerId = ringerId;
      this.ringOn(ringerId);
    }
    for (const el of this.elements.values()) this.applySink(el);
  }

  /**
   * The ringtone's context plays on `deviceId`; set only when it changes (setSinkId cost 1.6 ms on
   * every ring, inside the ringing call's task).
   */
  private ringOn(deviceId: string) {
    const ctx = this.ctx as (AudioContext & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (!ctx?.setSinkId || this.ctxSink === deviceId) return;
    this.ctxSink = deviceId;
    void ctx.setSinkId(deviceId).catch(() => {
      if (this.ctxSink === deviceId) this.ctxSink = null;
    });
  }

  private applySink(el: HTMLAudioElement) {
    const withSink = el as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };
    if (withSink.setSinkId && withSink.sinkId !== this.speakerId) void withSink.setSinkId(this.speakerId).catch(() => undefined);
  }

  playRemote = (callId: string, stream: MediaStream | null) => {
    let el = this.elements.get(callId);
    if (!stream) {
      if (el) {
        el.srcObject = null;
        el.remove();
        this.elements.delete(callId);
      }
      return;
    }
    if (!el) {
      el = document.createElement('audio');
      el.autoplay = true;
      el.dataset.callId = callId;
      el.hidden = true;
      document.body.append(el);
      this.elements.set(callId, el);
      this.applySink(el);
    }
    el.srcObject = stream;
    void el.play().catch(() => undefined);
  };

  /**
   * Rings until stopped: "ring" is the full ringtone (425 Hz, 1 s on, 3 s off) on the ringer;
   * "waiting" is the discreet call-waiting tone (two short beeps every 3 s) in the headset, for a
   * second call while the agent is on the phone.
   */
  startRinging(kind: 'ring' | 'waiting' = 'ring') {
    if (this.ringKind === kind) return;
    this.stopRinging();
    try {
      this.ctx ??= new AudioContext();
      this.ringOn(kind === 'ring' ? this.ringerId : this.speakerId);
    } catch {
      return;
    }
    const beep = (at: number, seconds: number, gainValue: number) => {
      const ctx = this.ctx;
      if (!ctx) return;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 425;
      gain.gain.value = gainValue;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + seconds);
    };
    const pattern = () => {
      void this.ctx?.resume().catch(() => undefined);
      if (kind === 'ring') beep(0, 1, 0.15);
      else {
        beep(0, 0.2, 0.05);
        beep(0.4, 0.2, 0.05);
      }
    };
    pattern();
    this.ringKind = kind;
    this.ringTimer = setInterval(pattern, kind === 'ring' ? 4000 : 3000);
  }

  stopRinging() {
    if (this.ringTimer) clearInterval(this.ringTimer);
    this.ringTimer = null;
    this.ringKind = null;
  }
}
