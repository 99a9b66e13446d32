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
  const machineWide =
    options.platform === 'win32'
      ? path.win32.join(options.env.ProgramData ?? 'C:\\ProgramData', 'Frontdesk', 'provisioning.json')
      : options.platform === 'darwin'
        ? '/Library/Application Support/Frontdesk/provisioning.json'
        : '/etc/frontdesk/provisioning.json';
  for (const candidate of [machineWide, path.join(options.userDataDir, 'provisioning.json')]) {
    if (exists(candidate)) return candidate;
  }
  return null;
}
