import { describe, expect, it } from 'vitest';
import { emptyPacketLike, encodeLength, frameSamples, multistreamPacket, opusHead, packetSamples, parseOpusPacket, selfDelimited } from './opusMultistream';

// TOC bytes (RFC 6716 §3.1): config in the top 5 bits, then the stereo flag, then the frame-count code.
const silkWb60 = (11 << 3) | 0; // SILK wideband, 60 ms, code 0
const celtFb20 = (31 << 3) | 0; // CELT fullband, 20 ms, code 0
const bytes = (n: number, start = 1) => Array.from({ length: n }, (_, i) => (start + i) & 0xff);

describe('Opus frame lengths (RFC 6716 §3.2.1)', () => {
  it('one byte below 252, two from there to 1275, read back as written', () => {
    expect(encodeLength(0)).toEqual([0]);
    expect(encodeLength(251)).toEqual([251]);
    expect(encodeLength(252)).toEqual([252, 0]);
    expect(encodeLength(1275)).toEqual([255, 255]);
    for (const n of [252, 253, 300, 511, 1000, 1275]) {
      // a code 2 packet whose first frame has n bytes and whose second has 3
      const header = [celtFb20 | 2, ...encodeLength(n)];
      const packet = Uint8Array.from([...header, ...bytes(n), ...bytes(3)]);
      expect(parseOpusPacket(packet).frames).toEqual([n, 3]);
    }
    expect(() => encodeLength(1276)).toThrow(RangeError);
    expect(() => encodeLength(-1)).toThrow(RangeError);
  });
});

describe('parseOpusPacket', () => {
  it('reads codes 0, 1, 2 and 3 (CBR, VBR, padded)', () => {
    expect(parseOpusPacket(Uint8Array.from([silkWb60, ...bytes(40)]))).toEqual({ toc: silkWb60, headerLength: 1, frames: [40], padding: 0 });
    expect(parseOpusPacket(Uint8Array.from([celtFb20 | 1, ...bytes(20)])).frames).toEqual([10, 10]);
    expect(parseOpusPacket(Uint8Array.from([celtFb20 | 2, 5, ...bytes(5), ...bytes(9)])).frames).toEqual([5, 9]);
    // code 3, CBR, 3 frames of 4 bytes
    expect(parseOpusPacket(Uint8Array.from([celtFb20 | 3, 3, ...bytes(12)])).frames).toEqual([4, 4, 4]);
    // code 3, VBR and padded: 2 frames (6 bytes, then the rest), 2 bytes of padding
    const vbr = parseOpusPacket(Uint8Array.from([celtFb20 | 3, 0x80 | 0x40 | 2, 2, 6, ...bytes(6), ...bytes(7), 0, 0]));
    expect(vbr).toEqual({ toc: celtFb20 | 3, headerLength: 4, frames: [6, 7], padding: 2 });
  });

  it('refuses packets that cannot be Opus', () => {
    expect(() => parseOpusPacket(new Uint8Array())).toThrow(/empty/);
    expect(() => parseOpusPacket(Uint8Array.from([celtFb20 | 1, 1, 2, 3]))).toThrow(/odd/);
    expect(() => parseOpusPacket(Uint8Array.from([celtFb20 | 2, 50, 1, 2]))).toThrow(/longer/);
    expect(() => parseOpusPacket(Uint8Array.from([celtFb20 | 3, 0]))).toThrow(/no frames/);
    expect(() => parseOpusPacket(Uint8Array.from([celtFb20 | 3, 3, ...bytes(10)]))).toThrow(/CBR/);
  });
});

describe('durations', () => {
  it('a frame lasts what its TOC says, a packet its frames together', () => {
    expect(frameSamples(silkWb60)).toBe(2880);
    expect(frameSamples(celtFb20)).toBe(960);
    expect(frameSamples(12 << 3)).toBe(480); // hybrid 10 ms
    expect(packetSamples(Uint8Array.from([celtFb20 | 3, 3, ...bytes(12)]))).toBe(2880);
  });
});

describe('selfDelimited (RFC 6716 Appendix B)', () => {
  it('writes the last frame’s length after the header, the frames unchanged', () => {
    const code0 = Uint8Array.from([silkWb60, ...bytes(40)]);
    expect([...selfDelimited(code0)]).toEqual([silkWb60, 40, ...bytes(40)]);
    const long = Uint8Array.from([silkWb60, ...bytes(300)]);
    expect([...selfDelimited(long)]).toEqual([silkWb60, ...encodeLength(300), ...bytes(300)]);
    const vbr = Uint8Array.from([celtFb20 | 3, 0x80 | 2, 6, ...bytes(6), ...bytes(7)]);
    expect([...selfDelimited(vbr)]).toEqual([celtFb20 | 3, 0x80 | 2, 6, 7, ...bytes(6), ...bytes(7)]);
  });
});

describe('multistreamPacket', () => {
  it('is every stream but the last self-delimited, then the last as it is', () => {
    const a = Uint8Array.from([silkWb60, ...bytes(30)]);
    const b = Uint8Array.from([silkWb60, ...bytes(25, 100)]);
    expect([...multistreamPacket([a, b])]).toEqual([silkWb60, 30, ...bytes(30), silkWb60, ...bytes(25, 100)]);
  });

  it('refuses streams of different lengths, which a decoder would reject', () => {
    const sixty = Uint8Array.from([silkWb60, ...bytes(30)]);
    const twenty = Uint8Array.from([celtFb20, ...bytes(30)]);
    expect(() => multistreamPacket([sixty, twenty])).toThrow(/2880, 960/);
    expect(() => multistreamPacket([])).toThrow(RangeError);
  });

  it('stands a silent stream in with empty frames of the same length', () => {
    const one = Uint8Array.from([silkWb60, ...bytes(30)]);
    const empty = emptyPacketLike(one);
    expect([...empty]).toEqual([silkWb60]);
    expect(packetSamples(empty)).toBe(2880);
    const three = Uint8Array.from([celtFb20 | 3, 3, ...bytes(12)]);
    expect(parseOpusPacket(emptyPacketLike(three)).frames).toEqual([0, 0, 0]);
    expect(packetSamples(multistreamPacket([empty, one]))).toBe(2880);
  });
});

describe('opusHead (RFC 7845 §5.1)', () => {
  it('two uncoupled mono streams, channel i from stream i', () => {
    const head = opusHead({ preSkip: 312, inputSampleRate: 44100, channels: 2 });
    expect(new TextDecoder().decode(head.subarray(0, 8))).toBe('OpusHead');
    const view = new DataView(head.buffer);
    expect(head[8]).toBe(1); // version
    expect(head[9]).toBe(2); // channels
    expect(view.getUint16(10, true)).toBe(312);
    expect(view.getUint32(12, true)).toBe(44100);
    expect(view.getInt16(16, true)).toBe(0);
    expect([...head.subarray(18)]).toEqual([1, 2, 0, 0, 1]); // family 1, 2 streams, 0 coupled, mapping
    expect(() => opusHead({ preSkip: 0, inputSampleRate: 48000, channels: 9 })).toThrow(RangeError);
  });
});
