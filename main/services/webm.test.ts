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

/**
 * The page's own muxer (mediabunny, append-only) writes the Segment's and each Cluster's "size
 * unknown" in the 1-byte form; ts-ebml reads only the 8-byte one. Two uncoupled mono Opus streams
 * of empty 60 ms frames (decoded as silence) stand in for a call here; what they carry is listened
 * to end to end (tests/e2e/recording.spec.ts).
 */
async function streamedMultistreamWebm(packets: number): Promise<Buffer> {
  const { EncodedAudioPacketSource, EncodedPacket, Output, StreamTarget, WebMOutputFormat } = await import('mediabunny');
  const { multistreamPacket, opusHead } = await import('../../renderer/src/recording/opusMultistream');
  const parts: Uint8Array[] = [];
  const output = new Output({
    format: new WebMOutputFormat({ appendOnly: true }),
    target: new StreamTarget(new WritableStream({ write: (chunk: { data: Uint8Array }) => void parts.push(chunk.data) })),
  });
  const source = new EncodedAudioPacketSource('opus');
  output.addAudioTrack(source);
  await output.start();
  const silk60 = Uint8Array.of(11 << 3);
  for (let i = 0; i < packets; i++) {
    const meta = i === 0 ? { decoderConfig: { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, description: opusHead({ preSkip: 312, inputSampleRate: 48000, channels: 2 }) } } : undefined;
    await source.add(new EncodedPacket(multistreamPacket([silk60, silk60]), 'key', i * 0.06, 0.06), meta);
  }
  await output.finalize();
  return Buffer.concat(parts);
}

describe('the page muxer’s WebM (two Opus streams) made seekable', () => {
  it('gets the duration and the cues; a file cut short loses only its unfinished end', async () => {
    const whole = await streamedMultistreamWebm(100); // 6 s
    const { bytes, facts } = makeSeekable(whole);
    expect(facts.durationMs).toBeGreaterThanOrEqual(5900);
    expect(facts.durationMs).toBeLessThanOrEqual(6000);
    expect(facts.cues).toBeGreaterThanOrEqual(5);
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
    const cut = makeSeekable(whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect(cut.facts.durationMs).toBeGreaterThan(2500);
    expect(cut.facts.durationMs).toBeLessThan(4500);
  });

  it.skipIf(!hasFfprobe)('ffprobe reads two channels and the duration of the fixed file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-webm-'));
    const file = path.join(dir, 'call.webm');
    writeFileSync(file, await streamedMultistreamWebm(50));
    makeFileSeekable(file);
    expect(Number(ffprobe(file))).toBeCloseTo(3, 1);
    const channels = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=channels', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim();
    expect(channels).toBe('2');
  });
});
