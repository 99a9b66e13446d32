import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Decoder, Reader, tools } from 'ts-ebml';

/**
 * A recording is a streamed WebM (the page's muxer, like MediaRecorder before it, appends as the call
 * goes): no duration and no index, so players show no length and cannot seek. `makeSeekable`
 * rewrites its head with the duration and the cues (ts-ebml reads the clusters and builds them); the
 * audio itself is kept byte for byte. It also serves a file cut short by a crash: the elements that
 * are whole are read, the rest is dropped.
 */
export interface WebmFacts {
  /** The length of the audio, in ms (the last block's time). */
  durationMs: number;
  /** Cue points written (one per cluster). */
  cues: number;
}

const ids = { ebml: 0x1a45dfa3, segment: 0x18538067, cluster: 0x1f43b675, cues: 0x1c53bb6b, seekHead: 0x114d9b74 };
/** "Size unknown" as an 8-byte EBML number: the only form ts-ebml (its `ebml` decoder) recognises. */
const unknownSize8 = Buffer.from('01ffffffffffffff', 'hex');

/** An EBML number at `at` (RFC 8794 §4): its length in bytes, its value without the marker, and whether all its bits are 1 (size unknown). */
function ebmlNumber(b: Uint8Array, at: number): { length: number; value: number; allOnes: boolean } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (at + length > b.length) return null;
  let value = first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    allOnes &&= b[at + i] === 0xff;
  }
  return { length, value, allOnes };
}

/**
 * The file as ts-ebml can read it: the Segment's and each Cluster's "size unknown" written in the
 * 8-byte form (the page's muxer, mediabunny, writes the 1-byte form, which ts-ebml takes for 127
 * bytes), an index already there dropped (the fix-up writes its own), and an element cut short at
 * the end (a crash) left out. Everything else, the audio blocks too, is kept byte for byte; a file
 * already in that form (MediaRecorder's) comes back as it was.
 */
export function normalizeStreamedWebm(bytes: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const id = ebmlNumber(bytes, at);
    if (!id || id.length > 4) break;
    const size = ebmlNumber(bytes, at + id.length);
    if (!size) break;
    const idValue = Number.parseInt(Buffer.from(bytes.subarray(at, at + id.length)).toString('hex'), 16);
    const dataStart = at + id.length + size.length;
    if (idValue === ids.segment || idValue === ids.cluster) {
      // descend: the children follow (and, sized or not, the rest of the file is read the same way)
      parts.push(bytes.subarray(at, at + id.length), size.allOnes ? unknownSize8 : bytes.subarray(at + id.length, dataStart));
      at = dataStart;
      continue;
    }
    if (size.allOnes) break; // no other element of a recording streams
    const end = dataStart + size.value;
    if (end > bytes.length) break; // cut short
    if (idValue !== ids.cues && idValue !== ids.seekHead) parts.push(bytes.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

export function makeSeekable(bytes: Uint8Array): { bytes: Buffer; facts: WebmFacts } {
  const decoder = new Decoder();
  const reader = new Reader();
  reader.logging = false;
  reader.drop_default_duration = false;
  const whole = normalizeStreamedWebm(bytes);
  for (const element of decoder.decode(Uint8Array.from(whole).buffer)) reader.read(element);
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
