import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDir } from './dataDir';
import { MemoryLogger } from './logger';
import { isUsersOwnFile } from './paths';
import { ProvisioningService } from './provisioning';
import { provisionedSecretValues } from './provisioningSecrets';
import { MemorySecretStore, browserHostSecrets, type SecretStore } from './secrets';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'fd-prov-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const account = { user: '1000', password: 'lab-1000-secret', domain: 'lab.frontdesk.test', wsUrl: 'ws://127.0.0.1:8080' };
const crm = { lookupUrl: 'https://crm.example.com/api/lookup?phone={number}', headers: { Authorization: 'Bearer crm-token-123' }, mapping: { name: 'name' } };
const smtp = { host: 'smtp.example.com', user: 'frontdesk', password: 'mail-pass', from: 'Frontdesk <fd@example.com>' };

/** A persistent store (as safeStorage's is) in the data folder. */
const persistentStore = () => browserHostSecrets(path.join(root, 'data', 'secrets.json'));
const write = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value, null, 2), { mode: 0o644 });
const read = (file: string) => readFileSync(file, 'utf8');

function service(file: string, secrets: SecretStore, mayRewrite: boolean, log = new MemoryLogger()) {
  return new ProvisioningService(file, new DataDir(path.join(root, 'data')), { secrets, mayRewrite: () => mayRewrite, log });
}

describe('provisioning secrets', () => {
  it("consumes the user's own file: the secrets go to the store, out of the file and never into provisioning.applied.json", () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account, crm, messages: { smtp } });
    const store = persistentStore();
    const log = new MemoryLogger();
    const first = service(file, store, true, log).load();
    expect(first.status).toEqual({ state: 'applied', file, appliedAt: expect.any(String) });
    expect(first.active).toMatchObject({ account: { password: 'lab-1000-secret' }, crm: { headers: { Authorization: 'Bearer crm-token-123' } }, messages: { smtp: { password: 'mail-pass' } } });

    for (const text of [read(file), read(path.join(root, 'data', 'provisioning.applied.json'))]) {
      for (const secret of ['lab-1000-secret', 'crm-token-123', 'mail-pass']) expect(text).not.toContain(secret);
    }
    // What the file still says is kept; its mode too.
    expect(JSON.parse(read(file))).toMatchObject({ version: 1, account: { user: '1000', domain: 'lab.frontdesk.test' }, crm: { lookupUrl: crm.lookupUrl } });
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(provisionedSecretValues(store)).toEqual(expect.arrayContaining(['lab-1000-secret', 'Bearer crm-token-123', 'crm-token-123', 'mail-pass']));
    expect(log.lines.map((l) => l.message).join('\n')).not.toContain('lab-1000-secret');

    // After a restart, the file without them works: they come from the store.
    const again = service(file, persistentStore(), true).load();
    expect(again.status.state).toBe('applied');
    expect(again.active?.account.password).toBe('lab-1000-secret');
    expect(again.active?.crm?.headers).toEqual({ Authorization: 'Bearer crm-token-123' });
  });

  it('keeps the last good provisioning across a broken file, its password from the store', () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    const store = persistentStore();
    service(file, store, false).load();
    writeFileSync(file, '{ broken');
    const result = service(file, store, false).load();
    expect(result.status).toMatchObject({ state: 'rejected', usingLastGood: true });
    expect(result.active?.account.password).toBe('lab-1000-secret');
  });

  it('never lends a stored password to another account', () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    const store = persistentStore();
    service(file, store, true).load();
    const { password: _p, ...withoutPassword } = account;
    write(file, { version: 1, account: { ...withoutPassword, user: '1001' } });
    const other = service(file, store, true).load();
    expect(other.status).toMatchObject({
      state: 'rejected',
      problems: [{ field: 'account.password', message: 'is required: the file has none, and none is stored on this PC for 1001@lab.frontdesk.test' }],
    });
  });

  it('a new password in the file replaces the stored one', () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    const store = persistentStore();
    service(file, store, true).load();
    write(file, { version: 1, account: { ...account, password: 'rotated-pass' } });
    expect(service(file, store, true).load().active?.account.password).toBe('rotated-pass');
    expect(read(file)).not.toContain('rotated-pass');
  });

  it('leaves a shared file (machine-wide, or not this user\'s) as it is and warns the admin', () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    const before = read(file);
    const result = service(file, persistentStore(), false).load();
    expect(read(file)).toBe(before);
    expect(result.status).toMatchObject({ state: 'applied', warnings: [{ field: 'account.password', message: expect.stringMatching(/is shared .* still holds it/) }] });
    expect(read(path.join(root, 'data', 'provisioning.applied.json'))).not.toContain('lab-1000-secret');
  });

  it('does not take a secret out of the file when the store would forget it at exit', () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    const result = service(file, new MemorySecretStore(), true).load();
    expect(read(file)).toContain('lab-1000-secret');
    expect(result.status).toMatchObject({ state: 'applied', warnings: [{ field: 'account.password', message: expect.stringMatching(/does not keep it across restarts/) }] });
  });

  it('keeps the secret in the file when the store refuses it (a locked keychain)', () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    const locked: SecretStore = { ...new MemorySecretStore('the OS keychain'), persistent: true, description: 'the OS keychain', get: () => null, names: () => [], delete: () => {}, set: () => { throw new Error('keychain locked'); } };
    const result = service(file, locked, true).load();
    expect(read(file)).toContain('lab-1000-secret');
    expect(result.active?.account.password).toBe('lab-1000-secret');
    expect(result.status).toMatchObject({ warnings: [{ field: 'account.password', message: expect.stringMatching(/could not be stored in the OS keychain \(keychain locked\)/) }] });
  });

  it('moves the secrets an older Frontdesk left in provisioning.applied.json into the store', () => {
    const data = new DataDir(path.join(root, 'data'));
    writeFileSync(data.file('provisioning.applied.json'), JSON.stringify({ version: 1, account: { ...account, registerExpires: 600 } }));
    const store = persistentStore();
    const result = new ProvisioningService(null, data, { secrets: store }).load();
    expect(result.active?.account.password).toBe('lab-1000-secret');
    expect(read(data.file('provisioning.applied.json'))).not.toContain('lab-1000-secret');
    expect(provisionedSecretValues(store)).toContain('lab-1000-secret');
  });
});

