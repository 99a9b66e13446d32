import { describe, expect, it } from 'vitest';
import { fixedT } from './i18n/translate';
import { parseProvisioning, provisioningProblemText, type ProvisioningProblem } from './provisioning';
import { defaultSettings } from './settings';

const good = {
  version: 1,
  account: { user: '1000', password: 's3cret', domain: 'pbx.example.com', wsUrl: 'wss://pbx.example.com:8089/ws', displayName: 'Reception' },
  settings: { defaultRegion: 'GB' },
  locked: ['defaultRegion'],
};

describe('provisioning file', () => {
  it('accepts a complete file and fills in defaults', () => {
    const result = parseProvisioning(JSON.stringify(good));
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.account.registerExpires).toBe(600);
  });

  it('names the field and the problem', () => {
    const bad = { ...good, account: { ...good.account, wsUrl: 'http://pbx.example.com', password: '' } };
    const result = parseProvisioning(JSON.stringify(bad));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'account.wsUrl', message: 'must start with ws:// or wss://' }),
        expect.objectContaining({ field: 'account.password', message: 'must not be empty' }),
      ]),
    );
  });

  it('says a required field is missing', () => {
    const { password: _p, ...account } = good.account;
    const result = parseProvisioning(JSON.stringify({ ...good, account }));
    expect(result).toEqual({ ok: false, problems: [{ field: 'account.password', message: 'is required', code: 'required' }] });
  });

  it('the problems read in Russian under Russian: about the file from their code, about a value from its check', () => {
    const ru = fixedT('ru');
    const notJson = parseProvisioning('{ "version": 1,');
    expect(notJson.ok).toBe(false);
    const [problem] = notJson.ok ? [] : notJson.problems;
    expect(provisioningProblemText(problem!, ru)).toMatch(/^это не корректный JSON: /);
    expect(provisioningProblemText({ field: 'account.password', message: 'is required', code: 'required' }, ru)).toBe('обязательное поле не заполнено');
    expect(provisioningProblemText({ field: '', message: 'the file does not exist', code: 'missing' }, ru)).toBe('файла нет');
    const badUrl = parseProvisioning(JSON.stringify({ ...good, account: { ...good.account, wsUrl: 'wss://pbx example' } }));
    const [url] = badUrl.ok ? [] : badUrl.problems;
    expect(url!.message).toBe('must be a URL such as wss://pbx.example.com:8089/ws');
    expect(provisioningProblemText(url!, ru)).toBe('нужен адрес, например wss://pbx.example.com:8089/ws');
    const [region] = (({ problems }) => problems)(parseProvisioning(JSON.stringify({ ...good, settings: { defaultRegion: 'Russia' } })) as { problems: ProvisioningProblem[] });
    expect(provisioningProblemText(region!, ru)).toBe('нужен двухбуквенный код страны, например «RU» или «GB»');
    // With no issue (an older status), the English message.
    expect(provisioningProblemText({ field: 'account.wsUrl', message: 'must start with ws:// or wss://' }, ru)).toBe('must start with ws:// or wss://');
  });

  it('rejects unknown fields rather than ignoring a typo', () => {
    const result = parseProvisioning(JSON.stringify({ ...good, acount: {} }));
    expect(result).toMatchObject({ ok: false, problems: [{ field: '', message: 'unknown field: acount' }] });
  });

  it('rejects a lock on a setting that does not exist and a bad setting value', () => {
    const result = parseProvisioning(JSON.stringify({ ...good, settings: { defaultRegion: 'Russia' }, locked: ['nope'] }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field).sort()).toEqual(['locked.0', 'settings.defaultRegion']);
  });

  it('checks hotkeys field by field: each one, and two actions on one combination (defaults included)', () => {
    const withHotkeys = (hotkeys: unknown) => parseProvisioning(JSON.stringify({ ...good, settings: { hotkeys } }));
    expect(withHotkeys({ answer: 'Ctrl+Alt+A', mute: '' })).toMatchObject({ ok: true, value: { settings: { hotkeys: { answer: 'Ctrl+Alt+A', mute: '' } } } });
    expect(withHotkeys({ answer: 'Ctrl+Shift', hold: 'A' })).toMatchObject({
      ok: false,
      problems: [
        { field: 'settings.hotkeys.answer', message: 'has no key, only modifiers' },
        { field: 'settings.hotkeys.hold', message: expect.stringMatching(/every program/) },
      ],
    });
    // hangUp's default is CommandOrControl+Shift+F10: the same as Ctrl+Shift+F10 on Windows and Linux.
    expect(withHotkeys({ hold: 'Ctrl+Shift+F10' })).toMatchObject({
      ok: false,
      problems: [{ field: 'settings.hotkeys.hold', message: 'is the same hotkey as hangUp (CommandOrControl+Shift+F10)' }],
    });
    expect(withHotkeys({ hold: 'Ctrl+Shift+F10', hangUp: 'Ctrl+Shift+F7' })).toMatchObject({ ok: true });
    expect(withHotkeys({ answr: 'F9' })).toMatchObject({ ok: false, problems: [{ field: 'settings.hotkeys', message: expect.stringMatching(/answr/) }] });
  });

  it('reports text that is not JSON', () => {
    const result = parseProvisioning('{ "version": 1,');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]?.message).toMatch(/^not valid JSON/);
  });

  it('rejects a version it does not know', () => {
    const result = parseProvisioning(JSON.stringify({ ...good, version: 2 }));
    expect(result).toMatchObject({ ok: false, problems: [{ field: 'version', message: 'must be 1' }] });
  });
});

