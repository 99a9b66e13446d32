import { describe, expect, it, vi } from 'vitest';
import { allMethodChannels, answerWithinMs, buildApi, ContractError, createDispatcher, DEFAULT_ANSWER_WITHIN_MS, methodChannel, prepareEvent, type Handlers, type Transport } from './contract';
import { defaultSettings } from './settings';

const view = { values: defaultSettings, locked: [], sources: {} };
const handlers = (): Handlers => ({
  app: { info: () => ({ name: 'Frontdesk', version: '1', shell: 'browser-host', dataDir: '/tmp' }) },
  settings: { get: () => view, set: vi.fn(() => view) },
  account: { get: () => ({ account: null, provisioning: { state: 'none', file: null }, colleagues: [], presence: { enabled: true, expiresS: 600 } }) },
  provisioning: { reload: () => ({ account: null, provisioning: { state: 'none', file: null }, colleagues: [], presence: { enabled: true, expiresS: 600 } }) },
  notifications: { incomingCall: () => false },
  desktop: { status: () => ({ hotkeys: [] }) },
  diagnostics: { export: vi.fn() },
  crm: { status: vi.fn(), lookup: vi.fn(), lookupLead: vi.fn() },
  directory: {
    findByNumber: vi.fn(),
    search: vi.fn(),
    get: vi.fn(),
    create: vi.fn(),
    update: vi.fn(),
    quickCreate: vi.fn(),
  },
  imports: { begin: vi.fn(), append: vi.fn(), preview: vi.fn(), start: vi.fn(), cancel: vi.fn(), status: vi.fn(), close: vi.fn(() => true) },
  scripts: { list: vi.fn(), recordNoSuitable: vi.fn(), noSuitableReport: vi.fn(), saveRun: vi.fn(() => true) },
  calls: { record: vi.fn(), noteOpen: vi.fn(() => null), closeOpen: vi.fn(() => 0), list: vi.fn(), markMissedSeen: vi.fn(() => 0) },
  wrapUps: { save: vi.fn(), get: vi.fn(), pending: vi.fn(), between: vi.fn(), saveDraft: vi.fn(() => null), drafts: vi.fn(() => []) },
  followUps: { list: vi.fn(), add: vi.fn(), reschedule: vi.fn(), done: vi.fn(), attempt: vi.fn() },
  reports: { scripts: vi.fn(), funnel: vi.fn(), exportCsv: vi.fn() },
  recordings: { begin: vi.fn(), append: vi.fn(), setMarks: vi.fn(() => null), end: vi.fn(), list: vi.fn(() => []), disk: vi.fn(), lastRetention: vi.fn(() => null), playUrl: vi.fn(() => null), announcement: vi.fn(), chooseFolder: vi.fn(() => null), showInFolder: vi.fn(() => false) },
  messages: {
    saveDraft: vi.fn(),
    discardDraft: vi.fn(),
    save: vi.fn(),
    list: vi.fn(),
    claimSip: vi.fn(),
    sipResult: vi.fn(),
    received: vi.fn(),
    statusReceived: vi.fn(),
    markRead: vi.fn(),
    markDone: vi.fn(),
    forward: vi.fn(),
    retry: vi.fn(),
  },
});

