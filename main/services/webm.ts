import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Decoder, Reader, tools } from 'ts-ebml';

/**
 * What Chromium's MediaRecorder writes is a WebM with no duration and no index (it streams): players
 * show no length and cannot seek. `makeSeekable` rewrites its head with the duration and the cues
 * (ts-ebml reads the clusters and builds them); the audio itself is kept byte for byte. It also
 * serves a file cut short by a crash: the clusters that are whole are read, the rest is dropped.
 */
export interface WebmFacts {
  /** The length of the audio, in ms (the last block's time). */
  durationMs: number;
  /** Cue points written (one per cluster). */
  cues: number;
}

export function makeSeekable(bytes: Uint8Array): { bytes: Buffer; facts: WebmFacts } {
  const decoder = new Decoder();
  const reader = new Reader();
  reader.logging = false;
  reader.drop_default_duration = false;
  const whole = Buffer.from(bytes);
  for (const element of decoder.decode(whole.buffer.slice(whole.byteOffset, whole.byteOffset + whole.byteLength))) reader.read(element);
  reader.stop();
  if (reader.metadatas.length === 0) throw new Error('not a WebM file (no EBML header)');
  // ts-ebml 3 returns the ArrayBuffer under a Buffer it made: for a small one that is Node's shared
  // pool, whose other bytes would come along. Without the pool the ArrayBuffer is exactly the data.
  const pool = Buffer.poolSize;
  Buffer.poolSize = 0;
  let head: ArrayBuffer;
  try {
    head = tools.makeMetadataSeekable(reader.metadatas, reader.duration, reader.cues);
  } finally {
    Buffer.poolSize = pool;
  }
  const body = whole.subarray(reader.metadataSize);
  return { bytes: Buffer.concat([Buffer.from(head), body]), facts: { durationMs: Math.round(reader.duration), cues: reader.cues.length } };
}

/** Makes a WebM file on disk seekable, in place (a new file renamed over it, owner-only). */
export function makeFileSeekable(file: string): WebmFacts {
  const { bytes, facts } = makeSeekable(readFileSync(file));
  const tmp = `${file}.fixing`;
  writeFileSync(tmp, bytes, { mode: 0o600 });
  renameSync(tmp, file);
  return facts;
}
