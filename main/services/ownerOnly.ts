import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/**
 * Files at rest belong to the person who runs Frontdesk alone: the call history, the client
 * directory, settings and the applied provisioning (SIP password, CRM token) are created 0600 in a
 * 0700 folder, and older ones found more open are closed down. On Windows, where files have no
 * Unix modes, the user profile's ACLs do this job and these calls change nothing.
 */
const hasModes = process.platform !== 'win32';

/** A folder only its owner may enter (created if missing). */
export function ownerOnlyFolder(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (hasModes) chmodSync(dir, 0o700);
  return dir;
}

/** A file only its owner may read and write: created empty if missing, closed down if it exists. */
export function ownerOnlyFile(file: string): string {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  if (hasModes) chmodSync(file, 0o600);
  return file;
}

/** Closes down files that exist (e.g. SQLite's -wal and -shm beside a database); missing ones are left. */
export function restrictIfPresent(...files: string[]): void {
  if (!hasModes) return;
  for (const file of files) if (existsSync(file)) chmodSync(file, 0o600);
}
