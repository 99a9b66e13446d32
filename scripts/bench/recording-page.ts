/**
 * The page side of scripts/bench/recording.ts (bundled by esbuild and run in Chromium): a call's
 * audio made of speech, the caller's on a "remote" MediaStream and the agent's on a "local" track,
 * as the SIP engine hands them to the recorder, played for the length of a program; with `record`,
 * the app's own CallRecording records them, its chunks going to the bench (Node) through an
 * exposed function, as they go to the services in the app.
 */
import type { FrontdeskApi } from '../../common/contract';
import type { Recording } from '../../common/recordings';
import { CallRecording, recordingContext } from '../../renderer/src/recording/callRecording';

export interface Utterance {
  side: 'caller' | 'agent';
  /** Index into the speech of that side. */
  speech: number;
  /** Seconds from the start of the program. */
  at: number;
}

export interface PageRun {
  record: boolean;
  seconds: number;
  program: Utterance[];
}

export interface PageResult {
  problems: string[];
  sampleRate: number;
  chunks: number;
  /** Program time (s) at which the recording started: the file's 0. */
  recordedFrom: number;
}

declare global {
  interface Window {
    benchAppend(seq: number, data: string): Promise<void>;
    benchSpeech: { caller: AudioBuffer[]; agent: AudioBuffer[] };
    benchLoad(speech: { caller: string[]; agent: string[] }): Promise<number>;
    benchRun(run: PageRun): Promise<PageResult>;
  }
}

let ctx: AudioContext | null = null;
/** The recorder's context, made and started for each recorded run as the app's Recorder does it. */
let recordingCtx: AudioContext | null = null;

/** espeak-ng's WAV (16-bit mono PCM) as an AudioBuffer. */
function wavBuffer(audio: AudioContext, base64: string): AudioBuffer {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  const rate = view.getUint32(24, true);
  let at = 12;
  while (at + 8 <= bytes.length && String.fromCharCode(...bytes.subarray(at, at + 4)) !== 'data') at += 8 + view.getUint32(at + 4, true);
  const start = at + 8;
  const n = Math.floor((bytes.length - start) / 2);
  const buffer = audio.createBuffer(1, n, rate);
  const samples = buffer.getChannelData(0);
  for (let i = 0; i < n; i++) samples[i] = view.getInt16(start + 2 * i, true) / 32768;
  return buffer;
}

window.benchLoad = async (speech) => {
  ctx ??= new AudioContext(); // as the app's Recorder makes it: the device's rate
  await ctx.resume();
  window.benchSpeech = { caller: speech.caller.map((s) => wavBuffer(ctx!, s)), agent: speech.agent.map((s) => wavBuffer(ctx!, s)) };
  return ctx.sampleRate;
};

window.benchRun = async ({ record, seconds, program }) => {
  const audio = ctx!;
  const remote = audio.createMediaStreamDestination();
  const local = audio.createMediaStreamDestination();
  // The caller is also heard (the app plays the remote stream), the agent is not.
  const t0 = audio.currentTime + 0.3;
  const sources = program.map((u) => {
    const source = audio.createBufferSource();
    source.buffer = window.benchSpeech[u.side][u.speech]!;
    source.connect(u.side === 'caller' ? remote : local);
    if (u.side === 'caller') source.connect(audio.destination);
    source.start(t0 + u.at);
    return source;
  });
  const problems: string[] = [];
  let chunks = 0;
  let recording: CallRecording | null = null;
  let recordedFrom = 0;
  if (record) {
    const row: Recording = {
      id: 'bench',
      localUser: '1000',
      sipCallId: 'bench',
      conversationId: 'bench',
      direction: 'inbound',
      remoteNumber: '+74951234567',
      remoteName: null,
      segment: 'call',
      byPolicy: false,
      state: 'recording',
      fileName: 'bench.webm',
      startedAt: new Date().toISOString(),
      endedAt: null,
      durationMs: null,
      sizeBytes: 0,
      marks: [],
    };
    const recordings: Partial<FrontdeskApi['recordings']> = {
      begin: async () => row,
      append: async ({ seq, data }) => {
        chunks++;
        await window.benchAppend(seq, data);
        return { sizeBytes: 0 };
      },
      setMarks: async () => null,
      end: async () => ({ ...row, state: 'complete' }),
    };
    recordingCtx ??= await recordingContext('/capture.js');
    await recordingCtx.resume();
    console.log(`recording context: ${recordingCtx.sampleRate} Hz, base latency ${recordingCtx.baseLatency}`);
    recording = new CallRecording(recordingCtx, { recordings } as FrontdeskApi, (m) => problems.push(m));
    await recording.start({ localUser: '1000', sipCallId: 'bench', conversationId: 'bench', direction: 'inbound', remoteNumber: '+74951234567', remoteName: null, segment: 'call', byPolicy: false, startedAt: row.startedAt }, { remote: remote.stream, local: local.stream.getAudioTracks()[0]! });
    recordedFrom = audio.currentTime - t0;
  }
  await new Promise((r) => setTimeout(r, (0.3 + seconds) * 1000));
  if (recording) await recording.stop();
  // (the app's Recorder leaves its context running between recordings; the bench suspends it, so
  // that a run without recording after a recorded one is not charged with it)
  await recordingCtx?.suspend();
  for (const s of sources) {
    s.stop();
    s.disconnect();
  }
  return { problems, sampleRate: audio.sampleRate, chunks, recordedFrom };
};
