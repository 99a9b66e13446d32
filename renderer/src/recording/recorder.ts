import type { FrontdeskApi } from '../../../common/contract';
import type { RecordingDisk, RetentionReport } from '../../../common/recordings';
import type { Settings } from '../../../common/settings';
import type { Call } from '../sip/callMachine';
import type { SipEngine } from '../sip/engine';
import { CallRecording, recordingContext } from './callRecording';
import { errorText, i18n } from '../i18n';
import { Store } from '../store';

/**
 * Call recording for the whole page, outside React (wired in main.tsx): it records what the
 * admin's policy says the moment a call is answered, follows each recorded call through hold and
 * its end, records a warm transfer's consultation as a segment of its own (same conversation), and
 * takes the agent's commands (Record, Stop, Pause, Resume) from the buttons and the keys alike.
 * Where the policy asks, the caller hears a consent announcement when the recording starts and/or
 * a short beep every 15 s: what this desk sends is then a mix of the microphone and those sounds
 * (the engine sends it in the microphone's place; mute and hold still apply).
 */

export type RecordingPolicy = Pick<
  Settings,
  'recordingPolicy' | 'recordingLines' | 'recordingConsent' | 'recordingAgentMayStop'
>;

/** Whether the policy records this call by itself (the agent may still record on demand unless the policy is off). */
export function policyRecords(call: Pick<Call, 'direction' | 'dialled' | 'consultFor'>, policy: RecordingPolicy): boolean {
  switch (policy.recordingPolicy) {
    case 'all':
      return true;
    case 'inbound':
      return call.direction === 'inbound';
    case 'outbound':
      return call.direction === 'outbound';
    case 'lines': {
      const digits = (s: string) => s.replace(/\D+/g, '');
      const dialled = call.dialled ? digits(call.dialled) : '';
      return dialled !== '' && policy.recordingLines.some((line) => digits(line) === dialled);
    }
    default:
      return false;
  }
}

/**
 * Which segment of the caller's conversation a call is: the caller's own leg, or a warm transfer's
 * consultation, on the side handing over (it has the caller's leg) and on the colleague's (it came
 * with a note about someone else than the one calling).
 */
export function segmentOf(call: Pick<Call, 'consultFor' | 'handoff' | 'subject' | 'remote'>): 'call' | 'consultation' {
  if (call.consultFor) return 'consultation';
  const h = call.handoff;
  return h !== null && h.kind === 'warm' && h.via !== 'replaces' && call.subject.number !== call.remote.number ? 'consultation' : 'call';
}

export interface CallRecordingView {
  state: 'starting' | 'recording' | 'paused' | 'stopping';
  byPolicy: boolean;
  /** The agent may stop and pause it (not a policy recording the admin locked on). */
  agentMayStop: boolean;
}

export interface RecorderView {
  calls: Readonly<Record<string, CallRecordingView>>;
  /** Something the agent should know about recording (a failed write, a disk nearly full), or null. */
  problem: string | null;
  /** The disk recordings go to is nearly full. */
  lowDisk: RecordingDisk | null;
  /** What retention last deleted (at start or in its daily run), until the agent dismisses it. */
  retention: RetentionReport | null;
}

const beepEveryMs = 15_000;
const talked = (c: Call) => c.answeredAt !== null && (c.phase === 'active' || c.phase === 'held' || c.phase === 'remote-held');

