import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFileSeekable, makeSeekable } from './webm';

/** 4.2 s of stereo Opus as Chromium's MediaRecorder wrote it (440 Hz left, 1000 Hz right; 1 s chunks). */
const sample = path.join(import.meta.dirname, 'fixtures', 'stereo-440-1000.webm');
const ffprobe = (file: string) => {
  try {
    return execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};
const hasFfprobe = ffprobe(sample) !== null;

describe('a MediaRecorder WebM made seekable', () => {
  it('gets the duration and the cues, and keeps the audio byte for byte', () => {
    const original = readFileSync(sample);
    const { bytes, facts } = makeSeekable(original);
    expect(facts).toEqual({ durationMs: 4203, cues: 5 });
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])); // the EBML header, not stray pool bytes
    // the clusters are unchanged at the end of both files
    const tail = original.subarray(original.length - 2000);
    expect(bytes.subarray(bytes.length - 2000)).toEqual(tail);
  });

  it.skipIf(!hasFfprobe)('ffprobe reads the duration of the fixed file (it reads none before); a file cut short by a crash is fixed up to its last whole cluster', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-webm-'));
    const file = path.join(dir, 'call.webm');
    copyFileSync(sample, file);
    expect(ffprobe(file)).toBe('N/A');
    makeFileSeekable(file);
    expect(Number(ffprobe(file))).toBeCloseTo(4.203, 2);
    const cut = path.join(dir, 'cut.webm');
    writeFileSync(cut, readFileSync(sample).subarray(0, 6000));
    const facts = makeFileSeekable(cut);
    expect(facts.durationMs).toBeGreaterThan(1500);
    expect(facts.durationMs).toBeLessThan(3000);
    expect(Number(ffprobe(cut))).toBeCloseTo(facts.durationMs / 1000, 1);
    expect(existsSync(`${cut}.fixing`)).toBe(false);
  });

  it('refuses what is not WebM', () => {
    expect(() => makeSeekable(Buffer.from('hello, not a recording'))).toThrow(/not a WebM/);
  });
});
