import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProvisioningFileSchema, type ProvisioningFile } from '../common/provisioning';
import { labAccount, labAccounts, labDomain, labWsUrl } from './lab/config';

/**
 * Writes a provisioning file for a lab extension:
 *   npm run provision -- 1000 [--out path]     (default: .lab/provisioning/1000.json)
 * The file is validated with the same schema Frontdesk applies, so what it writes always loads.
 */
export function labProvisioning(user: string, extra: Partial<ProvisioningFile> = {}): ProvisioningFile {
  const a = labAccount(user);
  return ProvisioningFileSchema.parse({
    version: 1,
    account: { user: a.user, password: a.password, domain: labDomain, wsUrl: labWsUrl, displayName: a.displayName },
    settings: { defaultRegion: 'RU' },
    // Everyone else in the lab, for transfers and the Colleagues panel.
    colleagues: labAccounts
      .filter((c) => c.user !== a.user)
      .map((c) => ({ extension: c.user, name: c.displayName, ...(c.department ? { department: c.department } : {}) })),
    ...extra,
  });
}

export function writeLabProvisioning(user: string, file: string, extra: Partial<ProvisioningFile> = {}): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(labProvisioning(user, extra), null, 2)}\n`, { mode: 0o600 });
  return file;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const user = args.find((a) => !a.startsWith('--')) ?? '1000';
  const outIndex = args.indexOf('--out');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const out = outIndex >= 0 && args[outIndex + 1] ? path.resolve(args[outIndex + 1]!) : path.join(root, '.lab/provisioning', `${user}.json`);
  try {
    console.log(writeLabProvisioning(user, out));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
