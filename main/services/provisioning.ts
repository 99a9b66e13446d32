import { accessSync, constants, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  parseProvisioningJson,
  validateProvisioning,
  type ProvisioningFile,
  type ProvisioningProblem,
  type ProvisioningStatus,
} from '../../common/provisioning';
import type { DataDir } from './dataDir';
import { decodeImportFile } from '../../common/imports';
import { restrictIfPresent } from './ownerOnly';
import { isUsersOwnFile } from './paths';
import { MemorySecretStore, type SecretStore } from './secrets';
import { fillSecrets, storeSecrets, takeSecrets } from './provisioningSecrets';
import { nullLogger, type Logger } from './logger';

export interface ProvisioningResult {
  status: ProvisioningStatus;
  /** The provisioning in force: the file's when it is valid, else the last good one, else none. */
  active: ProvisioningFile | null;
}

export interface ProvisioningServiceOptions {
  now?: () => Date;
  /** Where the passwords and tokens go (default: memory, this run only). */
  secrets?: SecretStore;
  /** Whether Frontdesk may take the secrets out of this file once stored (default: the user's own file; see paths.ts). */
  mayRewrite?: (file: string) => boolean;
  log?: Logger;
}

const usersOwnFile = (file: string) =>
  isUsersOwnFile(file, {
    platform: process.platform,
    env: process.env,
    home: os.homedir(),
    uid: process.getuid?.() ?? null,
    stat: (f) => statSync(f),
    writable: (f) => {
      try {
        accessSync(f, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  });

/**
 * Reads the provisioning file an administrator placed on this PC. A file is applied whole or not at
 * all: when it is malformed the problems are reported field by field and the last good provisioning
 * (kept in the data folder) stays in force, so a bad roll-out never leaves a PC half-configured.
 *
 * Secrets (the SIP password, the CRM's and webhook's headers, the SMTP password) go to the secret
 * store the first time a file carries them; a file that is the user's own is then rewritten without
 * them, one an admin shares (the machine-wide file) is left alone with a warning. The last good
 * provisioning is kept without them.
 */
export class ProvisioningService {
  private readonly lastGoodPath: string;
  private readonly now: () => Date;
  private readonly secrets: SecretStore;
  private readonly mayRewrite: (file: string) => boolean;
  private readonly log: Logger;

  constructor(
    private readonly file: string | null,
    dataDir: DataDir,
    options: ProvisioningServiceOptions | (() => Date) = {},
  ) {
    const o = typeof options === 'function' ? { now: options } : options;
    this.lastGoodPath = dataDir.file('provisioning.applied.json');
    this.now = o.now ?? (() => new Date());
    this.secrets = o.secrets ?? new MemorySecretStore();
    this.mayRewrite = o.mayRewrite ?? usersOwnFile;
    this.log = o.log ?? nullLogger;
  }

  load(): ProvisioningResult {
    const lastGood = this.readLastGood();
    if (!this.file) return { status: { state: 'none', file: null }, active: lastGood };
    const rejected = (problems: ProvisioningProblem[]): ProvisioningResult => {
      this.log.warn(`provisioning ${this.file} rejected: ${problems.map((p) => `${p.field || '(file)'}: ${p.message}`).join('; ')}`);
      return { status: { state: 'rejected', file: this.file!, problems, usingLastGood: lastGood !== null }, active: lastGood };
    };
    if (!existsSync(this.file)) return rejected([{ field: '', message: 'the file does not exist', code: 'missing' }]);
    let text: string;
    try {
      // As Windows tools write it: UTF-8 with or without a BOM (PowerShell 5.1, older Notepad), UTF-16 with a BOM.
      text = decodeImportFile(readFileSync(this.file)).text;
    } catch (error) {
      const detail = (error as Error).message;
      return rejected([{ field: '', message: `cannot be read: ${detail}`, code: 'unreadable', params: { error: detail } }]);
    }
    const json = parseProvisioningJson(text);
    if (!json.ok) return rejected(json.problems);
    const { stripped, found } = takeSecrets(json.value);
    const { filled, missing } = fillSecrets(json.value, this.secrets);
    const parsed = validateProvisioning(filled);
    if (!parsed.ok) {
      return rejected(
        parsed.problems.map((p) => {
          const gone = missing.find((m) => m.field.name === p.field);
          return gone && p.code === 'required'
            ? { ...p, message: `is required: the file has none, and none is stored on this PC for ${gone.identity}`, code: 'passwordNotStored' as const, params: { who: gone.identity } }
            : p;
        }),
      );
    }
    const warnings: ProvisioningProblem[] = [];
    if (found.length > 0) warnings.push(...this.consume(found, stripped));
    this.saveLastGood(parsed.value);
    this.log.info(`provisioning ${this.file} applied (account ${parsed.value.account.user}@${parsed.value.account.domain})`);
    return {
      status: { state: 'applied', file: this.file, appliedAt: this.now().toISOString(), ...(warnings.length ? { warnings } : {}) },
      active: parsed.value,
    };
  }

  /** Stores the secrets the file carried and takes them out of it when it is the user's own. */
  private consume(found: ReturnType<typeof takeSecrets>['found'], stripped: unknown): ProvisioningProblem[] {
    const file = this.file!;
    const names = found.map((f) => f.field.name);
    try {
      storeSecrets(found, this.secrets);
    } catch (error) {
      const message = `could not be stored in ${this.secrets.description} (${(error as Error).message}); it stays in the file`;
      this.log.error(`provisioning ${file}: ${names.join(', ')} ${message}`);
      return names.map((field) => ({ field, message }));
    }
    this.log.info(`provisioning ${file}: ${names.join(', ')} stored in ${this.secrets.description}`);
    if (!this.secrets.persistent) {
      return names.map((field) => ({ field, message: `is kept in the file: ${this.secrets.description} does not keep it across restarts` }));
    }
    if (!this.mayRewrite(file)) {
      const message = `was stored in ${this.secrets.description}; ${file} is shared (or not this user's) and still holds it: remove it from the file once every user of this PC has started Frontdesk, or deploy it per user (see docs/admin.md)`;
      this.log.warn(`provisioning ${file}: ${names.join(', ')} ${message}`);
      return names.map((field) => ({ field, message }));
    }
    const strip = (): ProvisioningProblem[] => {
      try {
        const mode = statSync(file).mode & 0o777;
        const tmp = `${file}.frontdesk-tmp`;
        writeFileSync(tmp, `${JSON.stringify(stripped, null, 2)}\n`, { mode });
        renameSync(tmp, file);
        this.log.info(`provisioning ${file}: ${names.join(', ')} taken out of the file`);
        return [];
      } catch (error) {
        const message = `was stored in ${this.secrets.description}, but could not be taken out of ${file} (${(error as Error).message})`;
        this.log.warn(`provisioning ${file}: ${names.join(', ')} ${message}`);
        return names.map((field) => ({ field, message }));
      }
    };
    // A store that writes in the background (the desktop's keychain): the file keeps its copy
    // until the keychain's is on disk, so a crash between the two loses nothing.
    if (this.secrets.flush) {
      this.secrets.flush().then(strip, (error: unknown) => {
        this.log.error(`provisioning ${file}: ${names.join(', ')} not written to ${this.secrets.description} (${error instanceof Error ? error.message : String(error)}); it stays in the file`);
      });
      return [];
    }
    return strip();
  }

  private readLastGood(): ProvisioningFile | null {
    if (!existsSync(this.lastGoodPath)) return null;
    try {
      restrictIfPresent(this.lastGoodPath); // (an older Frontdesk may have left it readable by others)
      const json = parseProvisioningJson(readFileSync(this.lastGoodPath, 'utf8'));
      if (!json.ok) return null;
      // An older Frontdesk kept the secrets in it: they move to the store now.
      const { found } = takeSecrets(json.value);
      if (found.length > 0) storeSecrets(found, this.secrets);
      const parsed = validateProvisioning(fillSecrets(json.value, this.secrets).filled);
      if (!parsed.ok) return null;
      if (found.length > 0) this.saveLastGood(parsed.value);
      return parsed.value;
    } catch {
      return null;
    }
  }

  /** The last good provisioning, without its secrets (they are in the store). */
  private saveLastGood(value: ProvisioningFile): void {
    const { stripped } = takeSecrets(value);
    const tmp = `${this.lastGoodPath}.tmp`;
    writeFileSync(tmp, JSON.stringify(stripped, null, 2), { mode: 0o600 });
    renameSync(tmp, this.lastGoodPath);
  }
}
