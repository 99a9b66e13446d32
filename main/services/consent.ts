import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../../common/settings';

const mimeByExtension: Record<string, string> = {
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.webm': 'audio/webm',
  '.flac': 'audio/flac',
};
const maxBytes = 5 * 1024 * 1024;

/**
 * The consent announcement the renderer plays to a caller when a recording starts: the office's
 * own file (`recordingAnnouncementFile`) or the built-in one in the chosen language. A file that
 * cannot be used says why (the agent is told; the recording goes on).
 */
export function announcement(values: Settings, consentDir: string | null): { mimeType: string; base64: string; source: string } {
  const own = values.recordingAnnouncementFile.trim();
  const file = own || (consentDir ? path.join(consentDir, `${values.recordingAnnouncementLanguage}.ogg`) : null);
  if (!file) throw new Error('no consent announcement is available (the built-in ones are not installed)');
  const mimeType = mimeByExtension[path.extname(file).toLowerCase()];
  if (!mimeType) throw new Error(`the announcement ${file} is not an audio file Frontdesk plays (use WAV, MP3, Ogg, M4A, WebM or FLAC)`);
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new Error(`the announcement ${file} cannot be read: ${(error as Error).message}`);
  }
  if (size > maxBytes) throw new Error(`the announcement ${file} is ${Math.round(size / 1024 / 1024)} MB: at most 5 MB`);
  return { mimeType, base64: readFileSync(file).toString('base64'), source: own ? file : `built-in (${values.recordingAnnouncementLanguage})` };
}
