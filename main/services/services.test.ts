import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CallRecordInputSchema } from '../../common/callLog';
import { addDays, localDateAt } from '../../common/reports';
import { DataDir } from './dataDir';
import { DirectoryService } from './directory';
import { createFrontdesk } from './frontdesk';
import { resolveProvisioningPath } from './paths';
import { ProvisioningService } from './provisioning';
import { MemoryLogger } from './logger';
import { MemorySecretStore, browserHostSecrets } from './secrets';
import { SettingLockedError, SettingsService } from './settings';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'frontdesk-test-'));
const account = { user: '1000', password: 'pw', domain: 'lab.frontdesk.test', wsUrl: 'ws://127.0.0.1:8080' };

describe('SettingsService', () => {
  it('layers defaults, the person and provisioning, and persists the person\'s choices', () => {
    const dir = new DataDir(tmp());
    const s = new SettingsService(dir);
    expect(s.view().values.defaultRegion).toBe('RU');
    s.set({ key: 'defaultRegion', value: 'GB' });
    expect(new SettingsService(dir).view()).toMatchObject({ values: { defaultRegion: 'GB' }, sources: { defaultRegion: 'user' } });
    s.applyProvisioned({ defaultRegion: 'DE' }, []);
    expect(s.view()).toMatchObject({ values: { defaultRegion: 'DE' }, sources: { defaultRegion: 'provisioned' } });
  });

  it('refuses to change a locked setting and keeps the stored value', () => {
    const dir = new DataDir(tmp());
    const s = new SettingsService(dir);
    s.set({ key: 'autoAnswer', value: true });
    s.applyProvisioned({}, ['autoAnswer']);
    expect(s.view()).toMatchObject({ values: { autoAnswer: false }, locked: ['autoAnswer'], sources: { autoAnswer: 'default' } });
    expect(() => s.set({ key: 'autoAnswer', value: true })).toThrow(SettingLockedError);
    s.applyProvisioned({}, []);
    expect(s.view().values.autoAnswer).toBe(true);
  });

  it('ignores a hand-edited value that no longer validates, without losing the others', () => {
    const dir = new DataDir(tmp());
    new SettingsService(dir).set({ key: 'declineCode', value: 603 });
    const file = dir.file('settings.json');
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    stored.user.defaultRegion = 'not a region';
    writeFileSync(file, JSON.stringify(stored));
    expect(new SettingsService(dir).view().values).toMatchObject({ defaultRegion: 'RU', declineCode: 603 });
  });

  it('tells listeners about every change', () => {
    const s = new SettingsService(new DataDir(tmp()));
    const seen: boolean[] = [];
    s.onChanged((v) => seen.push(v.values.autoAnswer));
    s.set({ key: 'autoAnswer', value: true });
    expect(seen).toEqual([true]);
  });
});

describe('ProvisioningService', () => {
  it('applies a good file and keeps it as the last good one', () => {
    const root = tmp();
    const file = path.join(root, 'p.json');
    writeFileSync(file, JSON.stringify({ version: 1, account }));
    const dir = new DataDir(path.join(root, 'data'));
    // The password is not in the last good copy: it is in the secret store, which outlives a run.
    const secrets = browserHostSecrets(dir.file('secrets.json'));
    const result = new ProvisioningService(file, dir, { secrets }).load();
    expect(result.status.state).toBe('applied');
    expect(result.active?.account.user).toBe('1000');

    writeFileSync(file, '{ broken');
    const again = new ProvisioningService(file, dir, { secrets }).load();
    expect(again.status).toMatchObject({ state: 'rejected', usingLastGood: true });
    expect(again.active?.account.user).toBe('1000');
  });

  it('never half-applies a bad file', () => {
    const root = tmp();
    const file = path.join(root, 'p.json');
    writeFileSync(file, JSON.stringify({ version: 1, account: { ...account, wsUrl: 'pbx' }, settings: { autoAnswer: true } }));
    const result = new ProvisioningService(file, new DataDir(path.join(root, 'data'))).load();
    expect(result.active).toBeNull();
    expect(result.status).toMatchObject({ state: 'rejected', usingLastGood: false, problems: [{ field: 'account.wsUrl' }] });
  });

  it('reads a file as Windows tools write it: UTF-8 with a BOM (PowerShell 5.1, older Notepad) and UTF-16 with a BOM', () => {
    const root = tmp();
    const file = path.join(root, 'p.json');
    const json = JSON.stringify({ version: 1, account: { ...account, displayName: 'Приёмная' } });
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, 'utf8')]));
    expect(new ProvisioningService(file, new DataDir(path.join(root, 'a'))).load()).toMatchObject({ status: { state: 'applied' }, active: { account: { displayName: 'Приёмная' } } });
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]));
    expect(new ProvisioningService(file, new DataDir(path.join(root, 'b'))).load()).toMatchObject({ status: { state: 'applied' }, active: { account: { displayName: 'Приёмная' } } });
    const be = Buffer.from(json, 'utf16le').swap16();
    writeFileSync(file, Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    expect(new ProvisioningService(file, new DataDir(path.join(root, 'c'))).load().status.state).toBe('applied');
  });

  it('reports a missing file', () => {
    const root = tmp();
    const result = new ProvisioningService(path.join(root, 'nope.json'), new DataDir(root)).load();
    expect(result.status).toMatchObject({ state: 'rejected', problems: [{ message: 'the file does not exist' }] });
  });
});

