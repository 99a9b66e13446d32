import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  parseProvisioning,
  type ProvisioningFile,
  type ProvisioningStatus,
} from '../../common/provisioning';
import type { DataDir } from './dataDir';
import { decodeImportFile } from '../../common/imports';
import { restrictIfPresent } from './ownerOnly';

export interface ProvisioningResult {
  status: ProvisioningStatus;
  /** The provisioning in force: the file's when it is valid, else the last good one, else none. */
  active: ProvisioningFile | null;
}

/**
 * Reads the provisioning file an administrator placed on this PC. A file is applied whole or not at
 * all: when it is malformed the problems are reported field by field and the last good provisioning
 * (kept in the data folder) stays in force, so a bad roll-out never leaves a PC half-configured.
 */
export class ProvisioningService {
  private readonly lastGoodPath: string;

  constructor(
    private readonly file: string | null,
    dataDir: DataDir,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.lastGoodPath = dataDir.file('provisioning.applied.json');
  }

  load(): ProvisioningResult {
    const lastGood = this.readLastGood();
    if (!this.file) return { status: { state: 'none', file: null }, active: lastGood };
    if (!existsSync(this.file)) {
      return {
        status: {
          state: 'rejected',
          file: this.file,
          problems: [{ field: '', message: 'the file does not exist' }],
          usingLastGood: lastGood !== null,
        },
        active: lastGood,
      };
    }
    let text: string;
    try {
      // As Windows tools write it: UTF-8 with or without a BOM (PowerShell 5.1, older Notepad), UTF-16 with a BOM.
      text = decodeImportFile(readFileSync(this.file)).text;
    } catch (error) {
      return {
        status: {
          state: 'rejected',
          file: this.file,
          problems: [{ field: '', message: `cannot be read: ${(error as Error).message}` }],
          usingLastGood: lastGood !== null,
        },
        active: lastGood,
      };
    }
    const parsed = parseProvisioning(text);
    if (!parsed.ok) {
      return {
        status: { state: 'rejected', file: this.file, problems: parsed.problems, usingLastGood: lastGood !== null },
        active: lastGood,
      };
    }
    this.saveLastGood(parsed.value);
    return { status: { state: 'applied', file: this.file, appliedAt: this.now().toISOString() }, active: parsed.value };
  }

  private readLastGood(): ProvisioningFile | null {
    if (!existsSync(this.lastGoodPath)) return null;
    try {
      restrictIfPresent(this.lastGoodPath); // (an older Frontdesk may have left it readable by others)
      const parsed = parseProvisioning(readFileSync(this.lastGoodPath, 'utf8'));
      return parsed.ok ? parsed.value : null;
    } catch {
      return null;
    }
  }

  private saveLastGood(value: ProvisioningFile): void {
    const tmp = `${this.lastGoodPath}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
    renameSync(tmp, this.lastGoodPath);
  }
}
