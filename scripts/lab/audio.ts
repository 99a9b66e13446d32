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
