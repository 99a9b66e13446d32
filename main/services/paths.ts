import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the provisioning file is looked for, first match wins:
 * 1. `--provisioning=<file>` on the command line, 2. FRONTDESK_PROVISIONING,
 * 3. the machine-wide file an installer or a software-distribution tool drops
 *    (Windows: %ProgramData%\Frontdesk\provisioning.json, macOS: /Library/Application Support/Frontdesk/,
 *    Linux: /etc/frontdesk/provisioning.json), 4. provisioning.json in the user's data folder.
 * Returns null when none is given and none exists.
 */
export function resolveProvisioningPath(options: {
  argv: readonly string[];
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  userDataDir: string;
  exists?: (file: string) => boolean;
}): string | null {
  const exists = options.exists ?? existsSync;
  const fromArg = options.argv.find((a) => a.startsWith('--provisioning='))?.slice('--provisioning='.length);
  if (fromArg) return path.resolve(fromArg);
  if (options.env.FRONTDESK_PROVISIONING) return path.resolve(options.env.FRONTDESK_PROVISIONING);
  const machineWide = machineWideProvisioningPath(options.platform, options.env);
  for (const candidate of [machineWide, path.join(options.userDataDir, 'provisioning.json')]) {
    if (exists(candidate)) return candidate;
  }
  return null;
}

/** The machine-wide provisioning file an installer or a software-distribution tool drops (every user of the PC reads it). */
export function machineWideProvisioningPath(platform: NodeJS.Platform, env: Record<string, string | undefined>): string {
  return platform === 'win32'
    ? path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'Frontdesk', 'provisioning.json')
    : platform === 'darwin'
      ? '/Library/Application Support/Frontdesk/provisioning.json'
      : '/etc/frontdesk/provisioning.json';
}

/**
 * Whether a provisioning file is this user's own, so Frontdesk may take the secrets out of it once
 * they are stored: it is not the machine-wide file, it belongs to this user (POSIX) or lies in
 * this user's profile (Windows), and this user may write it. A file an admin shares between users
 * is never rewritten: the password stays there and the admin is warned instead.
 */
export function isUsersOwnFile(
  file: string,
  options: {
    platform: NodeJS.Platform;
    env: Record<string, string | undefined>;
    home: string;
    uid: number | null;
    stat: (file: string) => { uid: number };
    writable: (file: string) => boolean;
  },
): boolean {
  const p = options.platform === 'win32' ? path.win32 : path.posix;
  const resolved = p.resolve(file);
  const same = (a: string, b: string) => (options.platform === 'win32' || options.platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b);
  const machineWide = machineWideProvisioningPath(options.platform, options.env);
  if (same(resolved, machineWide) || same(p.dirname(resolved), p.dirname(machineWide))) return false;
  if (!options.writable(resolved)) return false;
  if (options.platform === 'win32') {
    const home = p.resolve(options.home).toLowerCase() + p.sep;
    return resolved.toLowerCase().startsWith(home);
  }
  try {
    return options.uid !== null && options.stat(resolved).uid === options.uid;
  } catch {
    return false;
  }
}
