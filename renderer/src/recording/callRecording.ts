import type { FrontdeskApi } from '../../../common/contract';
import type { Recording, RecordingMark } from '../../../common/recordings';
import { concatBytes } from './bytes';
import { errorText, i18n } from '../i18n';
import { StereoOpusWebm } from './stereoOpusWebm';
import { captureProcessorName, type CaptureMessage, type CaptureOptions } from './captureWorklet';

/**
 * One recording of one call: the caller on the left channel, what this desk sends on the right,
 * mixed with Web Audio at 16 kHz (`recordingContext`) and taken off the audio thread by an
 * AudioWorklet (captureWorklet.ts) in blocks of 64 ms. Each channel is
 * encoded alone (WebCodecs, Opus, mono, 10 kbit/s variable, 60 ms packets) and the two go into one
 * Opus track of two uncoupled streams in WebM (stereoOpusWebm.ts): the channels stay apart whatever
 * the bitrate (measured about 80 dB; MediaRecorder's coupled stereo Opus kept them 14 dB apart at
 * 24 kbit/s and folded them into one mix below that). `npm run bench:recording` measured 5.3 MB an
 * hour of a conversation and 8.1 MB an hour of both sides talking at once.
 * Every half second the bytes written so far go to the services in order (they append and fsync
 * them): a crash loses at most that, and what was written is a playable file (the muxer writes each
 * 60 ms packet as it comes). A pause silences both channels (the file goes on, so its timeline is
 * the call's) and is kept as a mark, as is a hold (then the call itself is silent: nothing is sent
 * or received).
 */
export const recordingBitsPerChannel = 10_000;
/**
 * Opus complexity 3 of 10: the two encoders took about 2.5 % of a core at the default (9) and take
 * about 1 % so (`npm run bench:recording`), for speech at 10 kbit/s still plainly intelligible; the
 * file is no larger.
 */
export const recordingComplexity = 3;
/** Opus packets of 60 ms (the longest): the least framing per second of audio. */
export const recordingFrameUs = 60_000;
/**
 * The recording's own audio context runs at 16 kHz: the graph resamples each side to it as it mixes
 * them, and WebCodecs' Opus encoder takes 16 kHz as it is (at 44.1 or 48 kHz it resamples every
 * channel to 48 kHz first, and Opus analyses three times the samples). At 10 kbit/s Opus codes at
 * most wideband speech, which is what 16 kHz carries.
 */
export const recordingSampleRate = 16_000;

/**
 * How long a period the recording's context renders at a time, s (its `latencyHint`). Its output is
 * silence, so nobody hears the latency; long periods wake the audio thread ten times a second rather
 * than 125 (measured: the recording's CPU 4.97 → 2.88 % of a core). The file's timeline is the
 * context's own frame count (captureWorklet.ts), whatever the period, with what that clock lost
 * made up in silence (LostAudioTime).
 */
export const recordingLatencyS = 0.1;

/**
 * An audio context for recording, at 16 kHz, with the capture worklet loaded from `captureUrl` (its
 * own bundle). Its output is silence: the graph ends in the capture; the page's other audio stays on
 * its own contexts.
 */
export async function recordingContext(captureUrl: string): Promise<AudioContext> {
  const ctx = new AudioContext({ sampleRate: recordingSampleRate, latencyHint: recordingLatencyS });
  try {
    await ctx.audioWorklet.addModule(captureUrl);
  } catch (error) {
    void ctx.close().catch(() => undefined);
    throw error;
  }
  return ctx;
}

/** Frames per block the capture hands over: 64 ms at 16 kHz (a multiple of the 128-frame render quantum). */
const captureBlockFrames = 1024;

/** How often what was written goes to disk: a crash loses at most this much (the issue asks for a second at most). */
const chunkMs = 500;

export interface RecordingSource {
  /** The far end's audio (a remote WebRTC stream: also played by an <audio> element, or Web Audio hears silence). */
  remote: MediaStream;
  /** What this desk sends the caller: the microphone (or the mix of it with a consent announcement). */
  local: MediaStreamTrack;
}

