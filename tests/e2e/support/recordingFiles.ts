import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { measureAudio, type AudioMeasure } from '../../../scripts/lab/audio';

/** A recording's audio decoded by ffmpeg (Debian's, installed by scripts/install-deps.sh): left and right at 8 kHz. */
export interface DecodedRecording {
  left: Float32Array;
  right: Float32Array;
  rate: number;
  /** ffprobe's duration of the file (seconds), or null when it has none. */
  durationS: number | null;
}

export function decodeRecording(file: string): DecodedRecording {
  const rate = 8000;
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'f32le', '-ac', '2', '-ar', String(rate), '-'], { maxBuffer: 256 * 1024 * 1024 });
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const left = new Float32Array(all.length / 2);
  const right = new Float32Array(all.length / 2);
  for (let i = 0; i < left.length; i++) {
    left[i] = all[2 * i]!;
    right[i] = all[2 * i + 1]!;
  }
  const probed = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim();
  return { left, right, rate, durationS: Number.isFinite(Number(probed)) ? Number(probed) : null };
}

/** What a channel carries between two moments of the recording (seconds from its start). */
export function channelBetween(r: DecodedRecording, channel: 'left' | 'right', fromS: number, toS: number): AudioMeasure {
  const samples = r[channel].subarray(Math.max(0, Math.floor(fromS * r.rate)), Math.min(r[channel].length, Math.floor(toS * r.rate)));
  return measureAudio(samples, r.rate);
}

/** The recordings (WebM files) in a Frontdesk data folder's recordings folder. */
export function recordingFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'recordings');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.webm'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** A recording's row in a Frontdesk data folder's recordings.db (read-only; the host may be running). */
export interface RecordingRow {
  id: string;
  conversation_id: string;
  sip_call_id: string;
  segment: 'call' | 'consultation';
  direction: 'inbound' | 'outbound';
  remote_number: string;
  state: 'recording' | 'complete' | 'interrupted';
  file_name: string;
  folder: string;
  started_ms: number;
  ended_ms: number | null;
  duration_ms: number | null;
  /** The paused and held stretches (RecordingMark[] as JSON), ms from the recording's start. */
  marks_json: string;
}

export function recordingRows(dataDir: string): RecordingRow[] {
  const db = new Database(path.join(dataDir, 'recordings.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM recordings ORDER BY started_ms').all() as RecordingRow[];
  } finally {
    db.close();
  }
}

/** How many seconds of audio ffmpeg decodes from a file as it is (no repair): what survives a crash. */
export function decodedSeconds(file: string): number {
  const rate = 8000;
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 's16le', '-ac', '1', '-ar', String(rate), '-'], { maxBuffer: 256 * 1024 * 1024 });
  return raw.byteLength / 2 / rate;
}