export class Recorder {
  /** The recordings' context (16 kHz; its output is silence), running while anything records. */
  private recordingCtx: Promise<AudioContext> | null = null;
  /** The context mixing a consent announcement or beep into what is sent (the call's own rate). */
  private consentCtx: AudioContext | null = null;
  private policy: RecordingPolicy = { recordingPolicy: 'on-demand', recordingLines: [], recordingConsent: 'none', recordingAgentMayStop: true };
  private readonly active = new Map<string, { rec: CallRecording; byPolicy: boolean; held: boolean; consent: (() => void) | null }>();
  /** Calls the policy has been asked about (each once: a stopped policy recording does not start again). */
  private readonly decided = new Set<string>();
  private readonly store = new Store<RecorderView>({ calls: {}, problem: null, lowDisk: null, retention: null });
  private get view(): RecorderView {
    return this.store.get();
  }
  private announcementBuffer: Promise<AudioBuffer> | null = null;
  /** While anything records, the disk is looked at once a minute: the agent hears of a filling disk before a write fails. */
  private diskWatch: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly engine: SipEngine,
    private readonly api: FrontdeskApi,
    /** The capture worklet's script (captureWorklet.ts, bundled on its own). */
    private readonly captureUrl: string,
  ) {
    engine.subscribe(() => this.follow());
    const apply = (s: { values: Settings }) => {
      this.policy = s.values;
      this.announcementBuffer = null; // (the file or the language may have changed)
    };
    api.settings.get().then(apply, () => undefined);
    api.settings.onChanged(apply);
    // What retention deleted: the run at start (before this page was open) and the daily ones.
    api.recordings.lastRetention().then((r) => r && this.publish({ retention: r }), () => undefined);
    api.recordings.onRetention((r) => this.publish({ retention: r }));
  }

  subscribe = this.store.subscribe;
  getView = this.store.get;

  private publish(patch: Partial<RecorderView>) {
    this.store.patch(patch);
  }

  private setCall(id: string, v: CallRecordingView | null) {
    const { [id]: _gone, ...rest } = this.view.calls;
    this.publish({ calls: v ? { ...rest, [id]: v } : rest });
  }

  private call(id: string): Call | undefined {
    return this.engine.getSnapshot().calls.calls[id];
  }

  /** The policy decides when a call is answered; recordings follow hold and the call's end. */
  private follow() {
    const { calls } = this.engine.getSnapshot();
    for (const id of calls.order) {
      const call = calls.calls[id]!;
      const entry = this.active.get(id);
      if (call.phase === 'ended') {
        if (entry) void this.stopRecording(id);
        continue;
      }
      if (entry) {
        const held = call.phase === 'held' || call.phase === 'remote-held';
        if (held !== entry.held) {
          entry.held = held;
          entry.rec.held(held);
        }
        continue;
      }
      if (!talked(call) || this.decided.has(id)) continue;
      this.decided.add(id);
      // A consultation is its own segment of a caller the desk records.
      const recordedCaller = call.consultFor ? this.active.has(call.consultFor) : false;
      if (recordedCaller || policyRecords(call, this.policy)) void this.startRecording(id, true);
    }
  }

  /** The agent's Record (button or key): refused when the policy is off. */
  record(id: string) {
    const call = this.call(id);
    if (!call || !talked(call) || this.active.has(id)) return;
    if (this.policy.recordingPolicy === 'off') {
      this.publish({ problem: i18n.t('recorder.switchedOff') });
      return;
    }
    void this.startRecording(id, false);
  }

  /** The agent's Stop: not for a policy recording the administrator does not let the agent stop. */
  stop(id: string) {
    const entry = this.active.get(id);
    if (!entry || (entry.byPolicy && !this.policy.recordingAgentMayStop)) return;
    void this.stopRecording(id);
  }

  pause(id: string) {
    const entry = this.active.get(id);
    if (!entry || (entry.byPolicy && !this.policy.recordingAgentMayStop)) return;
    entry.rec.pause();
    this.setCall(id, { ...this.view.calls[id]!, state: 'paused' });
  }

  resume(id: string) {
    const entry = this.active.get(id);
    if (!entry) return;
    entry.rec.resume();
    this.setCall(id, { ...this.view.calls[id]!, state: 'recording' });
  }

  /** Record, or stop, the call: what one key does. */
  toggle(id: string) {
    if (this.active.has(id)) this.stop(id);
    else this.record(id);
  }

  private async startRecording(id: string, byPolicy: boolean) {
    const call = this.call(id);
    const account = this.engine.getSnapshot().account;
    const media = this.engine.callMedia(id);
    if (!call || !account || !call.sipCallId || !media.microphone || !media.remote) return;
    const agentMayStop = !byPolicy || this.policy.recordingAgentMayStop;
    this.setCall(id, { state: 'starting', byPolicy, agentMayStop });
    // (a low disk is said beside the call; the recording does not wait for the answer)
    void this.checkDisk();
    const consent = this.policy.recordingConsent === 'none' ? null : await this.playConsent(id, media.microphone);
    let rec: CallRecording;
    try {
      rec = new CallRecording(await this.context(), this.api, (message) => this.publish({ problem: i18n.t('recorder.goesOn', { message }) }));
      await rec.start(
        {
          localUser: account.user,
          sipCallId: call.sipCallId,
          conversationId: call.conversationId,
          direction: call.direction,
          remoteNumber: call.remote.number || 'anonymous',
          remoteName: call.remote.displayName,
          segment: segmentOf(call),
          byPolicy,
          startedAt: new Date().toISOString(),
        },
        { remote: media.remote, local: consent?.track ?? media.microphone },
      );
    } catch (error) {
      consent?.stop();
      this.setCall(id, null);
      this.publish({ problem: i18n.t('recorder.couldNotRecord', { error: errorText(error) }) });
      return;
    }
    const held = call.phase === 'held' || call.phase === 'remote-held';
    if (held) rec.held(true);
    this.active.set(id, { rec, byPolicy, held, consent: consent?.stop ?? null });
    this.diskWatch ??= setInterval(() => void this.checkDisk(), 60_000);
    this.setCall(id, { state: 'recording', byPolicy, agentMayStop });
    // (the call may have ended while the recording started)
    if (this.call(id)?.phase === 'ended') void this.stopRecording(id);
  }

  /** The recordings' context, made on the first recording (again after one that failed) and running while anything records. */
  private async context(): Promise<AudioContext> {
    if (!this.recordingCtx) {
      const made = recordingContext(this.captureUrl);
      this.recordingCtx = made;
      made.catch(() => {
        if (this.recordingCtx === made) this.recordingCtx = null;
      });
    }
    const ctx = await this.recordingCtx;
    void ctx.resume().catch(() => undefined);
    return ctx;
  }

  private async checkDisk() {
    try {
      const disk = await this.api.recordings.disk();
      const low = disk.low ? disk : null;
      if (JSON.stringify(low) !== JSON.stringify(this.view.lowDisk)) this.publish({ lowDisk: low });
    } catch {
      // (the recording itself will say what is wrong)
    }
  }

  private async stopRecording(id: string) {
    const entry = this.active.get(id);
    if (!entry) return;
    this.active.delete(id);
    if (this.active.size === 0 && this.diskWatch) {
      clearInterval(this.diskWatch);
      this.diskWatch = null;
    }
    this.setCall(id, { ...(this.view.calls[id] ?? { byPolicy: entry.byPolicy, agentMayStop: true }), state: 'stopping' });
    entry.consent?.();
    await entry.rec.stop();
    this.setCall(id, null);
    // Nothing recorded or starting, nothing to render: the context sleeps until the next recording.
    if (Object.keys(this.view.calls).length === 0) void this.recordingCtx?.then((ctx) => ctx.suspend()).catch(() => undefined);
  }

  /**
   * What the caller hears that recording is on: the announcement now and/or a beep every 15 s,
   * mixed with the microphone and sent in its place. Returns the mix and how to take it away.
   */
  private async playConsent(id: string, microphone: MediaStreamTrack): Promise<{ track: MediaStreamTrack; stop: () => void } | null> {
    const ctx = (this.consentCtx ??= new AudioContext());
    void ctx.resume().catch(() => undefined);
    const mix = ctx.createMediaStreamDestination();
    const mic = ctx.createMediaStreamSource(new MediaStream([microphone]));
    mic.connect(mix);
    const timers: ReturnType<typeof setInterval>[] = [];
    const sources: AudioScheduledSourceNode[] = [];
    const kind = this.policy.recordingConsent;
    if (kind === 'announcement' || kind === 'announcement-and-beep') {
      try {
        this.announcementBuffer ??= this.api.recordings.announcement().then((a) => ctx.decodeAudioData(base64Bytes(a.base64).buffer as ArrayBuffer));
        const source = ctx.createBufferSource();
        source.buffer = await this.announcementBuffer;
        source.connect(mix);
        source.start();
        sources.push(source);
      } catch (error) {
        this.announcementBuffer = null;
        this.publish({ problem: i18n.t('recorder.announcement', { error: errorText(error) }) });
      }
    }
    if (kind === 'beep' || kind === 'announcement-and-beep') {
      const beep = () => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = 1400;
        gain.gain.value = 0.15;
        osc.connect(gain).connect(mix);
        osc.start();
        osc.stop(ctx.currentTime + 0.2);
        sources.push(osc);
      };
      timers.push(setInterval(beep, beepEveryMs));
    }
    const track = mix.stream.getAudioTracks()[0]!;
    this.engine.setOutgoingAudio(id, track);
    return {
      track,
      stop: () => {
        for (const t of timers) clearInterval(t);
        for (const s of sources) {
          try {
            s.stop();
          } catch {
            // already over
          }
        }
        this.engine.setOutgoingAudio(id, null);
        mic.disconnect();
      },
    };
  }

  /** Forgets the last problem (the agent dismissed it). */
  dismissProblem() {
    this.publish({ problem: null });
  }

  dismissRetention() {
    this.publish({ retention: null });
  }
}

function base64Bytes(b64: string): Uint8Array {
  const binary = atob(b64);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
