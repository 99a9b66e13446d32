/**
 * Sound in the renderer: the far end's audio per call, and a ringtone made with Web Audio
 * (no asset to ship). A remote WebRTC stream must play through a media element to be heard.
 */
export class AudioOut {
  private readonly elements = new Map<string, HTMLAudioElement>();
  private ctx: AudioContext | null = null;
  private ringTimer: ReturnType<typeof setInterval> | null = null;

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
    }
    el.srcObject = stream;
    void el.play().catch(() => undefined);
  };

  /** Rings (425 Hz, 1 s on, 3 s off) until stopped. */
  startRinging() {
    if (this.ringTimer) return;
    try {
      this.ctx ??= new AudioContext();
    } catch {
      return;
    }
    const burst = () => {
      const ctx = this.ctx;
      if (!ctx) return;
      void ctx.resume().catch(() => undefined);
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 425;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 1);
    };
    burst();
    this.ringTimer = setInterval(burst, 4000);
  }

  stopRinging() {
    if (this.ringTimer) clearInterval(this.ringTimer);
    this.ringTimer = null;
  }
}