export class CallRecording {
  private writer: StereoOpusWebm | null = null;
  private capture: AudioWorkletNode | null = null;
  /** The capture has handed over all it took (after 'flush'). */
  private flushed: Promise<void> = Promise.resolve();
  /** Bytes written since the last chunk went. */
  private pending: Uint8Array[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
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
    /** The recording's context (`recordingContext()`, its capture loaded), shared by the page's recordings. */
    private readonly ctx: AudioContext,
    private readonly api: FrontdeskApi,
    /** Something went wrong with the recording (never with the call): the agent is told. */
    private readonly onProblem: (message: string) => void,
  ) {}

  /**
   * Starts at once: the audio is taken from now while the services open the file (on a busy PC that
   * can take a while), and the first chunk goes when they have.
   */
  async start(begin: Parameters<FrontdeskApi['recordings']['begin']>[0], source: RecordingSource): Promise<Recording> {
    this.startedAtMs = Date.parse(begin.startedAt);
    const opened = this.api.recordings.begin(begin);
    opened.catch(() => undefined); // (awaited below, after the audio is on its way)
    const merger = this.ctx.createChannelMerger(2);
    const capture = new AudioWorkletNode(this.ctx, captureProcessorName, {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 2,
      channelCountMode: 'explicit',
      channelInterpretation: 'discrete',
      processorOptions: { blockFrames: captureBlockFrames } satisfies CaptureOptions,
    });
    const channel = (stream: MediaStream, input: number) => {
      const node = this.ctx.createMediaStreamSource(stream);
      const gain = this.ctx.createGain();
      node.connect(gain).connect(merger, 0, input);
      this.nodes.push(node);
      this.gains.push(gain);
    };
    channel(source.remote, 0);
    channel(new MediaStream([source.local]), 1);
    merger.connect(capture);
    this.nodes.push(merger, capture);
    const writer = new StereoOpusWebm({
      bitsPerChannel: recordingBitsPerChannel,
      frameDurationUs: recordingFrameUs,
      complexity: recordingComplexity,
      onBytes: (bytes) => this.pending.push(bytes),
      onError: (error) => this.onProblem(i18n.t('recorder.encode', { error: error.message })),
    });
    this.writer = writer;
    const rate = this.ctx.sampleRate;
    let first = true;
    const clock = new LostAudioTime();
    this.flushed = new Promise((resolve) => {
      capture.port.onmessage = (e: MessageEvent<CaptureMessage>) => {
        const m = e.data;
        if ('flushed' in m) return resolve();
        const atUs = (m.frame * 1e6) / rate;
        const blockUs = (m.channels[0].length * 1e6) / rate;
        const wallUs = (Date.now() - this.startedAtMs) * 1000;
        // The file starts when the recording did. A context that was asleep between recordings
        // can take a second to render again (seen on a loaded machine with its 100 ms periods),
        // and its clock does not count that wait: the audio it could not take is silence at the
        // start, so the file is as long as the recording and the marks (wall clock) line up.
        const leadUs = first ? Math.max(0, wallUs - blockUs) : 0;
        first = false;
        // The same, later in the recording: the time the context's clock lost since is silence
        // here, so what follows stays where it was said.
        const lostUs = clock.lostUs(this.ctx.getOutputTimestamp(), atUs, leadUs, wallUs - blockUs);
        writer.write(atUs + lostUs, m.channels, rate, leadUs);
      };
    });
    this.capture = capture;
    try {
      await writer.start();
      this.recording = await opened;
    } catch (error) {
      capture.port.onmessage = null;
      await writer.stop().catch(() => undefined);
      for (const node of this.nodes) node.disconnect();
      throw error;
    }
    this.timer = setInterval(() => this.flush(), chunkMs);
    return this.recording;
  }

