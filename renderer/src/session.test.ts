import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountView } from '../../common/contract';
import type { SettingsView } from '../../common/settings';
import { emptyCalls, type Call, type CallsState } from './sip/callMachine';
import type { EngineSnapshot } from './sip/engine';
import type { DesktopStatus, ShellState } from '../../common/desktop';
import { CallSession, currentCall, decideRinging, desktopStatus, enginePreferences, type DesktopCommand, type SessionApi, type SessionEngine } from './session';
import { testCall } from './testCalls';

const state = (...calls: Call[]): CallsState => ({ calls: Object.fromEntries(calls.map((c) => [c.id, c])), order: calls.map((c) => c.id) });

describe('what a ringing call sets off', () => {
  it('nothing without a ringing call', () => {
    expect(decideRinging(emptyCalls, false)).toEqual({ ringing: null, tone: null, autoAnswer: null });
    expect(decideRinging(state(testCall('a', '1001', 'active')), true)).toEqual({ ringing: null, tone: null, autoAnswer: null });
  });

  it('the ring when the agent is on no other call, the call-waiting tone when they are', () => {
    expect(decideRinging(state(testCall('a', '1001', 'ringing-in')), false)).toMatchObject({ tone: 'ring', autoAnswer: null });
    for (const phase of ['active', 'held', 'remote-held', 'dialing'] as const) {
      expect(decideRinging(state(testCall('b', '1002', phase), testCall('a', '1001', 'ringing-in')), false)).toMatchObject({ tone: 'waiting', autoAnswer: null });
    }
    // A call being hung up is no longer one the agent is on.
    expect(decideRinging(state(testCall('b', '1002', 'ending'), testCall('a', '1001', 'ringing-in')), false).tone).toBe('ring');
  });

  it('auto-answer answers a call that rings alone, without a ring', () => {
    const d = decideRinging(state(testCall('a', '1001', 'ringing-in')), true);
    expect(d).toMatchObject({ tone: null, autoAnswer: 'a' });
    expect(d.ringing?.id).toBe('a');
  });

  it('auto-answer never answers a call that rings while the agent is on another: it rings with the tone', () => {
    expect(decideRinging(state(testCall('b', '1002', 'active'), testCall('a', '1001', 'ringing-in')), true)).toMatchObject({ tone: 'waiting', autoAnswer: null });
    expect(decideRinging(state(testCall('b', '1002', 'held'), testCall('a', '1001', 'ringing-in')), true)).toMatchObject({ tone: 'waiting', autoAnswer: null });
  });

  it('the ringing call is the first one ringing in; ended calls do not count', () => {
    const d = decideRinging(state(testCall('x', '1003', 'ended'), testCall('a', '1001', 'ringing-in'), testCall('b', '1002', 'ringing-in')), true);
    expect(d.ringing?.id).toBe('a');
    expect(d.autoAnswer).toBeNull();
  });
});

describe('the call the agent is on', () => {
  it('the one they talk on, else any live call not ringing', () => {
    expect(currentCall(state(testCall('h', '1', 'held'), testCall('a', '2', 'active')))?.id).toBe('a');
    expect(currentCall(state(testCall('r', '1', 'ringing-in'), testCall('h', '2', 'held')))?.id).toBe('h');
    expect(currentCall(state(testCall('r', '1', 'ringing-in')))).toBeNull();
  });
});

const values = (patch: Partial<SettingsView['values']> = {}): SettingsView['values'] =>
  ({
    autoAnswer: false,
    declineCode: 486,
    defaultRegion: 'RU',
    dtmfTransport: 'rfc4733',
    dnd: 'off',
    microphoneId: 'mic-1',
    speakerId: 'spk-1',
    ringerId: 'ring-1',
    transferRingTimeoutS: 25,
    maxLines: 4,
    away: null,
    ...patch,
  }) as SettingsView['values'];
const settingsView = (patch: Partial<SettingsView['values']> = {}) => ({ values: values(patch), locked: [] }) as unknown as SettingsView;
const accountView = { account: { user: '1000' }, colleagues: [{ extension: '1001', name: 'Anna' }], presence: { enabled: true } } as unknown as AccountView;

