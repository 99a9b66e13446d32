/** Test audio for the lab's SIPp legs: a G.711 A-law WAV generated in Node (no sox needed). */
import fs from 'node:fs';

/** ITU-T G.711 A-law encoding of one 16-bit linear sample. */
export function linearToAlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s >= 0 ? 0x80 : 0x00;
  if (s < 0) s = -s - 1;
  s >>= 3; // 13-bit magnitude
  let exponent = 0;
  if (s >= 32) {
    exponent = 1;
    let v = s >> 5;
    while (v > 1 && exponent < 7) {
      v >>= 1;
      exponent++;
    }
  }
  const mantissa = exponent === 0 ? (s >> 1) & 0x0f : (s >> exponent) & 0x0f;
  return (sign | (exponent << 4) | mantissa) ^ 0x55;
}

export interface ToneOptions {
  /** Hz; default 440. */
  frequency?: number;
  /** 0..1 of full scale; default 0.3 (about -10 dBFS). */
  amplitude?: number;
  /** Seconds; default 4. A whole number of periods, so looping is seamless. */
  seconds?: number;
}

/** Raw A-law samples (8 kHz mono) of a sine tone. */
export function alawTone(opts: ToneOptions = {}): Buffer {
  const f = opts.frequency ?? 440;
  const amp = (opts.amplitude ?? 0.3) * 32767;
  const n = Math.round((opts.seconds ?? 4) * 8000);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = linearToAlaw(amp * Math.sin((2 * Math.PI * f * i) / 8000));
  return out;
}

/** A WAVE file (format 6 = A-law, 8 kHz, mono) around raw A-law samples. */
export function alawWav(samples: Buffer): Buffer {
  const header = Buffer.alloc(58);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(50 + samples.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16); // fmt chunk size
  header.writeUInt16LE(6, 20); // A-law
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24); // sample rate
  header.writeUInt32LE(8000, 28); // byte rate
  header.writeUInt16LE(1, 32); // block align
  header.writeUInt16LE(8, 34); // bits per sample
  header.writeUInt16LE(0, 36); // extension size
  header.write('fact', 38, 'ascii');
  header.writeUInt32LE(4, 42);
  header.writeUInt32LE(samples.length, 46);
  header.write('data', 50, 'ascii');
  header.writeUInt32LE(samples.length, 54);
  return Buffer.concat([header, samples]);
}

/** Write the default lab audio (440 Hz A-law tone) to `file` unless it exists. */
export function ensureLabAudio(file: string, opts: ToneOptions = {}): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, alawWav(alawTone(opts)));
  return file;
}

// ---------------------------------------------------------------- listening

/** ITU-T G.711 A-law decoding of one byte to a 16-bit linear sample. */
export function alawToLinear(byte: number): number {
  const a = (byte ^ 0x55) & 0xff;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if (magnitude > 32767) magnitude = 32767;
  return a & 0x80 ? magnitude : -magnitude;
}

/** ITU-T G.711 µ-law decoding of one byte to a 16-bit linear sample. */
export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

/** G.711 payload (PT 8 A-law, PT 0 µ-law) as samples in -1..1; undefined for other payload types. */
export function decodeG711(payloadType: number, payload: Uint8Array): Float32Array | undefined {
  if (payloadType !== 8 && payloadType !== 0) return undefined;
  const decode = payloadType === 8 ? alawToLinear : ulawToLinear;
  const out = new Float32Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = decode(payload[i]!) / 32768;
  return out;
}

/** What a stretch of audio carries: how loud it is and which tone dominates it. */
export interface AudioMeasure {
  /** Samples measured (0: nothing was received). */
  samples: number;
  /** How long they last. */
  seconds: number;
  /** Largest absolute sample, 0..1 of full scale. */
  peak: number;
  /** RMS level in dBFS (a full-scale sine is -3 dBFS; digital silence is the floor, `silenceFloorDbfs`). */
  rmsDbfs: number;
  /** The frequency (Hz, 10 Hz steps between 100 and 3800) with the most energy, or null in silence. */
  toneHz: number | null;
  /** The share (0..1) of all the energy that is at `toneHz`: near 1 for a clean tone, low for noise or speech. */
  toneShare: number;
}

/** The level reported for digital silence (a finite number, so a measure survives JSON). */
export const silenceFloorDbfs = -150;

/** Below this RMS (about -60 dBFS) a stretch counts as silence: no tone is named in it. */
const silenceRms = 0.001;

/**
 * Measures samples (-1..1) at `rate` Hz: level, and the dominant tone by a Goertzel scan in
 * 100 ms blocks (10 Hz resolution). Used by the lab's endpoint (what an outside caller hears) and
 * by the end-to-end tests on what a page plays (what the agent hears).
 */
export function measureAudio(samples: ArrayLike<number>, rate: number): AudioMeasure {
  const n = samples.length;
  let peak = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i]!;
    const a = Math.abs(x);
    if (a > peak) peak = a;
    energy += x * x;
  }
  const rms = n > 0 ? Math.sqrt(energy / n) : 0;
  const measure: AudioMeasure = { samples: n, seconds: n / rate, peak, rmsDbfs: Math.max(silenceFloorDbfs, 20 * Math.log10(rms)), toneHz: null, toneShare: 0 };
  if (rms < silenceRms) return measure;
  const block = Math.max(1, Math.round(rate / 10));
  const blocks = Math.floor(n / block);
  if (blocks === 0) return measure;
  let blockEnergy = 0;
  for (let i = 0; i < blocks * block; i++) blockEnergy += samples[i]! * samples[i]!;
  let best = 0;
  for (let f = 100; f <= 3800 && f < rate / 2; f += 10) {
    const coeff = 2 * Math.cos((2 * Math.PI * f) / rate);
    let power = 0;
    for (let b = 0; b < blocks; b++) {
      let s1 = 0;
      let s2 = 0;
      const start = b * block;
      for (let i = start; i < start + block; i++) {
        const s = samples[i]! + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
      }
      power += s1 * s1 + s2 * s2 - coeff * s1 * s2;
    }
    if (power > best) {
      best = power;
      measure.toneHz = f;
    }
  }
  // A sine exactly on a bin gives |X|² = (A·N/2)² per block against A²·N/2 of energy: share 1.
  measure.toneShare = blockEnergy > 0 ? Math.min(1, best / ((block / 2) * blockEnergy)) : 0;
  return measure;
}

/** Sine samples (-1..1) for tests and test audio. */
export function sine(frequency: number, rate: number, seconds: number, amplitude = 0.3): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate);
  return out;
}

/** A 16-bit PCM mono WAVE file of samples (-1..1). */
export function pcm16Wav(samples: ArrayLike<number>, rate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[i]!)) * 32767), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/**
 * The tones the tests listen for. The agent's microphone, in every Chromium the tests, benchmarks
 * and headless demo start, plays `agent` (a file given to Chromium's fake capture device); the
 * lab's SIPp parties (outside callers, desk phones, the gateway) send `outside`.
 */
export const testTones = { agent: 1000, outside: 440 } as const;