describe('provisioned settings', () => {
  it('holds only the settings the file names (no defaults filled in)', () => {
    const result = parseProvisioning(JSON.stringify({ ...good, settings: { defaultRegion: 'GB' }, locked: [] }));
    expect(result.ok && result.value.settings).toEqual({ defaultRegion: 'GB' });
  });

  it('whether a link asks "Call …?" first: set and locked by the admin, on unless set, a boolean only', () => {
    const result = parseProvisioning(JSON.stringify({ ...good, settings: { confirmLinkCalls: false }, locked: ['confirmLinkCalls'] }));
    expect(result.ok && result.value.settings).toEqual({ confirmLinkCalls: false });
    expect(result.ok && result.value.locked).toEqual(['confirmLinkCalls']);
    expect(defaultSettings.confirmLinkCalls).toBe(true);
    const bad = parseProvisioning(JSON.stringify({ ...good, settings: { confirmLinkCalls: 'yes' } }));
    expect(!bad.ok && bad.problems.map((p) => p.field)).toEqual(['settings.confirmLinkCalls']);
  });
});

describe('presence in the provisioning file', () => {
  it('is on by default; an admin can turn it off or set how often it refreshes, within bounds', () => {
    const on = parseProvisioning(JSON.stringify({ ...good, presence: {} }));
    expect(on.ok && on.value.presence).toEqual({ enabled: true, expiresS: 600 });
    const off = parseProvisioning(JSON.stringify({ ...good, presence: { enabled: false, expiresS: 300 } }));
    expect(off.ok && off.value.presence).toEqual({ enabled: false, expiresS: 300 });
    const bad = parseProvisioning(JSON.stringify({ ...good, presence: { expiresS: 5, blf: true } }));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.map((p) => `${p.field}: ${p.message}`).sort()).toEqual(['presence.expiresS: must be at least 60 seconds', 'presence: unknown field: blf']);
  });

  it('colleagues carry their department', () => {
    const result = parseProvisioning(JSON.stringify({ ...good, colleagues: [{ extension: '1001', name: 'Anna', department: 'Sales' }] }));
    expect(result.ok && result.value.colleagues).toEqual([{ extension: '1001', name: 'Anna', department: 'Sales' }]);
  });
});