  /** What was written since the last chunk goes as the next one. */
  private flush() {
    if (this.pending.length === 0 || !this.recording) return;
    const bytes = concatBytes(this.pending);
    this.pending = [];
    this.send(bytes);
  }

  /** Chunks go in order, one after the other; one that fails is tried again, and the agent told if it keeps failing. */
  private send(bytes: Uint8Array) {
    const id = this.recording!.id;
    const seq = this.seq++;
    const data = base64(bytes);
    this.sending = this.sending.then(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.api.recordings.append({ id, seq, data });
          return;
        } catch (error) {
          if (attempt >= 4) {
            this.onProblem(i18n.t('recorder.write', { error: errorText(error) }));
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
      if (this.timer) clearInterval(this.timer);
      // The audio taken until now reaches the writer (the capture's last, partial block); a
      // context that no longer renders (suspended, closed) is not waited for beyond a second.
      const capture = this.capture;
      if (capture) {
        capture.port.postMessage('flush');
        await Promise.race([this.flushed, new Promise((r) => setTimeout(r, 1000))]);
        capture.port.onmessage = null;
      }
      await this.writer?.stop();
      this.flush();
      for (const node of this.nodes) node.disconnect();
      await this.sending;
      if (!this.recording) return null;
      try {
        return await this.api.recordings.end({ id: this.recording.id, endedAt: endedAt.toISOString(), marks: this.marks });
      } catch (error) {
        this.onProblem(i18n.t('recorder.finish', { error: errorText(error) }));
        return null;
      }
    })();
    return this.stopped;
  }
}

/** How far a late block's audio may seem behind the wall clock without having lost any: the context renders 100 ms periods at a time. */
const renderSlackUs = 2 * recordingLatencyS * 1e6;

/**
 * The time the recording's audio clock has lost to the wall clock since the recording started.
 * The context's clock counts only what it rendered: when its audio thread does not get to run
 * (a loaded machine; the audio service held up), it stops, and goes on from where it stopped.
 * The audio of that stretch was never taken, and without it everything after would sit earlier
 * in the file than it was said, and the file would be shorter than the call (1.1 s of 13 s, seen
 * on a loaded CI machine). The output timestamp pairs the context's time with the time the
 * device plays it, both taken on the audio thread: their difference grows by what the context
 * lost, and by nothing the page's own thread does. The wall clock when a block reaches the page
 * is the bound: a block cannot have lost more than it is late (that rules out a timestamp not yet
 * updated after the context slept between recordings, which the lead at the start has counted).
 */
export class LostAudioTime {
  /** The first block's place on the context's clock, less the silence the file starts with (µs). */
  private firstUs: number | null = null;
  /** The output timestamp's offset (device time less context time) when the recording began (ms). */
  private baseMs: number | null = null;
  /** The last reading's offset (ms). */
  private lastMs: number | null = null;
  private lost = 0;

  /**
   * `at`: the output timestamp now; `atUs`: the block's start on the context's clock; `leadUs`:
   * the silence the file starts with (the first block's); `wallUs`: the block's start on the
   * recording's wall clock as its arrival tells it (later than it was taken, never earlier but
   * for the render period).
   */
  lostUs(at: AudioTimestamp, atUs: number, leadUs: number, wallUs: number): number {
    this.firstUs ??= atUs - leadUs;
    const { contextTime, performanceTime } = at;
    // (both are zero until the device has played anything)
    if (!contextTime || !performanceTime) return this.lost;
    const offsetMs = performanceTime - contextTime * 1000;
    this.baseMs ??= offsetMs;
    // Two readings in a row, the smaller: right after the context runs again its offset can
    // overshoot for a block (by 0.1 s, seen); what it lost stays in every reading after.
    const settledMs = Math.min(offsetMs, this.lastMs ?? offsetMs);
    this.lastMs = offsetMs;
    const lateUs = wallUs - (atUs - this.firstUs) + renderSlackUs;
    this.lost = Math.max(this.lost, Math.min((settledMs - this.baseMs) * 1000, lateUs));
    return this.lost;
  }
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
