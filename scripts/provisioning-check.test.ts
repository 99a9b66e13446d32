import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProvisioningBytes } from '../main/services/provisioningCheck';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'fd-provcheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const account = { user: '1000', password: 'pw-1000', domain: 'pbx.example.com', wsUrl: 'wss://pbx.example.com:8089/ws' };
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('provisioning check', () => {
  it('passes a valid file, noting the secrets it carries', () => {
    const check = checkProvisioningBytes(bytes({ version: 1, account, settings: { hotkeys: { answer: 'Ctrl+Alt+A' } } }));
    expect(check).toEqual({ ok: true, problems: [], notes: [{ field: 'account.password', message: expect.stringMatching(/moves it into the OS keychain/) }] });
  });

  it('checks a file whose password was consumed as if the PC had it, and says so', () => {
    const { password: _p, ...rest } = account;
    const check = checkProvisioningBytes(bytes({ version: 1, account: rest }));
    expect(check.ok).toBe(true);
    expect(check.notes).toEqual([{ field: 'account.password', message: expect.stringMatching(/stored on the PC for 1000@pbx.example.com/) }]);
  });

  it('reports every problem at its field, and what is not JSON', () => {
    const check = checkProvisioningBytes(bytes({ version: 1, account: { ...account, wsUrl: 'pbx' }, settings: { autoAnswer: 'yes', hotkeys: { mute: 'Ctrl+Shift' } }, locked: ['nope'] }));
    expect(check.ok).toBe(false);
    expect(check.problems.map((p) => p.field).sort()).toEqual(['account.wsUrl', 'locked.0', 'settings.autoAnswer', 'settings.hotkeys.mute']);
    expect(checkProvisioningBytes(new TextEncoder().encode('{ "version": 1,'))).toMatchObject({ ok: false, problems: [{ field: '', message: expect.stringMatching(/^not valid JSON/) }] });
  });

  it('checks the desktop settings an admin sets and locks (tray, login start, window to front, updates)', () => {
    const desktop = { closeToTray: false, startAtLogin: true, bringToFrontOnCall: true, autoUpdate: true, updateFeedUrl: 'https://updates.example.com/frontdesk/' };
    const locked = ['closeToTray', 'startAtLogin', 'bringToFrontOnCall', 'autoUpdate', 'updateFeedUrl', 'hotkeys'];
    expect(checkProvisioningBytes(bytes({ version: 1, account, settings: desktop, locked })).problems).toEqual([]);
    // Updates off, for good: autoUpdate false and locked.
    expect(checkProvisioningBytes(bytes({ version: 1, account, settings: { autoUpdate: false }, locked: ['autoUpdate'] })).ok).toBe(true);
    const bad = checkProvisioningBytes(
      bytes({ version: 1, account, settings: { closeToTray: 'yes', startAtLogin: 1, bringToFrontOnCall: null, autoUpdate: 'off', updateFeedUrl: 'file://share/updates' }, locked: ['closeToTray', 'trayIcon'] }),
    );
    expect(bad.ok).toBe(false);
    expect(bad.problems.map((p) => p.field).sort()).toEqual([
      'locked.1',
      'settings.autoUpdate',
      'settings.bringToFrontOnCall',
      'settings.closeToTray',
      'settings.startAtLogin',
      'settings.updateFeedUrl',
    ]);
    expect(bad.problems.find((p) => p.field === 'settings.updateFeedUrl')?.message).toMatch(/http:\/\/ or https:\/\//);
  });

  it('reads UTF-16 with a BOM as Windows tools write it', () => {
    const text = JSON.stringify({ version: 1, account: { ...account, displayName: 'Приёмная' } });
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) {
      utf16[2 + i * 2] = text.charCodeAt(i) & 0xff;
      utf16[3 + i * 2] = text.charCodeAt(i) >> 8;
    }
    expect(checkProvisioningBytes(utf16).ok).toBe(true);
  });
});

describe('npm run provisioning:check', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/provisioning-check.ts'), ...args], { cwd: root, encoding: 'utf8' });

  it('prints field-level errors and exits non-zero for a bad file; zero for a good one', () => {
    const good = path.join(dir, 'good.json');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify({ version: 1, account }));
    writeFileSync(bad, JSON.stringify({ version: 1, account: { ...account, wsUrl: 'http://pbx' }, colleagues: [{ extension: '1001', name: '' }] }));

    const ok = run(good);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`${good}: valid`);

    const failed = run('--', bad, good);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain(`${bad}: 2 problems; Frontdesk would apply nothing of it`);
    expect(failed.stderr).toContain('  account.wsUrl: must start with ws:// or wss://');
    expect(failed.stderr).toContain('  colleagues.0.name: must not be empty');
    expect(failed.stdout).toContain(`${good}: valid`);

    const missing = run(path.join(dir, 'none.json'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('(file): the file does not exist');
    expect(run().status).toBe(2);
  }, 30_000);
});