describe("whether a provisioning file is the user's own", () => {
  const posix = (file: string, over: Partial<Parameters<typeof isUsersOwnFile>[1]> = {}) =>
    isUsersOwnFile(file, { platform: 'linux', env: {}, home: '/home/ann', uid: 1000, stat: () => ({ uid: 1000 }), writable: () => true, ...over });
  it('is not for the machine-wide file, a file of another user or one this user cannot write', () => {
    expect(posix('/home/ann/.config/Frontdesk/provisioning.json')).toBe(true);
    expect(posix('/etc/frontdesk/provisioning.json')).toBe(false);
    expect(posix('/etc/frontdesk/other.json')).toBe(false);
    expect(posix('/srv/share/p.json', { stat: () => ({ uid: 0 }) })).toBe(false);
    expect(posix('/home/ann/p.json', { writable: () => false })).toBe(false);
    expect(posix('/home/ann/p.json', { stat: () => { throw new Error('ENOENT'); } })).toBe(false);
  });
  it('on Windows, is for a file in the user profile only, whatever the case', () => {
    const win = (file: string) => isUsersOwnFile(file, { platform: 'win32', env: { ProgramData: 'C:\\ProgramData' }, home: 'C:\\Users\\Ann', uid: null, stat: () => ({ uid: 0 }), writable: () => true });
    expect(win('C:\\Users\\ann\\AppData\\Roaming\\Frontdesk\\provisioning.json')).toBe(true);
    expect(win('c:\\programdata\\frontdesk\\provisioning.json')).toBe(false);
    expect(win('\\\\fileserver\\deploy\\frontdesk.json')).toBe(false);
  });
  it("in practice: by default a file this user owns and may write is consumed", () => {
    if (process.platform === 'win32') return;
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    new ProvisioningService(file, new DataDir(path.join(root, 'data')), { secrets: persistentStore() }).load();
    expect(read(file)).not.toContain('lab-1000-secret');
  });
});

describe('provisioning secrets with a store that writes in the background', () => {
  it('takes the password out of the file only once the keychain has written it', async () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const memory = new MemorySecretStore('slow keychain');
    const store: SecretStore = Object.assign(Object.create(memory) as SecretStore, { persistent: true, description: 'slow keychain', flush: () => gate });
    const result = service(file, store, true).load();
    expect(result.active?.account.password).toBe('lab-1000-secret');
    expect(read(file)).toContain('lab-1000-secret'); // not yet on disk in the keychain: the file keeps it
    release();
    await gate;
    await new Promise((resolve) => setImmediate(resolve));
    expect(read(file)).not.toContain('lab-1000-secret');
  });

  it('leaves the password in the file when the keychain could not write it', async () => {
    const file = path.join(root, 'provisioning.json');
    write(file, { version: 1, account });
    const memory = new MemorySecretStore('broken keychain');
    const failed = Promise.reject(new Error('locked'));
    failed.catch(() => undefined);
    const store: SecretStore = Object.assign(Object.create(memory) as SecretStore, { persistent: true, description: 'broken keychain', flush: () => failed });
    const log = new MemoryLogger();
    service(file, store, true, log).load();
    await new Promise((resolve) => setImmediate(resolve));
    expect(read(file)).toContain('lab-1000-secret');
    expect(log.lines.map((l) => l.message).join('\n')).toContain('it stays in the file');
  });
});
