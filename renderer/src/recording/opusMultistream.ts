/**
 * Two mono Opus streams in one track: an Opus multistream packet (RFC 6716 Appendix B, RFC 7845
 * §5.1.1) and the identification header that goes with it. The caller and the agent are each
 * encoded alone, so neither can leak into the other's channel (coupled stereo Opus below ~32 kbit/s
 * folds the two channels towards one mix: measured 14 dB apart at 24 kbit/s).
 *
 * A multistream packet is the streams' packets one after the other, every one but the last in the
 * self-delimiting framing: the same packet with the length of its last frame written after the
 * header (the last frame's length is otherwise implied by the end of the packet).
 */

import { concatBytes } from './bytes';

/** Opus always decodes at 48 kHz; durations of packets are in these samples. */
export const opusRate = 48_000;

export interface OpusHeadOptions {
  /** Samples (at 48 kHz) the decoder drops at the start: the encoder's look-ahead. */
  preSkip: number;
  /** The rate the audio was captured at (informational). */
  inputSampleRate: number;
  /** One mono stream per channel, none coupled: channel i is stream i. */
  channels: number;
}

/**
 * The OpusHead (RFC 7845 §5.1) of `channels` uncoupled mono streams, channel mapping family 1
 * (family 0 only knows one stream). In WebM it is the track's CodecPrivate.
 */
export function opusHead({ preSkip, inputSampleRate, channels }: OpusHeadOptions): Uint8Array<ArrayBuffer> {
  if (channels < 1 || channels > 8) throw new RangeError(`channel mapping family 1 has 1 to 8 channels, not ${channels}`);
  const head = new Uint8Array(21 + channels);
  const view = new DataView(head.buffer);
  head.set([0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64], 0); // "OpusHead"
  head[8] = 1; // version
  head[9] = channels;
  view.setUint16(10, preSkip, true);
  view.setUint32(12, inputSampleRate, true);
  view.setInt16(16, 0, true); // output gain
  head[18] = 1; // channel mapping family 1
  head[19] = channels; // stream count
  head[20] = 0; // coupled streams
  for (let c = 0; c < channels; c++) head[21 + c] = c;
  return head;
}

export interface OpusPacketLayout {
  /** The TOC byte. */
  toc: number;
  /** Bytes before the first frame: the TOC, the frame count byte, padding and frame lengths. */
  headerLength: number;
  /** Each frame's length in bytes. */
  frames: number[];
  /** Bytes of padding at the end (code 3 only). */
  padding: number;
}

const invalid = (why: string) => new Error(`not a valid Opus packet: ${why}`);

/** Reads a frame length (RFC 6716 §3.2.1): one byte below 252, else two. */
function readLength(p: Uint8Array, at: number): { value: number; bytes: number } {
  const b0 = p[at];
  if (b0 === undefined) throw invalid('a frame length runs past the end');
  if (b0 < 252) return { value: b0, bytes: 1 };
  const b1 = p[at + 1];
  if (b1 === undefined) throw invalid('a frame length runs past the end');
  return { value: b0 + 4 * b1, bytes: 2 };
}

/** Writes a frame length (RFC 6716 §3.2.1). */
export function encodeLength(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 1275) throw new RangeError(`an Opus frame has 0 to 1275 bytes, not ${n}`);
  if (n < 252) return [n];
  const b0 = 252 + ((n - 252) & 3);
  return [b0, (n - b0) >> 2];
}