describe('createFrontdesk', () => {
  it('serves the account and applies provisioned settings and locks', async () => {
    const root = tmp();
    const file = path.join(root, 'p.json');
    writeFileSync(file, JSON.stringify({ version: 1, account, settings: { defaultRegion: 'GB' }, locked: ['defaultRegion'] }));
    const events: string[] = [];
    const fd = createFrontdesk({ dataDir: path.join(root, 'data'), provisioningFile: file, shell: 'browser-host', version: '0.1.0' }, (name) => events.push(name));
    expect((await fd.handlers.account.get(undefined)).account?.user).toBe('1000');
    expect(await fd.handlers.settings.get(undefined)).toMatchObject({ values: { defaultRegion: 'GB' }, locked: ['defaultRegion'] });
    expect(() => fd.handlers.settings.set({ key: 'defaultRegion', value: 'FR' })).toThrow(/administrator/);

    writeFileSync(file, JSON.stringify({ version: 1, account: { ...account, user: '1001' } }));
    const view = await fd.handlers.provisioning.reload(undefined);
    expect(view.account?.user).toBe('1001');
    expect(events).toContain('account.changed');
    expect(events).toContain('settings.changed');
  });
});

describe('createFrontdesk: secrets and the log', () => {
  it('gets the secrets through the store it is given, logs through the port, redacted', async () => {
    const root = tmp();
    const file = path.join(root, 'p.json');
    writeFileSync(file, JSON.stringify({ version: 1, account: { ...account, password: 'lab-1000-secret' } }));
    const secrets = new MemorySecretStore();
    Object.defineProperty(secrets, 'persistent', { value: true }); // as safeStorage's store is
    const log = new MemoryLogger();
    const options = { dataDir: path.join(root, 'data'), provisioningFile: file, shell: 'electron' as const, version: '0.1.0', secrets, log, mayRewriteProvisioning: () => true };
    const fd = createFrontdesk(options, () => undefined);
    expect((await fd.handlers.account.get(undefined)).account?.password).toBe('lab-1000-secret');
    expect(readFileSync(file, 'utf8')).not.toContain('lab-1000-secret');
    expect(secrets.names()).toEqual(['provisioning:account.password']);
    expect(fd.secretValues()).toEqual(['lab-1000-secret']);
    fd.log.info('a line that quotes lab-1000-secret');
    expect(log.lines.map((l) => l.message)).toEqual(expect.arrayContaining([expect.stringMatching(/provisioning .* applied/), 'a line that quotes [redacted]']));
    expect(log.lines.map((l) => l.message).join('\n')).not.toContain('lab-1000-secret');
    fd.close();
    // The next start reads the file without the password, and the store has it.
    const again = createFrontdesk(options, () => undefined);
    expect((await again.handlers.account.get(undefined)).account?.password).toBe('lab-1000-secret');
    again.close();
    expect(readFileSync(path.join(root, 'data', 'provisioning.applied.json'), 'utf8')).not.toContain('lab-1000-secret');
  });
});

describe('createFrontdesk: the first call after start', () => {
  it("warms the directory up as it starts, so the first caller's lookup waits on nothing loaded lazily", () => {
    const warmUp = vi.spyOn(DirectoryService.prototype, 'warmUp');
    try {
      const fd = createFrontdesk({ dataDir: path.join(tmp(), 'data'), provisioningFile: null, shell: 'browser-host', version: '0.1.0' }, () => undefined);
      expect(warmUp).toHaveBeenCalledTimes(1);
      fd.close();
    } finally {
      warmUp.mockRestore();
    }
  });
});

