import type { FrontdeskApi } from '../../../common/contract';
import type { Recording, RecordingMark } from '../../../common/recordings';

/**
 * One recording of one call: the caller on the left channel, what this desk sends on the right,
 * mixed with Web Audio and encoded by MediaRecorder as WebM/Opus at 24 kbit/s, variable (at most
 * 11.5 MB an hour of continuous sound on both channels, less with the pauses of speech). Below
 * that Opus folds the two channels into one (measured: at 16 kbit/s both carried the same mix, at
 * 20 kbit/s half of it), and a reviewer could no longer tell the caller from the agent.
 * Every second MediaRecorder hands over a chunk, which goes to the services in order (they append
 * and fsync it): a crash loses at most that second. A pause silences both channels (the file goes
 * on, so its timeline is the call's) and is kept as a mark, as is a hold (then the call itself is
 * silent: nothing is sent or received).
 */
export const recordingBitsPerSecond = 24_000;
const chunkMs = 1000;

export interface RecordingSource {
  /** The far end's audio (a remote WebRTC stream: also played by an <audio> element, or Web Audio hears silence). */
  remote: MediaStream;
  /** What this desk sends the caller: the microphone (or the mix of it with a consent announcement). */
  local: MediaStreamTrack;
}

export class CallRecording {
  private recorder: MediaRecorder | null = null;
  private readonly gains: GainNode[] = [];
  private readonly nodes: AudioNode[] = [];
  private readonly marks: RecordingMark[] = [];
  private seq = 0;
  private sending: Promise<unknown> = Promise.resolve();
  private startedAtMs = 0;
  private stopped: Promise<Recording | null> | null = null;
  recording: Recording | null = null;
  paused = false;

  constructor(
    private readonly ctx: AudioContext,
    private readonly api: FrontdeskApi,
    /** Something went wrong with the recording (never with the call): the agent is told. */
    private readonly onProblem: (message: string) => void,
  ) {}

  async start(begin: Parameters<FrontdeskApi['recordings']['begin']>[0], source: RecordingSource): Promise<Recording> {
    this.startedAtMs = Date.parse(begin.startedAt);
    this.recording = await this.api.recordings.begin(begin);
    const merger = this.ctx.createChannelMerger(2);
    const destination = this.ctx.createMediaStreamDestination();
    destination.channelCount = 2;
    const channel = (stream: MediaStream, input: number) => {
      const node = this.ctx.createMediaStreamSource(stream);
      const gain = this.ctx.createGain();
      node.connect(gain).connect(merger, 0, input);
      this.nodes.push(node);
      this.gains.push(gain);
    };
    channel(source.remote, 0);
    channel(new MediaStream([source.local]), 1);
    merger.connect(destination);
    this.nodes.push(merger, destination);
    const recorder = new MediaRecorder(destination.stream, { mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: recordingBitsPerSecond });
    recorder.ondataavailable = (e) => {
      if (e.data.size > 0) this.send(e.data);
    };
    recorder.onerror = () => this.onProblem('the recording stopped: the browser could not encode the audio');
    recorder.start(chunkMs);
    this.recorder = recorder;
    return this.recording;
  }

  /** Chunks go in order, one after the other; one that fails is tried again, and the agent told if it keeps failing. */
  private send(blob: Blob) {
    const id = this.recording!.id;
    const seq = this.seq++;
    this.sending = this.sending.then(async () => {
      const data = await blobBase64(blob);
      for (let attempt = 0; ; attempt++) {
        try {
          await this.api.recordings.append({ id, seq, data });
          return;
        } catch (error) {
          if (attempt >= 4) {
            this.onProblem(`the recording could not be written: ${(error as Error).message}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        }
      }
    });
  }

  private at(): number {
    return Math.max(0, Date.now() - this.startedAtMs);
  }

  private open(kind: RecordingMark['kind']) {
    if (this.marks.some((m) => m.kind === kind && m.toMs === null)) return;
    this.marks.push({ kind, fromMs: this.at(), toMs: null });
    this.saveMarks();
  }

  private close(kind: RecordingMark['kind']) {
    const open = this.marks.find((m) => m.kind === kind && m.toMs === null);
    if (!open) return;
    open.toMs = this.at();
    this.saveMarks();
  }

  private saveMarks() {
    if (this.recording) void this.api.recordings.setMarks({ id: this.recording.id, marks: this.marks }).catch(() => undefined);
  }

  /** Pause: both channels silent from now (for a card number), kept as a mark. */
  pause() {
    if (this.paused || this.stopped) return;
    this.paused = true;
    for (const g of this.gains) g.gain.value = 0;
    this.open('pause');
  }

  resume() {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    for (const g of this.gains) g.gain.value = 1;
    this.close('pause');
  }

  /** The call went on hold (or came back): nothing is said, and the stretch is marked. */
  held(on: boolean) {
    if (on) this.open('hold');
    else this.close('hold');
  }

  /** Stops: the last chunk goes, then the services finish the file (its duration and index). */
  stop(endedAt = new Date()): Promise<Recording | null> {
    this.stopped ??= (async () => {
      const recorder = this.recorder;
      if (recorder && recorder.state !== 'inactive') {
        await new Promise<void>((resolve) => {
          recorder.addEventListener('stop', () => resolve(), { once: true });
          recorder.stop();
        });
      }
      for (const node of this.nodes) node.disconnect();
      await this.sending;
      if (!this.recording) return null;
      try {
        return await this.api.recordings.end({ id: this.recording.id, endedAt: endedAt.toISOString(), marks: this.marks });
      } catch (error) {
        this.onProblem(`the recording could not be finished: ${(error as Error).message}`);
        return null;
      }
    })();
    return this.stopped;
  }
}

async function blobBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
