import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { restrictIfPresent } from './ownerOnly';

/**
 * Where Frontdesk keeps its secrets (the SIP password, the CRM's and the webhook's headers, the SMTP
 * password): a port, so the services stay free of Electron.
 *
 *  - The desktop app encrypts each secret with Electron's safeStorage (the OS keychain: DPAPI on
 *    Windows, the Keychain on macOS, libsecret/kwallet on Linux) and keeps the ciphertext in
 *    `secrets.json` in the data folder: `SecretFile` with a `cipher` (main/shell/secrets.ts).
 *  - The browser host has no OS keychain: `SecretFile` without a cipher keeps them in plain text in
 *    `secrets-browser-host.json`, readable by its owner alone (0600 in a 0700 folder). That protects them from
 *    other users of the PC, not from programs running as the same user: weaker, and documented so.
 *  - `MemorySecretStore` keeps them for this run only (tests; a desktop whose keychain is unavailable).
 *
 * Never a secret in settings.json or provisioning.applied.json.
 */
export interface SecretStore {
  /** For the admin and the diagnostics: where the secrets are, e.g. "the OS keychain (safeStorage, gnome_libsecret)". */
  readonly description: string;
  /** Whether a secret survives a restart (a provisioning file's copy may be removed only then). */
  readonly persistent: boolean;
  get(name: string): string | null;
  set(name: string, value: string): void;
  delete(name: string): void;
  names(): string[];
  /**
   * Stores that write in the background (the desktop app's keychain): resolves once what was set
   * is on disk. Absent: `set` has written it when it returns.
   */
  flush?(): Promise<void>;
}

/** How the desktop shell encrypts (safeStorage); the file holds base64 ciphertext. */
export interface SecretCipher {
  encrypt(plain: string): string;
  decrypt(cipherText: string): string;
}

interface SecretFileShape {
  version: 1;
  /** "plain" (browser host) or the cipher's name; a file written with another cipher is not read. */
  protection: string;
  secrets: Record<string, string>;
}

export class SecretFile implements SecretStore {
  readonly persistent = true;
  private cache: Record<string, string> | null = null;

  constructor(
    private readonly file: string,
    readonly description: string,
    private readonly cipher: (SecretCipher & { name: string }) | null = null,
  ) {}

  private protection(): string {
    return this.cipher ? this.cipher.name : 'plain';
  }

  private read(): Record<string, string> {
    if (this.cache) return this.cache;
    let secrets: Record<string, string> = {};
    if (existsSync(this.file)) {
      restrictIfPresent(this.file);
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<SecretFileShape>;
      if (parsed.version !== 1 || typeof parsed.secrets !== 'object' || !parsed.secrets) throw new Error(`${this.file} is not a Frontdesk secrets file`);
      // A file another protection wrote (the browser host's beside the desktop app's) is not ours to read.
      if (parsed.protection === this.protection()) secrets = { ...parsed.secrets };
    }
    this.cache = secrets;
    return secrets;
  }

