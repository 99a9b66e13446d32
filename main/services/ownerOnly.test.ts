import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFrontdesk } from './frontdesk';

const account = { user: '1000', password: 'secret-sip-password', domain: 'lab.frontdesk.test', wsUrl: 'ws://127.0.0.1:8080' };

/** Every file and folder below `dir` with permission bits other than its owner's. */
function openToOthers(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if ((st.mode & 0o077) !== 0) out.push(`${path.relative(dir, p) || '.'} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
  return out;
}

describe.skipIf(process.platform === 'win32')('files at rest are the owner\'s alone', () => {
  it('a new data folder: databases, settings, the applied provisioning and the notes are 0600 in 0700 folders', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'frontdesk-modes-'));
    const file = path.join(root, 'p.json');
    writeFileSync(file, JSON.stringify({ version: 1, account }));
    const dataDir = path.join(root, 'data');
    const fd = createFrontdesk({ dataDir, provisioningFile: file, shell: 'browser-host', version: '0.1.0' }, () => undefined);
    await fd.handlers.settings.set({ key: 'autoAnswer', value: true });
    await fd.handlers.account.get(undefined);
    fd.close();
    const names = readdirSync(dataDir);
    expect(names).toEqual(expect.arrayContaining(['frontdesk.db', 'directory.db', 'settings.json', 'provisioning.applied.json']));
    expect(openToOthers(dataDir)).toEqual([]);
  });

  it('a data folder an older Frontdesk left open (0755, 0644) is closed down when it starts', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'frontdesk-modes-'));
    const dataDir = path.join(root, 'data');
    const first = createFrontdesk({ dataDir, provisioningFile: null, shell: 'browser-host', version: '0.1.0' }, () => undefined);
    first.close();
    const walk = (p: string) => {
      const st = statSync(p);
      chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
      if (st.isDirectory()) for (const name of readdirSync(p)) walk(path.join(p, name));
    };
    mkdirSync(path.join(dataDir, 'call-scripts'), { recursive: true });
    walk(dataDir);
    expect(openToOthers(dataDir).length).toBeGreaterThan(0);
    createFrontdesk({ dataDir, provisioningFile: null, shell: 'browser-host', version: '0.1.0' }, () => undefined).close();
    expect(openToOthers(dataDir)).toEqual([]);
  });
});
