import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeychainSecretFile, MemorySecretStore, SecretFile, browserHostSecrets, desktopKeychain, type AsyncSecretCipher, type SecretCipher } from './secrets';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fd-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A reversible stand-in for safeStorage: what is on disk must not be the plain value. */
const rot = (name: string): SecretCipher & { name: string } => ({
  name,
  encrypt: (plain) => Buffer.from([...Buffer.from(plain, 'utf8')].map((b) => b ^ 0x5a)).toString('base64'),
  decrypt: (cipher) => Buffer.from([...Buffer.from(cipher, 'base64')].map((b) => b ^ 0x5a)).toString('utf8'),
});

describe('SecretFile', () => {
  it('keeps secrets across instances (restarts), owner-only, and forgets deleted ones', () => {
    const file = path.join(dir, 'secrets.json');
    const store = browserHostSecrets(file);
    expect(store.persistent).toBe(true);
    expect(store.get('sip')).toBeNull();
    store.set('sip', 'p@ss');
    store.set('crm', 'Bearer t');
    const again = browserHostSecrets(file);
    expect(again.get('sip')).toBe('p@ss');
    expect(again.names().sort()).toEqual(['crm', 'sip']);
    again.delete('crm');
    expect(browserHostSecrets(file).names()).toEqual(['sip']);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('with a cipher, never writes the plain value and reads back through the cipher', () => {
    const file = path.join(dir, 'secrets.json');
    new SecretFile(file, 'test keychain', rot('safeStorage')).set('sip', 'lab-1000-secret');
    expect(readFileSync(file, 'utf8')).not.toContain('lab-1000-secret');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, protection: 'safeStorage' });
    expect(new SecretFile(file, 'test keychain', rot('safeStorage')).get('sip')).toBe('lab-1000-secret');
  });

  it('does not read what another protection wrote (the browser host beside the desktop app), and replaces it on write', () => {
    const file = path.join(dir, 'secrets.json');
    browserHostSecrets(file).set('sip', 'plain-one');
    const desktop = new SecretFile(file, 'test keychain', rot('safeStorage'));
    expect(desktop.get('sip')).toBeNull();
    desktop.set('sip', 'ciphered');
    expect(new SecretFile(file, 'test keychain', rot('safeStorage')).get('sip')).toBe('ciphered');
    expect(readFileSync(file, 'utf8')).not.toContain('plain-one');
  });

  it('refuses a file that is not a secrets file rather than overwrite it silently', () => {
    const file = path.join(dir, 'secrets.json');
    writeFileSync(file, '{"hello":1}');
    expect(() => browserHostSecrets(file).get('sip')).toThrow(/not a Frontdesk secrets file/);
  });

  it('replaces a secret that no longer decrypts (another OS user, a reset keychain)', () => {
    const file = path.join(dir, 'secrets.json');
    new SecretFile(file, 'k', rot('safeStorage')).set('sip', 'old');
    const broken = new SecretFile(file, 'k', { name: 'safeStorage', encrypt: (p) => `v2:${p}`, decrypt: () => { throw new Error('cannot decrypt'); } });
    expect(() => broken.get('sip')).toThrow(/cannot decrypt/);
    broken.set('sip', 'new');
    expect(JSON.parse(readFileSync(file, 'utf8')).secrets.sip).toBe('v2:new');
  });
});

describe('MemorySecretStore', () => {
  it('keeps secrets for this run only', () => {
    const store = new MemorySecretStore();
    expect(store.persistent).toBe(false);
    store.set('a', '1');
    expect(store.get('a')).toBe('1');
    store.delete('a');
    expect(store.names()).toEqual([]);
  });
});

describe('the desktop keychain', () => {
  it('uses safeStorage where it protects, and memory where it would not (no keyring on Linux)', () => {
    expect(desktopKeychain({ available: true, platform: 'win32' })).toEqual({ use: 'keychain', description: 'the OS keychain (safeStorage, DPAPI)' });
    expect(desktopKeychain({ available: true, platform: 'darwin' }).use).toBe('keychain');
    expect(desktopKeychain({ available: true, platform: 'linux', linuxBackend: 'gnome_libsecret' })).toEqual({ use: 'keychain', description: 'the OS keychain (safeStorage, gnome_libsecret)' });
    expect(desktopKeychain({ available: true, platform: 'linux', linuxBackend: 'basic_text' }).use).toBe('memory');
    expect(desktopKeychain({ available: true, platform: 'linux', linuxBackend: 'unknown' }).use).toBe('memory');
    expect(desktopKeychain({ available: false, platform: 'win32' }).use).toBe('memory');
  });
});

describe('KeychainSecretFile (the asynchronous safeStorage API)', () => {
  /** An async stand-in for safeStorage; `rotated` makes it ask for re-encryption of what it decrypts. */
  const asyncRot = (opts: { rotated?: boolean; fail?: boolean } = {}): AsyncSecretCipher => {
    const sync = rot('safeStorage');
    return {
      name: 'safeStorage',
      encrypt: async (plain) => {
        if (opts.fail) throw new Error('keychain locked');
        return sync.encrypt(plain);
      },
      decrypt: async (cipherText) => ({ plain: sync.decrypt(cipherText), reEncrypt: opts.rotated ?? false }),
    };
  };

  it('reads what the synchronous API wrote, keeps changes across restarts once flushed, never in plain text', async () => {
    const file = path.join(dir, 'secrets.json');
    new SecretFile(file, 'sync', rot('safeStorage')).set('sip', 'old-pass');
    const store = await KeychainSecretFile.open(file, 'keychain', asyncRot());
    expect(store.get('sip')).toBe('old-pass');
    store.set('sip', 'new-pass');
    store.set('crm', 'Bearer t');
    store.delete('nothing');
    expect(store.get('sip')).toBe('new-pass'); // at once, from memory
    await store.flush();
    expect(readFileSync(file, 'utf8')).not.toContain('new-pass');
    const again = await KeychainSecretFile.open(file, 'keychain', asyncRot());
    expect(again.get('sip')).toBe('new-pass');
    expect(again.names().sort()).toEqual(['crm', 'sip']);
    again.delete('crm');
    await again.flush();
    expect((await KeychainSecretFile.open(file, 'keychain', asyncRot())).names()).toEqual(['sip']);
  });

  it('encrypts again what the keychain says to (a rotated key)', async () => {
    const file = path.join(dir, 'secrets.json');
    const first = await KeychainSecretFile.open(file, 'k', asyncRot());
    first.set('sip', 'p');
    await first.flush();
    let encrypted = 0;
    const cipher = asyncRot({ rotated: true });
    const counting: AsyncSecretCipher = { ...cipher, encrypt: (p) => (encrypted++, cipher.encrypt(p)) };
    const store = await KeychainSecretFile.open(file, 'k', counting);
    expect(store.get('sip')).toBe('p');
    expect(encrypted).toBe(1);
  });

  it('says so when a write fails: flush rejects and the error is reported', async () => {
    const errors: string[] = [];
    const store = await KeychainSecretFile.open(path.join(dir, 'secrets.json'), 'k', asyncRot({ fail: true }), (m) => errors.push(m));
    store.set('sip', 'p');
    await expect(store.flush()).rejects.toThrow('keychain locked');
    expect(errors.join()).toContain('sip could not be written');
    expect(store.get('sip')).toBe('p');
  });
});