describe('dispatcher', () => {
  it('runs a known method and returns its validated value', async () => {
    const dispatch = createDispatcher(handlers());
    await expect(dispatch('frontdesk:app.info', undefined)).resolves.toEqual({
      ok: true,
      value: { name: 'Frontdesk', version: '1', shell: 'browser-host', dataDir: '/tmp' },
    });
  });

  it('refuses a report range that ends before it starts, or names no real time zone, before the services see it', async () => {
    const h = handlers();
    const dispatch = createDispatcher(h);
    const backwards = await dispatch('frontdesk:reports.funnel', { range: { from: '2025-03-05', to: '2025-03-01', timeZone: 'Europe/Moscow' }, scriptId: 'x' });
    expect(backwards).toMatchObject({ ok: false, error: { code: 'bad-input', message: 'range.to: must not be before "from" (2025-03-05)' } });
    const zone = await dispatch('frontdesk:reports.exportCsv', { range: { from: '2025-03-01', to: '2025-03-02', timeZone: 'Moscow' } });
    expect(zone).toMatchObject({ ok: false, error: { code: 'bad-input', message: 'range.timeZone: must be a time zone name such as "Europe/Moscow" or "UTC"' } });
    expect(h.reports.funnel).not.toHaveBeenCalled();
    expect(h.reports.exportCsv).not.toHaveBeenCalled();
  });

  it('refuses unknown channels, including prototype names', async () => {
    const dispatch = createDispatcher(handlers());
    for (const channel of ['frontdesk:app.nope', 'app.info', 'frontdesk:app.info.x', 'frontdesk:settings.constructor', 'frontdesk:__proto__.x', 42]) {
      const result = await dispatch(channel, undefined);
      expect(result).toMatchObject({ ok: false, error: { code: 'bad-channel' } });
    }
  });

  it('refuses a setting change with a value of the wrong type, naming the key', async () => {
    const h = handlers();
    const dispatch = createDispatcher(h);
    const result = await dispatch('frontdesk:settings.set', { key: 'autoAnswer', value: 'yes' });
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(!result.ok && result.error.message).toContain('autoAnswer');
    expect(h.settings.set).not.toHaveBeenCalled();
    const unknownKey = await dispatch('frontdesk:settings.set', { key: 'evil', value: 1 });
    expect(unknownKey).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });

  it('refuses input where a method takes none', async () => {
    const result = await createDispatcher(handlers())('frontdesk:app.info', { sneaky: true });
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });

  it('reports a handler that answers outside the contract instead of passing it on', async () => {
    const h = { ...handlers(), app: { info: () => ({ name: 'Frontdesk', version: 1 }) as never } };
    const result = await createDispatcher(h)('frontdesk:app.info', undefined);
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-output' } });
  });

  it('turns a thrown error into a readable failure', async () => {
    const base = handlers();
    const h = {
      ...base,
      settings: {
        ...base.settings,
        set: () => {
          throw new Error('"autoAnswer" is set by your administrator');
        },
      },
    };
    const result = await createDispatcher(h)('frontdesk:settings.set', { key: 'autoAnswer', value: true });
    expect(result).toEqual({ ok: false, error: { code: 'failed', message: '"autoAnswer" is set by your administrator' } });
  });
});

describe('client api', () => {
  const loopback = (h: Handlers): Transport & { emit(channel: string, payload: unknown): void } => {
    const dispatch = createDispatcher(h);
    const subs = new Map<string, (p: unknown) => void>();
    return {
      invoke: (channel, input) => dispatch(channel, input),
      subscribe: (channel, l) => {
        subs.set(channel, l);
        return () => subs.delete(channel);
      },
      emit: (channel, payload) => subs.get(channel)?.(payload),
    };
  };

  it('exposes every contract method as a domain-shaped function', async () => {
    const api = buildApi(loopback(handlers()));
    expect(typeof api.settings.set).toBe('function');
    expect(typeof api.settings.onChanged).toBe('function');
    expect(allMethodChannels()).toContain(methodChannel('settings', 'set'));
    await expect(api.app.info()).resolves.toMatchObject({ name: 'Frontdesk' });
  });

  it('checks input before it leaves and throws ContractError on a server refusal', async () => {
    const transport = loopback(handlers());
    const invoke = vi.spyOn(transport, 'invoke');
    const api = buildApi(transport);
    await expect(api.settings.set({ key: 'declineCode', value: 404 })).rejects.toBeInstanceOf(ContractError);
    expect(invoke).not.toHaveBeenCalled();
  });

  it('delivers valid events and drops malformed ones', () => {
    const transport = loopback(handlers());
    const api = buildApi(transport);
    const seen: unknown[] = [];
    const off = api.settings.onChanged((v) => seen.push(v));
    const good = prepareEvent('settings.changed', view);
    transport.emit(good.channel, good.payload);
    transport.emit(good.channel, { values: 'garbage' });
    expect(seen).toEqual([view]);
    off();
    transport.emit(good.channel, good.payload);
    expect(seen).toHaveLength(1);
  });

  it('refuses to send an event that breaks its schema', () => {
    expect(() => prepareEvent('settings.changed', { values: {} } as never)).toThrow();
  });
});

describe('how long an answer may take', () => {
  it('is 15 s for a lookup and longer for the reports that read months of calls, or wait for a save dialog', () => {
    expect(answerWithinMs(methodChannel('directory', 'findByNumber'))).toBe(DEFAULT_ANSWER_WITHIN_MS);
    expect(DEFAULT_ANSWER_WITHIN_MS).toBe(15_000);
    expect(answerWithinMs(methodChannel('reports', 'funnel'))).toBe(120_000);
    expect(answerWithinMs(methodChannel('reports', 'exportCsv'))).toBe(30 * 60_000);
    expect(answerWithinMs('frontdesk:no.such')).toBe(DEFAULT_ANSWER_WITHIN_MS);
  });
});