/** The layout of a packet in the ordinary framing (RFC 6716 §3.2), checked against its length. */
export function parseOpusPacket(p: Uint8Array): OpusPacketLayout {
  if (p.length < 1) throw invalid('empty');
  const toc = p[0]!;
  const code = toc & 3;
  const len = p.length;
  if (code === 0) return { toc, headerLength: 1, frames: [len - 1], padding: 0 };
  if (code === 1) {
    if ((len - 1) % 2 !== 0) throw invalid('code 1 with an odd number of bytes');
    return { toc, headerLength: 1, frames: [(len - 1) / 2, (len - 1) / 2], padding: 0 };
  }
  if (code === 2) {
    const n1 = readLength(p, 1);
    const headerLength = 1 + n1.bytes;
    const n2 = len - headerLength - n1.value;
    if (n2 < 0) throw invalid('code 2 with a first frame longer than the packet');
    return { toc, headerLength, frames: [n1.value, n2], padding: 0 };
  }
  // code 3: a frame count byte, then padding lengths, then (VBR) all lengths but the last
  const countByte = p[1];
  if (countByte === undefined) throw invalid('code 3 without its frame count');
  const vbr = (countByte & 0x80) !== 0;
  const padded = (countByte & 0x40) !== 0;
  const m = countByte & 0x3f;
  if (m === 0) throw invalid('code 3 with no frames');
  let at = 2;
  let padding = 0;
  if (padded) {
    for (;;) {
      const b = p[at++];
      if (b === undefined) throw invalid('padding length runs past the end');
      padding += b === 255 ? 254 : b;
      if (b !== 255) break;
    }
  }
  const frames: number[] = [];
  if (vbr) {
    for (let i = 0; i < m - 1; i++) {
      const n = readLength(p, at);
      at += n.bytes;
      frames.push(n.value);
    }
    const last = len - at - padding - frames.reduce((a, b) => a + b, 0);
    if (last < 0) throw invalid('code 3 frames longer than the packet');
    frames.push(last);
  } else {
    const room = len - at - padding;
    if (room < 0 || room % m !== 0) throw invalid('code 3 CBR frames do not divide the packet');
    for (let i = 0; i < m; i++) frames.push(room / m);
  }
  return { toc, headerLength: at, frames, padding };
}

/** Samples (at 48 kHz) of one frame of a TOC's configuration (RFC 6716 §3.1). */
export function frameSamples(toc: number): number {
  const config = toc >> 3;
  if (config < 12) return [480, 960, 1920, 2880][config & 3]!; // SILK: 10, 20, 40, 60 ms
  if (config < 16) return [480, 960][config & 1]!; // hybrid: 10, 20 ms
  return [120, 240, 480, 960][config & 3]!; // CELT: 2.5, 5, 10, 20 ms
}

/** Samples (at 48 kHz) a packet decodes to. */
export function packetSamples(p: Uint8Array): number {
  return parseOpusPacket(p).frames.length * frameSamples(p[0]!);
}

/** The packet in the self-delimiting framing (RFC 6716 Appendix B): the last frame's length after the header. */
export function selfDelimited(p: Uint8Array): Uint8Array {
  const { headerLength, frames } = parseOpusPacket(p);
  const extra = encodeLength(frames[frames.length - 1]!);
  const out = new Uint8Array(p.length + extra.length);
  out.set(p.subarray(0, headerLength), 0);
  out.set(extra, headerLength);
  out.set(p.subarray(headerLength), headerLength + extra.length);
  return out;
}

/**
 * A packet that stands for a stream's missing packet (Opus DTX sends none in a silence): as long as
 * `like`, every frame empty, which a decoder takes as lost (it conceals it: silence after silence).
 */
export function emptyPacketLike(like: Uint8Array): Uint8Array {
  const frames = parseOpusPacket(like).frames.length;
  const config = like[0]! & 0xfc;
  if (frames === 1) return Uint8Array.of(config); // code 0, a frame of no bytes
  return Uint8Array.of(config | 3, frames); // code 3, CBR, `frames` frames of no bytes
}

/**
 * One multistream packet of one packet per stream, in stream order; all must last as long (a
 * decoder refuses streams of different lengths).
 */
export function multistreamPacket(packets: readonly Uint8Array[]): Uint8Array {
  if (packets.length === 0) throw new RangeError('no streams');
  const samples = packets.map(packetSamples);
  if (samples.some((s) => s !== samples[0])) throw new RangeError(`the streams' packets last ${samples.join(', ')} samples: they must be equal`);
  return concatBytes(packets.map((p, i) => (i < packets.length - 1 ? selfDelimited(p) : p)));
}