/** An engine that records what it is told, with calls the test sets. */
function fakeEngine() {
  const told: unknown[][] = [];
  const listeners = new Set<() => void>();
  let snapshot: EngineSnapshot = { account: { user: '1000', domain: 'lab.test', displayName: null }, registration: { state: 'registered', since: 0 }, calls: emptyCalls, messages: [] };
  const record =
    <R = undefined,>(name: string, result?: R) =>
    (...args: unknown[]): R => {
      told.push([name, ...args]);
      return result as R;
    };
  const engine = {
    subscribe: (l: () => void) => (listeners.add(l), () => void listeners.delete(l)),
    getSnapshot: () => snapshot,
    start: record('start'),
    stop: record('stop'),
    configure: record('configure'),
    answer: record('answer'),
    decline: record('decline'),
    hangup: record('hangup'),
    hold: record('hold'),
    resume: record('resume'),
    setMuted: record('setMuted'),
    sendDtmf: record('sendDtmf'),
    dial: record<string | null>('dial', 'call-9'),
    forget: record('forget'),
    startTransfer: record('startTransfer', true),
    completeTransfer: record('completeTransfer'),
    cancelTransfer: record('cancelTransfer'),
    blindTransferInstead: record('blindTransferInstead'),
    clearTransfer: record('clearTransfer'),
    presence: { configure: record('presence.configure'), setWatched: record('presence.setWatched') },
  } satisfies SessionEngine;
  return {
    engine,
    told,
    /** What the engine was told, by name. */
    calls: (name: string) => told.filter((t) => t[0] === name).map((t) => t.slice(1)),
    set(...calls: Call[]) {
      snapshot = { ...snapshot, calls: state(...calls) };
      for (const l of [...listeners]) l();
    },
    setRegistration(registration: EngineSnapshot['registration']) {
      snapshot = { ...snapshot, registration };
      for (const l of [...listeners]) l();
    },
  };
}

function fakeApi(
  settings = settingsView(),
  account: () => Promise<AccountView> = () => Promise.resolve(accountView),
  settingsGet: () => Promise<SettingsView> = () => Promise.resolve(settings),
) {
  let onAccount: ((v: AccountView) => void) | null = null;
  let onSettings: ((v: SettingsView) => void) | null = null;
  let onCommand: ((c: DesktopCommand) => void) | null = null;
  let onLink: ((l: { url: string }) => void) | null = null;
  let onShell: ((s: ShellState) => void) | null = null;
  let onCallLog: ((c: { missedUnseen: number }) => void) | null = null;
  const notified: unknown[] = [];
  /** Every desktop.status the shell was sent, and the answers still to give (answered at once unless `holdStatus`). */
  const statuses: DesktopStatus[] = [];
  const pendingStatus: { resolve: (s: ShellState) => void; reject: (e: Error) => void }[] = [];
  const control = { holdStatus: false, shellAnswer: { hotkeys: [] } as ShellState, missedAtStart: 3 };
  const settingsSet: unknown[] = [];
  const api: SessionApi = {
    account: { get: account, onChanged: (l) => ((onAccount = l), () => (onAccount = null)) },
    settings: {
      get: settingsGet,
      onChanged: (l) => ((onSettings = l), () => (onSettings = null)),
      set: (change) => (settingsSet.push(change), Promise.resolve(settings)),
    },
    notifications: { incomingCall: (n) => (notified.push(n), Promise.resolve(true)) },
    desktop: {
      onCommand: (l) => ((onCommand = l), () => (onCommand = null)),
      onLink: (l) => ((onLink = l), () => (onLink = null)),
      onShell: (l) => ((onShell = l), () => (onShell = null)),
      status: (status) => {
        statuses.push(status);
        if (!control.holdStatus) return Promise.resolve(control.shellAnswer);
        return new Promise<ShellState>((resolve, reject) => pendingStatus.push({ resolve, reject }));
      },
    },
    calls: {
      list: () => Promise.resolve({ records: [], missedUnseen: control.missedAtStart }),
      onChanged: (l) => ((onCallLog = l), () => (onCallLog = null)),
    },
  };
  return {
    api,
    statuses,
    pendingStatus,
    control,
    /** The shell registered its global hotkeys again. */
    shellChanged: (state: ShellState) => onShell?.(state),
    /** The history changed (the missed-call badge). */
    callLogChanged: (missedUnseen: number) => onCallLog?.({ missedUnseen }),
    notified,
    settingsSet,
    changeSettings: (v: SettingsView) => onSettings?.(v),
    changeAccount: (v: AccountView) => onAccount?.(v),
    /** The shell (or the browser host) sends a desktop command or a link. */
    desktopCommand: (c: DesktopCommand) => onCommand?.(c),
    desktopLink: (url: string) => onLink?.({ url }),
  };
}