  private write(secrets: Record<string, string>): void {
    const tmp = `${this.file}.tmp`;
    const shape: SecretFileShape = { version: 1, protection: this.protection(), secrets };
    writeFileSync(tmp, `${JSON.stringify(shape, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
    restrictIfPresent(this.file);
    this.cache = secrets;
  }

  get(name: string): string | null {
    const stored = this.read()[name];
    if (stored === undefined) return null;
    return this.cipher ? this.cipher.decrypt(stored) : stored;
  }

  set(name: string, value: string): void {
    const secrets = { ...this.read() };
    if (secrets[name] !== undefined && this.unchanged(name, value)) return;
    secrets[name] = this.cipher ? this.cipher.encrypt(value) : value;
    this.write(secrets);
  }

  private unchanged(name: string, value: string): boolean {
    try {
      return this.get(name) === value;
    } catch {
      return false; // what cannot be decrypted any more is replaced
    }
  }

  delete(name: string): void {
    const secrets = { ...this.read() };
    if (!(name in secrets)) return;
    delete secrets[name];
    this.write(secrets);
  }

  names(): string[] {
    return Object.keys(this.read());
  }
}

export class MemorySecretStore implements SecretStore {
  readonly persistent = false;
  private readonly secrets = new Map<string, string>();
  constructor(readonly description = 'memory (this run only)') {}
  get(name: string) {
    return this.secrets.get(name) ?? null;
  }
  set(name: string, value: string) {
    this.secrets.set(name, value);
  }
  delete(name: string) {
    this.secrets.delete(name);
  }
  names() {
    return [...this.secrets.keys()];
  }
}

/** The browser host's store: plain text, owner-only (see above). */
export const browserHostSecrets = (file: string) =>
  new SecretFile(file, 'a file readable by this user only (browser host: no OS keychain; weaker than the desktop app)');

/**
 * Whether the desktop app may keep its secrets with safeStorage, from what Electron reports. On
 * Linux without a keyring (no GNOME Keyring / KWallet, or `--password-store=basic`) safeStorage
 * falls back to `basic_text`, a key built into Chromium: that is no protection, so the secrets then
 * live in memory only (and stay in a provisioning file, which is not rewritten; the admin is told).
 */
export function desktopKeychain(report: { available: boolean; platform: NodeJS.Platform; linuxBackend?: string }):
  | { use: 'keychain'; description: string }
  | { use: 'memory'; description: string } {
  if (!report.available) return { use: 'memory', description: 'memory only (the OS keychain is not available)' };
  if (report.platform === 'linux') {
    if (report.linuxBackend === 'basic_text' || report.linuxBackend === 'unknown' || !report.linuxBackend) {
      return { use: 'memory', description: `memory only (no keyring: safeStorage's backend is ${report.linuxBackend ?? 'unknown'})` };
    }
    return { use: 'keychain', description: `the OS keychain (safeStorage, ${report.linuxBackend})` };
  }
  return { use: 'keychain', description: report.platform === 'win32' ? 'the OS keychain (safeStorage, DPAPI)' : 'the OS keychain (safeStorage, Keychain)' };
}

/** An asynchronous cipher (Electron's safeStorage.encryptStringAsync / decryptStringAsync). */
export interface AsyncSecretCipher {
  name: string;
  encrypt(plain: string): Promise<string>;
  /** The plain text, and whether the keychain asks for it to be encrypted again (a rotated key). */
  decrypt(cipherText: string): Promise<{ plain: string; reEncrypt: boolean }>;
}

/**
 * The desktop app's store over an asynchronous cipher: the file is read and decrypted once, at
 * start (`open`), and the services read the secrets from memory, synchronously, as the SecretStore
 * port wants. A change is encrypted and written in the background, in order; `flush()` resolves
 * once everything set so far is on disk (and rejects if that write failed), so a provisioning
 * file's copy of a secret is only taken out after the keychain's is written.
 */
export class KeychainSecretFile implements SecretStore {
  readonly persistent = true;
  private chain: Promise<void> = Promise.resolve();
  private last: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    readonly description: string,
    private readonly cipher: AsyncSecretCipher,
    private readonly plain: Map<string, string>,
    private readonly stored: Record<string, string>,
    private readonly onError: (message: string) => void,
  ) {}

  static async open(file: string, description: string, cipher: AsyncSecretCipher, onError: (message: string) => void = () => undefined): Promise<KeychainSecretFile> {
    const stored: Record<string, string> = {};
    const plain = new Map<string, string>();
    const stale: string[] = [];
    if (existsSync(file)) {
      restrictIfPresent(file);
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SecretFileShape>;
      if (parsed.version !== 1 || typeof parsed.secrets !== 'object' || !parsed.secrets) throw new Error(`${file} is not a Frontdesk secrets file`);
      if (parsed.protection === cipher.name) {
        for (const [name, cipherText] of Object.entries(parsed.secrets)) {
          stored[name] = cipherText;
          try {
            const { plain: value, reEncrypt } = await cipher.decrypt(cipherText);
            plain.set(name, value);
            if (reEncrypt) stale.push(name);
          } catch (error) {
            // Kept as it is (another user's or an older keychain's): a provisioning file can bring it again.
            onError(`secret ${name} could not be decrypted (${(error as Error).message})`);
          }
        }
      }
    }
    const store = new KeychainSecretFile(file, description, cipher, plain, stored, onError);
    for (const name of stale) store.schedule(name);
    await store.flush().catch(() => undefined);
    return store;
  }

  get(name: string): string | null {
    return this.plain.get(name) ?? null;
  }

  set(name: string, value: string): void {
    if (this.plain.get(name) === value) return;
    this.plain.set(name, value);
    this.schedule(name);
  }

  delete(name: string): void {
    if (!this.plain.has(name) && !(name in this.stored)) return;
    this.plain.delete(name);
    this.schedule(name);
  }

  names(): string[] {
    return [...this.plain.keys()];
  }

  /** Resolves when every change so far is written; rejects when the last write failed. */
  flush(): Promise<void> {
    return this.last;
  }

  private schedule(name: string): void {
    const run = this.chain.then(async () => {
      const value = this.plain.get(name);
      if (value === undefined) delete this.stored[name];
      else this.stored[name] = await this.cipher.encrypt(value);
      const tmp = `${this.file}.tmp`;
      const shape: SecretFileShape = { version: 1, protection: this.cipher.name, secrets: this.stored };
      writeFileSync(tmp, `${JSON.stringify(shape, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
      restrictIfPresent(this.file);
    });
    run.catch((error: unknown) => this.onError(`secret ${name} could not be written (${error instanceof Error ? error.message : String(error)})`));
    this.chain = run.catch(() => undefined);
    this.last = run;
  }
}
