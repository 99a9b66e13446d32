import { describe, expect, it } from 'vitest';
import { alawToLinear, decodeG711, linearToAlaw, measureAudio, sine, ulawToLinear } from './audio';

describe('G.711 decoding', () => {
  it('A-law: decoding what linearToAlaw encodes gives the sample back within the segment step', () => {
    for (const x of [0, 1, 100, -100, 1000, -1000, 12345, -12345, 32767, -32768]) {
      const back = alawToLinear(linearToAlaw(x));
      expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.max(16, Math.abs(x) / 16));
      if (Math.abs(x) > 100) expect(Math.sign(back)).toBe(Math.sign(x));
    }
    // the codes for the smallest magnitudes (what "silence" sends) decode to ±8
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
  });

  it('µ-law: the standard table points', () => {
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x7f)).toBe(-0);
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0x00)).toBe(-32124);
  });

  it('decodes only G.711 payload types', () => {
    expect(decodeG711(8, new Uint8Array([0xd5, 0x55]))).toEqual(new Float32Array([8 / 32768, -8 / 32768]));
    expect(decodeG711(0, new Uint8Array([0xff]))).toEqual(new Float32Array([0]));
    expect(decodeG711(111, new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});

describe('measureAudio', () => {
  it('names the tone and its level, at 8 kHz and at 48 kHz', () => {
    for (const rate of [8000, 48000]) {
      for (const f of [440, 1000, 2600]) {
        const m = measureAudio(sine(f, rate, 1, 0.5), rate);
        expect(m.toneHz).toBe(f);
        expect(m.toneShare).toBeGreaterThan(0.95);
        expect(m.peak).toBeCloseTo(0.5, 2);
        expect(m.rmsDbfs).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1);
      }
    }
  });

  it('finds a tone in A-law-coded audio and a tone between two bins', () => {
    const coded = Array.from(sine(1000, 8000, 1, 0.3), (x) => alawToLinear(linearToAlaw(x * 32767)) / 32768);
    expect(measureAudio(coded, 8000)).toMatchObject({ toneHz: 1000 });
    expect(measureAudio(coded, 8000).toneShare).toBeGreaterThan(0.9);
    const between = measureAudio(sine(1004, 8000, 1), 8000);
    expect(between.toneHz).toBe(1000);
    expect(between.toneShare).toBeGreaterThan(0.5);
  });

  it('silence and near-silence name no tone; noise has no dominant one', () => {
    expect(measureAudio(new Float32Array(8000), 8000)).toMatchObject({ samples: 8000, peak: 0, rmsDbfs: -150, toneHz: null, toneShare: 0 });
    expect(measureAudio(Array(8000).fill(8 / 32768), 8000).toneHz).toBeNull();
    expect(measureAudio([], 8000)).toMatchObject({ samples: 0, toneHz: null });
    let seed = 1;
    const noise = Array.from({ length: 8000 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.5);
    expect(measureAudio(noise, 8000).toneShare).toBeLessThan(0.1);
  });

  it('two tones: the louder one wins, with its share of the energy', () => {
    const a = sine(440, 8000, 1, 0.4);
    const b = sine(1000, 8000, 1, 0.2);
    const m = measureAudio(a.map((x, i) => x + b[i]!), 8000);
    expect(m.toneHz).toBe(440);
    expect(m.toneShare).toBeCloseTo(0.8, 1);
  });
});