function fakeRinger() {
  const played: string[] = [];
  const devices: unknown[] = [];
  return {
    ringer: { startRinging: (kind: 'ring' | 'waiting' = 'ring') => void played.push(kind), stopRinging: () => void played.push('stop'), setDevices: (...d: string[]) => void devices.push(d) },
    played,
    devices,
  };
}

async function started(settings = settingsView()) {
  const e = fakeEngine();
  const a = fakeApi(settings);
  const r = fakeRinger();
  const session = new CallSession({ engine: e.engine, api: a.api, ringer: r.ringer });
  session.start();
  await Promise.resolve();
  await Promise.resolve();
  return { session, ...e, ...a, ...r };
}

describe('the session', () => {
  afterEach(() => vi.useRealTimers());

  it('starts the engine with the provisioned account and hands it the settings', async () => {
    const s = await started();
    expect(s.calls('start')).toEqual([[accountView.account]]);
    expect(s.calls('configure')).toEqual([[enginePreferences(values())]]);
    expect(s.devices).toEqual([['spk-1', 'ring-1']]);
    expect(s.calls('presence.configure')).toEqual([[accountView.presence]]);
    expect(s.calls('presence.setWatched').at(-1)).toEqual([['1001']]);
    expect(s.session.getState()).toMatchObject({ account: accountView, bridgeError: null });
  });

  it('configures the engine again when the settings change, and starts it again with a new account', async () => {
    const s = await started();
    s.changeSettings(settingsView({ dnd: 'reject', maxLines: 2, speakerId: 'spk-2' }));
    expect(s.calls('configure').at(-1)).toEqual([expect.objectContaining({ dnd: 'reject', maxLines: 2 })]);
    expect(s.devices.at(-1)).toEqual(['spk-2', 'ring-1']);
    s.changeAccount({ ...accountView, colleagues: [] });
    expect(s.calls('start')).toHaveLength(2);
    expect(s.calls('presence.setWatched').at(-1)).toEqual([[]]);
  });

  it('rings for a call, plays the call-waiting tone for a second one, and stops when none rings', async () => {
    const s = await started();
    const ringing = testCall('a', '1001', 'ringing-in');
    s.set(ringing);
    expect(s.played.at(-1)).toBe('ring');
    s.set({ ...ringing, phase: 'active' }, testCall('b', '1002', 'ringing-in'));
    expect(s.played.at(-1)).toBe('waiting');
    s.set({ ...ringing, phase: 'active' });
    expect(s.played.at(-1)).toBe('stop');
    expect(s.calls('answer')).toEqual([]);
  });

  it('notifies once per ringing call', async () => {
    const s = await started();
    const ringing = testCall('a', '+74951234567', 'ringing-in');
    s.set(ringing);
    s.set({ ...ringing });
    await settle();
    // With the call's id, so the notification's Answer and Decline act on this call.
    expect(s.notified).toEqual([{ from: '+7 495 123 45 67', line: '1000', callId: 'a' }]);
    s.set(testCall('b', '1002', 'ringing-in'));
    await settle();
    expect(s.notified).toHaveLength(2);
    // A call that stopped ringing before the notification's turn came gets none.
    s.set(testCall('c', '1003', 'ringing-in'));
    s.set();
    await settle();
    expect((s.notified as { callId: string }[]).map((n) => n.callId)).toEqual(['a', 'b']);
  });

  it('auto-answers only a call that rings while no other is live', async () => {
    const s = await started(settingsView({ autoAnswer: true }));
    s.set(testCall('a', '1001', 'active'), testCall('b', '1002', 'ringing-in'));
    expect(s.calls('answer')).toEqual([]);
    expect(s.played.at(-1)).toBe('waiting');
    s.set(testCall('c', '1003', 'ringing-in'));
    await Promise.resolve();
    expect(s.calls('answer')).toEqual([['c']]);
    expect(s.played.at(-1)).toBe('stop');
  });

  it('auto-answer answers from the engine, while the window still holds the ringing call back for its card, after the INVITE handler, once', async () => {
    const e = fakeEngine();
    const a = fakeApi(settingsView({ autoAnswer: true }));
    const r = fakeRinger();
    // a window that shows no call yet (its caller's card is being looked up)
    const view = { subscribe: () => () => undefined, getSnapshot: () => ({ ...e.engine.getSnapshot(), calls: emptyCalls }) };
    const session = new CallSession({ engine: e.engine, api: a.api, ringer: r.ringer, calls: view });
    session.start();
    await Promise.resolve();
    await Promise.resolve();
    e.set(testCall('a', '1001', 'ringing-in'));
    // not from inside the engine's own notification (JsSIP's INVITE handler)
    expect(e.calls('answer')).toEqual([]);
    e.set(testCall('a', '1001', 'ringing-in'));
    await Promise.resolve();
    expect(e.calls('answer')).toEqual([['a']]);
    expect(r.played).not.toContain('ring');
    session.stop();
  });

  it('auto-answer switched on while a call rings answers it', async () => {
    const s = await started();
    s.set(testCall('a', '1001', 'ringing-in'));
    expect(s.calls('answer')).toEqual([]);
    s.changeSettings(settingsView({ autoAnswer: true }));
    await Promise.resolve();
    expect(s.calls('answer')).toEqual([['a']]);
  });

  it('ends out of office at its time', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = await started(settingsView({ away: { until: new Date(1_000_000 + 60_000).toISOString() } as never }));
    expect(s.settingsSet).toEqual([]);
    vi.advanceTimersByTime(60_200);
    expect(s.settingsSet).toEqual([{ key: 'away', value: null }]);
  });

  it('registers only once the settings are known: a call cannot ring past the lines, DND or out of office in between', async () => {
    const e = fakeEngine();
    let settingsCame!: (v: SettingsView) => void;
    const a = fakeApi(settingsView(), () => Promise.resolve(accountView), () => new Promise<SettingsView>((r) => (settingsCame = r)));
    const session = new CallSession({ engine: e.engine, api: a.api, ringer: fakeRinger().ringer });
    session.start();
    await new Promise((r) => setTimeout(r, 0));
    // the account has come, the settings not yet: nothing registers
    expect(session.getState().account).toEqual(accountView);
    expect(e.calls('start')).toEqual([]);
    settingsCame(settingsView({ maxLines: 3, dnd: 'reject' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(e.told.map((t) => t[0]).filter((n) => n === 'configure' || n === 'start')).toEqual(['configure', 'start']);
    expect(e.calls('configure')[0]).toEqual([expect.objectContaining({ maxLines: 3, dnd: 'reject' })]);
    expect(e.calls('start')).toEqual([[accountView.account]]);
    // a later change of the account starts the engine again at once
    a.changeAccount(accountView);
    expect(e.calls('start')).toHaveLength(2);
    session.stop();
  });

  it('settings that cannot be read do not keep the phone from registering (with the defaults), and say so', async () => {
    const e = fakeEngine();
    const a = fakeApi(settingsView(), () => Promise.resolve(accountView), () => Promise.reject(new Error('settings unreadable')));
    const session = new CallSession({ engine: e.engine, api: a.api, ringer: fakeRinger().ringer });
    session.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(e.calls('start')).toEqual([[accountView.account]]);
    expect(session.getState().bridgeError).toBe('settings unreadable');
    session.stop();
  });

  it('says when the services cannot be reached', async () => {
    const e = fakeEngine();
    const a = fakeApi(settingsView(), () => Promise.reject(new Error('bridge down')));
    const session = new CallSession({ engine: e.engine, api: a.api, ringer: fakeRinger().ringer });
    session.start();
    await new Promise((r) => setTimeout(r, 0));
    expect(session.getState().bridgeError).toBe('bridge down');
    expect(e.calls('start')).toEqual([]);
  });

  it('stop stops the ring and the engine and follows nothing more', async () => {
    const s = await started();
    s.session.stop();
    expect(s.calls('stop')).toHaveLength(1);
    expect(s.played.at(-1)).toBe('stop');
    const played = s.played.length;
    s.set(testCall('a', '1001', 'ringing-in'));
    expect(s.played).toHaveLength(played);
    expect(s.notified).toEqual([]);
  });
});

describe('the commands delegate to the engine', () => {
  it('answer, decline and hang up: the given call, else the ringing one or the one the agent is on', async () => {
    const s = await started(settingsView({ declineCode: 603 }));
    s.set(testCall('h', '1001', 'held'), testCall('a', '1002', 'active'), testCall('r', '1003', 'ringing-in'));
    s.session.answer();
    s.session.answer('x');
    s.session.decline();
    s.session.hangup();
    s.session.hangup('h');
    expect(s.told.filter((t) => ['answer', 'decline', 'hangup'].includes(t[0] as string))).toEqual([
      ['answer', 'r'],
      ['answer', 'x'],
      ['decline', 'r', 603],
      ['hangup', 'a'],
      ['hangup', 'h'],
    ]);
  });

  it('with nothing to act on, nothing is sent', async () => {
    const s = await started();
    s.session.answer();
    s.session.decline();
    s.session.hangup();
    s.session.toggleMute();
    s.session.toggleHold();
    s.session.completeTransfer();
    expect(s.told.filter((t) => !['start', 'configure', 'presence.configure', 'presence.setWatched'].includes(t[0] as string))).toEqual([]);
  });

  it('mute and hold toggle the call the agent is on', async () => {
    const s = await started();
    const a = testCall('a', '1002', 'active');
    s.set(testCall('h', '1001', 'held'), a);
    s.session.toggleMute();
    s.session.toggleHold();
    s.session.toggleHold('h');
    s.session.setMuted('h', true);
    s.set(testCall('h', '1001', 'held'), { ...a, muted: true });
    s.session.toggleMute('a');
    expect(s.calls('setMuted')).toEqual([
      ['a', true],
      ['h', true],
      ['a', false],
    ]);
    expect(s.calls('hold')).toEqual([['a']]);
    expect(s.calls('resume')).toEqual([['h']]);
  });

  it('tones go with the settings\' transport', async () => {
    const s = await started(settingsView({ dtmfTransport: 'info' }));
    s.session.sendDtmf('a', '5');
    expect(s.calls('sendDtmf')).toEqual([['a', '5', 'info']]);
  });

  it('dials as it is, what was typed (read in the region), and refuses what is not a number', async () => {
    const s = await started();
    expect(s.session.dial('1001', 'Anna')).toBe('call-9');
    expect(s.session.dialTyped('8 495 123-45-67')).toEqual({ ok: true, callId: 'call-9' });
    expect(s.session.dialTyped('hello')).toMatchObject({ ok: false });
    expect(s.calls('dial')).toEqual([
      ['1001', 'Anna'],
      ['+74951234567', '+7 495 123 45 67'],
    ]);
  });

  it('dials a link: only the number travels on; ;ext= goes as tones once the call connects; a hostile link is refused', async () => {
    const s = await started();
    expect(s.session.dialLink('tel:+7-495-123-45-67;ext=12')).toMatchObject({ ok: true, callId: 'call-9', link: { number: '+74951234567', extension: '12' } });
    expect(s.session.dialLink('sip:1001@pbx.example.com?Subject=x')).toMatchObject({ ok: true });
    expect(s.session.dialLink('javascript:alert(1)')).toMatchObject({ ok: false });
    expect(s.session.dialLink('tel:+7495%0D%0AVia:x')).toMatchObject({ ok: false });
    expect(s.calls('dial').map((d) => d[0])).toEqual(['+74951234567', '1001']);
    s.set(testCall('call-9', '+74951234567', 'dialing', 'outbound'));
    expect(s.calls('sendDtmf')).toEqual([]);
    s.set(testCall('call-9', '+74951234567', 'active', 'outbound'));
    s.set(testCall('call-9', '+74951234567', 'active', 'outbound'));
    expect(s.calls('sendDtmf')).toEqual([['call-9', '12', 'rfc4733']]);
  });

  it('transfers: start, complete (a consultation call completes its caller\'s), cancel, blind instead, clear; dismiss', async () => {
    const s = await started();
    const caller = testCall('a', '+74951234567', 'held');
    const consult = { ...testCall('c', '1001', 'active', 'outbound'), consultFor: 'a' };
    s.set(caller, consult);
    const note = { text: 'about the invoice' } as never;
    expect(s.session.startTransfer('a', 'warm', { number: '1001', displayName: 'Anna' }, note)).toBe(true);
    s.session.completeTransfer();
    s.session.completeTransfer('a');
    s.session.cancelTransfer('a');
    s.session.blindTransferInstead('a');
    s.session.clearTransfer('a');
    s.session.forget('x');
    expect(s.told.slice(-7)).toEqual([
      ['startTransfer', 'a', 'warm', { number: '1001', displayName: 'Anna' }, note],
      ['completeTransfer', 'a'],
      ['completeTransfer', 'a'],
      ['cancelTransfer', 'a'],
      ['blindTransferInstead', 'a'],
      ['clearTransfer', 'a'],
      ['forget', 'x'],
    ]);
  });
});

describe('the desktop commands calls through the session', () => {
  const cmd = (action: DesktopCommand['action'], extra: Partial<DesktopCommand> = {}): DesktopCommand => ({ action, source: 'hotkey', ...extra });

  it('answer, decline, hang up, mute and hold from a hotkey, the tray, a notification or a headset', async () => {
    const s = await started();
    s.set(testCall('a', '1002', 'active'), testCall('r', '1003', 'ringing-in'));
    s.desktopCommand(cmd('answer'));
    s.desktopCommand(cmd('decline', { source: 'notification', callId: 'r' }));
    s.desktopCommand(cmd('hangUp', { source: 'headset' }));
    s.desktopCommand(cmd('mute'));
    s.desktopCommand(cmd('hold', { source: 'tray' }));
    s.desktopCommand(cmd('show', { source: 'tray' }));
    expect(s.told.filter((t) => ['answer', 'decline', 'hangup', 'setMuted', 'hold'].includes(t[0] as string))).toEqual([
      ['answer', 'r'],
      ['decline', 'r', 486],
      ['hangup', 'a'],
      ['setMuted', 'a', true],
      ['hold', 'a'],
    ]);
  });

  it('calls the number in the clipboard as typed, a phone link in it too, and says why when it is no number', async () => {
    const s = await started();
    s.desktopCommand(cmd('dialClipboard', { text: ' 8 (495) 123-45-67\n' }));
    s.desktopCommand(cmd('dialClipboard', { text: 'tel:1001' }));
    expect(s.calls('dial').map((d) => d[0])).toEqual(['+74951234567', '1001']);
    expect(s.session.getState().desktopNotice).toBeNull();
    s.desktopCommand(cmd('dialClipboard', { text: 'Dear Oleg, see you' }));
    expect(s.session.getState().desktopNotice).toMatch(/^Nothing was called from the clipboard: "Dear Oleg, see you" is not a phone number/);
    s.desktopCommand(cmd('dialClipboard', {}));
    expect(s.session.getState().desktopNotice).toBe('Nothing was called: the clipboard holds no number');
    expect(s.calls('dial')).toHaveLength(2);
  });

  it('a link asks first (the default): Call dials only the number, Cancel dials nothing', async () => {
    const s = await started(settingsView({ confirmLinkCalls: true }));
    s.desktopLink('tel:+7-495-123-45-67');
    expect(s.session.getState().linkPrompt).toMatchObject({ url: 'tel:+7-495-123-45-67', link: { number: '+74951234567' } });
    expect(s.calls('dial')).toEqual([]);
    s.session.confirmLink();
    expect(s.session.getState().linkPrompt).toBeNull();
    expect(s.calls('dial').map((d) => d[0])).toEqual(['+74951234567']);
    s.desktopLink('sip:1001@pbx.example.com');
    s.session.cancelLink();
    expect(s.session.getState().linkPrompt).toBeNull();
    expect(s.calls('dial')).toHaveLength(1);
  });

  it('a link dials at once when the setting says not to ask', async () => {
    const s = await started(settingsView({ confirmLinkCalls: false }));
    s.desktopLink('callto:+74951234567');
    expect(s.session.getState().linkPrompt).toBeNull();
    expect(s.calls('dial').map((d) => d[0])).toEqual(['+74951234567']);
  });

  it('a hostile link is refused with the reason, never asked about nor dialled', async () => {
    const s = await started(settingsView({ confirmLinkCalls: false }));
    for (const url of ['javascript:alert(1)', 'tel:+7495%0D%0AVia:x', `tel:${'1'.repeat(3000)}`, 'tel:;ext=1']) {
      s.desktopLink(url);
      expect(s.session.getState().linkPrompt).toBeNull();
      expect(s.session.getState().desktopNotice).toMatch(/^Frontdesk did not call the link ".*": /);
    }
    expect(s.calls('dial')).toEqual([]);
    s.session.dismissNotice();
    expect(s.session.getState().desktopNotice).toBeNull();
  });

  it('follows no desktop command once stopped', async () => {
    const s = await started();
    s.set(testCall('r', '1003', 'ringing-in'));
    s.session.stop();
    s.desktopCommand(cmd('answer'));
    s.desktopLink('tel:1001');
    expect(s.calls('answer')).toEqual([]);
    expect(s.session.getState().linkPrompt).toBeNull();
  });
});

/** Lets what waits for the window's next paint (afterNextPaint: the next task here), queued microtasks and resolved promises run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('what the desktop shell is told (desktop.status)', () => {
  it('sums up registration, DND, the badge, the calls going on and the ones ringing in (who calls, as the window shows it)', () => {
    const calls = state(
      testCall('a', '1001', 'active'),
      testCall('h', '1002', 'held'),
      testCall('e', '1003', 'ended'),
      testCall('r', '+74951234567', 'ringing-in'),
      testCall('o', '1004', 'dialing', 'outbound'),
    );
    expect(desktopStatus({ registration: { state: 'registering' }, dnd: 'missed', missed: 2, calls, region: 'RU' })).toEqual({
      registration: 'connecting',
      dnd: 'missed',
      missed: 2,
      calls: 3,
      ringing: [{ callId: 'r', caller: '+7 495 123 45 67', line: '1000' }],
    });
    expect(desktopStatus({ registration: { state: 'failed', reason: '403' }, dnd: undefined, missed: -1, calls: emptyCalls, region: 'RU' })).toEqual({
      registration: 'failed',
      dnd: 'off',
      missed: 0,
      calls: 0,
      ringing: [],
    });
  });

  it('reports once at start, with the missed-call badge the history holds, and the answer gives the hotkeys for Settings', async () => {
    const s = await started();
    s.control.shellAnswer = { hotkeys: [] };
    await settle();
    expect(s.statuses).toEqual([{ registration: 'registered', dnd: 'off', missed: 3, calls: 0, ringing: [] }]);
  });

  it('reports a call ringing in with its id and caller, then the call going on, then none: each change once, nothing when unchanged', async () => {
    const s = await started();
    await settle();
    const before = s.statuses.length;
    const ringing = testCall('a', '+74951234567', 'ringing-in');
    s.set(ringing);
    s.set({ ...ringing }); // the same again: one report for both
    await settle();
    expect(s.statuses.slice(before)).toEqual([{ registration: 'registered', dnd: 'off', missed: 3, calls: 0, ringing: [{ callId: 'a', caller: '+7 495 123 45 67', line: '1000' }] }]);
    s.set({ ...ringing, phase: 'active' });
    await settle();
    expect(s.statuses.at(-1)).toMatchObject({ calls: 1, ringing: [] });
    s.set({ ...ringing, phase: 'active' }); // an engine update that changes nothing the shell sees
    await settle();
    expect(s.statuses).toHaveLength(before + 2);
    s.set();
    await settle();
    expect(s.statuses.at(-1)).toMatchObject({ calls: 0, ringing: [] });
    expect(s.statuses).toHaveLength(before + 3);
  });

  it('follows the registration, DND and the missed-call badge', async () => {
    const s = await started();
    await settle();
    s.setRegistration({ state: 'disconnected', reason: 'cannot reach the PBX' });
    await settle();
    expect(s.statuses.at(-1)).toMatchObject({ registration: 'disconnected' });
    s.changeSettings(settingsView({ dnd: 'reject' }));
    await settle();
    expect(s.statuses.at(-1)).toMatchObject({ dnd: 'reject' });
    s.callLogChanged(5);
    await settle();
    expect(s.statuses.at(-1)).toMatchObject({ missed: 5 });
    s.callLogChanged(0);
    await settle();
    expect(s.statuses.at(-1)).toEqual({ registration: 'disconnected', dnd: 'reject', missed: 0, calls: 0, ringing: [] });
  });

  it('a burst of changes while a report is on its way ends in one report of the latest status', async () => {
    const s = await started();
    s.control.holdStatus = true;
    await settle();
    s.statuses.length = 0;
    s.pendingStatus.splice(0).forEach((p) => p.resolve({ hotkeys: [] })); // the start's report, held
    await settle();
    s.set(testCall('a', '1001', 'ringing-in'));
    await settle();
    expect(s.statuses).toHaveLength(1);
    s.set(testCall('a', '1001', 'active'));
    s.callLogChanged(7);
    s.set(testCall('a', '1001', 'held'));
    await settle();
    expect(s.statuses).toHaveLength(1); // the first is still on its way
    s.pendingStatus.shift()!.resolve({ hotkeys: [] });
    await settle();
    expect(s.statuses).toHaveLength(2);
    expect(s.statuses[1]).toMatchObject({ missed: 7, calls: 1, ringing: [] });
  });

  it('a report the shell did not take is sent again at the next change', async () => {
    const s = await started();
    s.control.holdStatus = true;
    await settle();
    s.pendingStatus.splice(0).forEach((p) => p.resolve({ hotkeys: [] }));
    await settle();
    const before = s.statuses.length;
    s.set(testCall('a', '1001', 'ringing-in'));
    await settle();
    s.pendingStatus.shift()!.reject(new Error('bridge down'));
    await settle();
    // Not at once: a dead bridge refuses at once, and retrying on refusal would spin the page.
    expect(s.statuses.length).toBe(before + 1);
    s.setRegistration({ state: 'registered', since: 1 }); // same summary: only the retry is new
    await settle();
    expect(s.statuses.slice(before).map((x) => x.ringing.map((r) => r.callId))).toEqual([['a'], ['a']]);
  });

  it('keeps the hotkeys the shell reports (its answer and the desktop.shell event), and stops reporting when stopped', async () => {
    const s = await started();
    const refused: ShellState = { hotkeys: [{ action: 'mute', accelerator: 'CommandOrControl+Shift+F11', state: 'refused', message: 'another program uses Ctrl+Shift+F11' }] };
    s.control.shellAnswer = refused;
    s.callLogChanged(1);
    await settle();
    expect(s.session.getState().shellHotkeys).toEqual(refused.hotkeys);
    s.shellChanged({ hotkeys: [] });
    expect(s.session.getState().shellHotkeys).toEqual([]);
    const count = s.statuses.length;
    s.session.stop();
    s.set(testCall('a', '1001', 'ringing-in'));
    await settle();
    expect(s.statuses).toHaveLength(count);
  });
});