describe('createFrontdesk: reports', () => {
  it("reports on what the script panel saved with a call and the notes it kept; the browser host's export is a download", async () => {
    const root = tmp();
    const fd = createFrontdesk(
      { dataDir: path.join(root, 'data'), provisioningFile: null, shell: 'browser-host', version: '0.1.0', scriptSamplesDir: path.join(import.meta.dirname, 'call-scripts') },
      () => undefined,
    );
    try {
      const startedAt = new Date().toISOString();
      const run = { scriptId: 'reception-ru', answers: { purpose: { value: 'Дорого', noSuitable: 'Дорого', at: startedAt } }, history: [{ page: 'greeting', at: startedAt }], lastQuestionId: 'purpose', finishedAt: null };
      await fd.handlers.scripts.saveRun({ localUser: '1000', sipCallId: 'c1@lab', run });
      await fd.handlers.scripts.recordNoSuitable({ scriptId: 'reception-ru', questionId: 'purpose', text: 'Дорого', at: startedAt, callId: null });
      await fd.handlers.scripts.recordNoSuitable({ scriptId: 'reception-ru', questionId: 'purpose', text: 'Про парковку', at: startedAt, callId: null });
      // The client's card, found by the number when the call is recorded; the caller ID names someone else.
      const card = fd.directory.create({ name: 'Кузнецова Мария', phones: ['8 (495) 123-45-67'], tags: ['VIP'] });
      const record = await fd.handlers.calls.record(
        CallRecordInputSchema.parse({
          direction: 'inbound',
          localUser: '1000',
          remoteNumber: '+74951234567',
          remoteName: 'Outside caller',
          sipCallId: 'c1@lab',
          startedAt,
          answeredAt: startedAt,
          endedAt: startedAt,
          outcome: 'answered',
        }),
      );
      expect(record).toMatchObject({ clientId: card.id, clientName: 'Кузнецова Мария', remoteName: 'Outside caller' });
      // Renamed later: the report keeps the name the card had at the time of the call.
      fd.directory.update(card.id, { name: 'Кузнецова-Белова Мария' });
      const today = localDateAt(Date.parse(startedAt), 'UTC');
      const range = { from: today, to: addDays(today, 1), timeZone: 'UTC' };
      const picked = await fd.handlers.reports.scripts(range);
      expect(picked.scripts.find((s) => s.scriptId === 'reception-ru')).toMatchObject({ title: 'Ресепшн — «Жемчуг» и «Полярный экспресс»', calls: 1 });
      const funnel = await fd.handlers.reports.funnel({ range, scriptId: 'reception-ru' });
      expect(funnel.calls).toBe(1);
      expect(funnel.notes[0]!.notes.map((n) => n.text)).toEqual(['Дорого', 'Про парковку']);
      expect(funnel.notes[0]!.notes[0]).toMatchObject({ clientName: 'Кузнецова Мария', remoteName: 'Outside caller' });
      const exported = await fd.handlers.reports.exportCsv({ range, scriptId: null, separator: ',' });
      expect(exported.delivery).toBe('download');
      expect(exported.delivery === 'download' && exported.csv).toContain('Нет подходящего ответа,Дорого');
      expect(exported.delivery === 'download' && exported.csv).toContain("'+74951234567,Кузнецова Мария,Outside caller,");
    } finally {
      fd.close();
    }
  });
});

describe('resolveProvisioningPath', () => {
  const base = { argv: [], env: {}, platform: 'linux' as const, userDataDir: '/home/a/.config/Frontdesk', exists: () => false };
  it('prefers the command line, then the environment', () => {
    expect(resolveProvisioningPath({ ...base, argv: ['--provisioning=/x/p.json'], env: { FRONTDESK_PROVISIONING: '/y.json' } })).toBe('/x/p.json');
    expect(resolveProvisioningPath({ ...base, env: { FRONTDESK_PROVISIONING: '/y.json' } })).toBe('/y.json');
  });
  it('finds the machine-wide file before the user\'s', () => {
    const seen: string[] = [];
    const exists = (f: string) => (seen.push(f), true);
    expect(resolveProvisioningPath({ ...base, exists })).toBe('/etc/frontdesk/provisioning.json');
    expect(resolveProvisioningPath({ ...base, platform: 'win32', env: { ProgramData: 'D:\\PD' }, exists })).toBe('D:\\PD\\Frontdesk\\provisioning.json');
  });
  it('returns null when there is none', () => {
    expect(resolveProvisioningPath(base)).toBeNull();
  });
});
