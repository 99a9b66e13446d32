import { describe, expect, it } from 'vitest';
import { DesktopStatusSchema, idleDesktopStatus, ShellStateSchema, type DesktopStatus } from '../../common/desktop';
import { defaultSettings } from '../../common/settings';
import { clipboardForDial, hotkeyReport, planHotkeys, samePlan } from './hotkeys';
import { closeDecision, disableFeaturesValue, HIDDEN_SWITCH, linuxAutostartEntry, loginItemSettings, showAtStart } from './lifecycle';
import { saveDialogFor } from './saveDialog';
import { actionAt, incomingCallNotification, incomingCallReaction, toastArgumentAction, xmlText } from './notification';
import { LinkRelay, linkFromArgv, protocolClientArgs, shouldClaimScheme } from './osLinks';
import { toggledDnd, TRAY_ICON_FILES, trayModel } from './tray';
import { installDecision, updateConfig } from './updates';
import { parseWindowState, restoreBounds } from './windowState';
import { shellLanguage } from './texts';

const status = (over: Partial<DesktopStatus> = {}): DesktopStatus => DesktopStatusSchema.parse({ ...idleDesktopStatus, ...over });

describe('tray', () => {
  it('shows registration, DND, ringing and missed calls in its icon and tooltip', () => {
    expect(trayModel(status({ registration: 'registered' }), { dndLocked: false })).toMatchObject({
      icon: 'registered',
      missedDot: false,
      iconFile: 'registered',
      tooltip: 'Frontdesk: ready for calls',
    });
    const busy = trayModel(status({ registration: 'registered', dnd: 'reject', missed: 3 }), { dndLocked: false });
    expect(busy).toMatchObject({ icon: 'dnd', missedDot: true, iconFile: 'dnd-missed' });
    expect(busy.tooltip).toBe('Frontdesk: ready for calls, do not disturb, 3 missed calls');
    expect(trayModel(status({ registration: 'failed' }), { dndLocked: false }).icon).toBe('offline');
    expect(trayModel(status({ registration: 'disconnected', missed: 1 }), { dndLocked: false }).tooltip).toContain('cannot be reached, 1 missed call');
    const ringing = trayModel(status({ registration: 'registered', dnd: 'reject', ringing: [{ callId: 'c1', caller: 'Oleg Petrov' }] }), { dndLocked: false });
    expect(ringing.icon).toBe('ringing');
    expect(ringing.tooltip).toContain('ringing: Oleg Petrov');
    for (const m of [busy, ringing]) expect(TRAY_ICON_FILES).toContain(m.iconFile);
  });

  it('has Show, Do not disturb and Quit, and Answer/Decline/Hang up while calls ring or go on', () => {
    const idle = trayModel(status(), { dndLocked: false });
    expect(idle.menu.map((i) => i.id)).toEqual(['show', 'dnd', 'quit']);
    expect(idle.menu.find((i) => i.id === 'dnd')).toMatchObject({ label: 'Do not disturb', checked: false, enabled: true });
    const m = trayModel(status({ dnd: 'missed', calls: 1, ringing: [{ callId: 'c2', caller: 'Tom & Jerry\u202e\n' }] }), { dndLocked: true });
    expect(m.menu.map((i) => i.id)).toEqual(['show', 'answer', 'decline', 'hangUp', 'dnd', 'quit']);
    expect(m.menu[1]).toMatchObject({ label: 'Answer Tom && Jerry', callId: 'c2' });
    expect(m.menu.find((i) => i.id === 'dnd')).toMatchObject({ checked: true, enabled: false });
  });

  it('keeps the tooltip within what Windows shows', () => {
    const long = trayModel(status({ ringing: [{ callId: 'c', caller: 'x'.repeat(200) }], missed: 5 }), { dndLocked: false });
    expect(long.tooltip.length).toBeLessThanOrEqual(127);
  });

  it('toggles DND off, and back on to the way it was on', () => {
    expect(toggledDnd('reject', null)).toBe('off');
    expect(toggledDnd('missed', 'missed')).toBe('off');
    expect(toggledDnd('off', 'missed')).toBe('missed');
    expect(toggledDnd('off', null)).toBe('reject');
  });
});

describe('incoming-call notification', () => {
  const notice = { from: 'Oleg <Petrov> & Co', line: '+7 495 000', callId: 'c1' };
  it('macOS: Answer and Decline buttons, in that order', () => {
    const plan = incomingCallNotification(notice, 'darwin');
    expect(plan.options.actions).toEqual([
      { type: 'button', text: 'Answer' },
      { type: 'button', text: 'Decline' },
    ]);
    expect(actionAt(plan, 0)).toBe('answer');
    expect(actionAt(plan, 1)).toBe('decline');
    expect(actionAt(plan, 2)).toBeNull();
    expect(actionAt(plan, -1)).toBeNull();
  });
  it('Windows: an incoming-call toast with Answer and Decline, the caller escaped', () => {
    const plan = incomingCallNotification({ ...notice, from: 'Oleg "<x/>" &amp; \u0007' }, 'win32');
    const xml = plan.options.toastXml!;
    expect(xml).toContain('scenario="incomingCall"');
    expect(xml).toContain('<text>Incoming call: Oleg &quot;&lt;x/&gt;&quot; &amp;amp; </text>');
    expect(xml).toContain('arguments="frontdesk-action=answer"');
    expect(xml).toContain('arguments="frontdesk-action=decline"');
    expect(xml).not.toContain('<x/>');
    expect(plan.actions).toEqual(['answer', 'decline']);
    expect(toastArgumentAction('frontdesk-action=decline')).toBe('decline');
    expect(toastArgumentAction('frontdesk-action=hangUp')).toBeNull();
  });
  it('Linux: no buttons; it stays, and a click shows the window', () => {
    const plan = incomingCallNotification({ from: 'Oleg', line: null }, 'linux');
    expect(plan.actions).toEqual([]);
    expect(plan.options).toMatchObject({ urgency: 'critical', timeoutType: 'never', body: 'Incoming call. Click to open Frontdesk.' });
  });
  it('xmlText drops what XML cannot carry (lone surrogates, control characters) and keeps emoji', () => {
    expect(xmlText('a\ud800b\u0001c😀')).toBe('abc😀');
  });
  it('notifies when the window is not in front, and brings it forward when the setting says so', () => {
    expect(incomingCallReaction({ windowFocused: true, windowVisible: true, bringToFront: true, supported: true })).toEqual({ notify: false, bringToFront: false });
    expect(incomingCallReaction({ windowFocused: false, windowVisible: false, bringToFront: true, supported: true })).toEqual({ notify: true, bringToFront: true });
    expect(incomingCallReaction({ windowFocused: false, windowVisible: true, bringToFront: false, supported: false })).toEqual({ notify: false, bringToFront: false });
  });
});

describe('global hotkeys', () => {
  it('registers the defaults and reports the ones the OS refused', () => {
    const plan = planHotkeys({}, 'win32');
    expect(plan.every((e) => e.state === 'register')).toBe(true);
    const report = hotkeyReport(plan, (acc) => acc !== 'CommandOrControl+Shift+F11');
    expect(report.find((r) => r.action === 'mute')).toMatchObject({ state: 'refused', accelerator: 'CommandOrControl+Shift+F11' });
    expect(report.find((r) => r.action === 'mute')!.message).toMatch(/taken by another program/);
    expect(report.filter((r) => r.state === 'registered')).toHaveLength(4);
  });
  it('never asks the OS for a hotkey that is off, duplicated or kept by the system', () => {
    const plan = planHotkeys({ answer: '', hangUp: 'Alt+F4', hold: 'CommandOrControl+Shift+F8' }, 'win32');
    const asked: string[] = [];
    const report = hotkeyReport(plan, (acc) => (asked.push(acc), true));
    expect(report.find((r) => r.action === 'answer')).toMatchObject({ state: 'off', accelerator: '' });
    expect(report.find((r) => r.action === 'hangUp')).toMatchObject({ state: 'invalid' });
    expect(report.find((r) => r.action === 'hangUp')!.message).toMatch(/kept by the operating system/);
    // And as data, for the window to say in its language (it crosses to the page in the shell's state).
    expect(report.find((r) => r.action === 'hangUp')!.said).toEqual({ key: 'check.hotkeyReserved' });
    expect(ShellStateSchema.parse({ hotkeys: report }).hotkeys.find((r) => r.action === 'hangUp')!.said).toEqual({ key: 'check.hotkeyReserved' });
    // hold takes dialClipboard's default: the second of the two is refused.
    expect(report.find((r) => r.action === 'dialClipboard')).toMatchObject({ state: 'invalid' });
    expect(asked).toEqual(['CommandOrControl+Shift+F11', 'CommandOrControl+Shift+F8']);
  });
  it('registers again only when the plan changed', () => {
    const a = planHotkeys({}, 'linux');
    expect(samePlan(null, a)).toBe(false);
    expect(samePlan(a, planHotkeys({}, 'linux'))).toBe(true);
    expect(samePlan(a, planHotkeys({ mute: 'Alt+Shift+M' }, 'linux'))).toBe(false);
  });
  it('takes the clipboard\'s first line for "call the number in the clipboard"', () => {
    expect(clipboardForDial('\n  +7 495 123-45-67 \nsecond')).toBe('+7 495 123-45-67');
    expect(clipboardForDial('   \n')).toBeNull();
    expect(clipboardForDial('9'.repeat(5000))).toHaveLength(2048);
  });
});

describe('OS links', () => {
  it('finds the link among the arguments a start or a second instance carries', () => {
    expect(linkFromArgv(['C:\\Program Files\\Frontdesk\\Frontdesk.exe', '--', 'tel:+74951234567'])).toBe('tel:+74951234567');
    expect(linkFromArgv(['/usr/bin/electron', '/app', '--hidden'])).toBeNull();
    expect(linkFromArgv(['frontdesk', 'https://evil.example/', 'sip:1001@pbx'])).toBe('sip:1001@pbx');
    expect(linkFromArgv(['frontdesk', `tel:${'1'.repeat(3000)}`])).toBeNull();
  });
  it('registers `electron .` with the app path in development, a packaged app as it is', () => {
    expect(protocolClientArgs({ defaultApp: false, execPath: '/x/Frontdesk', argv: ['/x/Frontdesk'], resolve: (p) => p })).toBeNull();
    expect(protocolClientArgs({ defaultApp: true, execPath: '/e/electron', argv: ['/e/electron', '.'], resolve: () => '/src/frontdesk' })).toEqual({ path: '/e/electron', args: ['/src/frontdesk'] });
  });
  it('claims a scheme only while nothing handles it', () => {
    expect(shouldClaimScheme({ isDefault: false, currentHandler: '' })).toBe(true);
    expect(shouldClaimScheme({ isDefault: false, currentHandler: 'MicroSIP' })).toBe(false);
    expect(shouldClaimScheme({ isDefault: true, currentHandler: 'Frontdesk' })).toBe(false);
  });
  it('holds links until the page is ready, at most five, and sends them in order', () => {
    const sent: string[] = [];
    const relay = new LinkRelay((u) => sent.push(u));
    for (let i = 0; i < 8; i++) relay.push(`tel:${i}`);
    relay.push(null);
    expect(sent).toEqual([]);
    relay.ready();
    expect(sent).toEqual(['tel:0', 'tel:1', 'tel:2', 'tel:3', 'tel:4']);
    relay.push('tel:9');
    expect(sent.at(-1)).toBe('tel:9');
    relay.notReady();
    relay.push('tel:10');
    expect(sent).toHaveLength(6);
  });
});

describe('window, tray and login', () => {
  const primary = { x: 0, y: 0, width: 1920, height: 1040 };
  const right = { x: 1920, y: 0, width: 1280, height: 984 };
  it('puts the window back where it was when that is on a screen', () => {
    const saved = parseWindowState(JSON.stringify({ bounds: { x: 2000, y: 100, width: 900, height: 700 }, maximized: true }));
    expect(restoreBounds(saved, [primary, right])).toEqual({ bounds: { x: 2000, y: 100, width: 900, height: 700 }, maximized: true });
  });
  it('moves a window whose screen is gone onto one that is there, shrunk to fit', () => {
    const saved = { bounds: { x: 2000, y: 100, width: 2500, height: 1400 }, maximized: false };
    const r = restoreBounds(saved, [primary]);
    expect(r.bounds).toEqual({ x: 0, y: 0, width: 1920, height: 1040 });
    const offTop = restoreBounds({ bounds: { x: 100, y: -600, width: 800, height: 600 }, maximized: false }, [primary, right]);
    expect(offTop.bounds).toEqual({ x: 100, y: 0, width: 800, height: 600 });
  });
  it('opens at the default size without a saved state or with a broken file', () => {
    expect(restoreBounds(parseWindowState('{"bounds":{"x":"a"}}'), [primary]).bounds).toEqual({ width: 1100, height: 720 });
    expect(parseWindowState('not json')).toBeNull();
    expect(restoreBounds(parseWindowState(JSON.stringify({ bounds: { x: 10, y: 10, width: 100, height: 100 } })), [primary]).bounds).toEqual({ x: 10, y: 10, width: 720, height: 480 });
  });
  it('closing the window hides it in the tray unless the setting is off or Frontdesk quits', () => {
    expect(closeDecision({ closeToTray: defaultSettings.closeToTray, quitting: false, hasTray: true })).toBe('hide');
    expect(closeDecision({ closeToTray: true, quitting: true, hasTray: true })).toBe('close');
    expect(closeDecision({ closeToTray: false, quitting: false, hasTray: true })).toBe('close');
    expect(closeDecision({ closeToTray: true, quitting: false, hasTray: false })).toBe('close');
  });
  it('starts at login in the tray', () => {
    expect(loginItemSettings(true)).toEqual({ openAtLogin: true, args: [HIDDEN_SWITCH] });
    expect(loginItemSettings(false)).toEqual({ openAtLogin: false, args: [] });
    expect(showAtStart(['frontdesk', HIDDEN_SWITCH], true)).toBe(false);
    expect(showAtStart(['frontdesk', HIDDEN_SWITCH], false)).toBe(true);
    expect(linuxAutostartEntry(true, '/opt/My "Apps"/Frontdesk.AppImage')).toContain('Exec="/opt/My \\"Apps\\"/Frontdesk.AppImage" --hidden');
    expect(linuxAutostartEntry(false, '/x')).toBeNull();
  });
});

describe('Chromium switches and the save dialog', () => {
  it('turns off Chromium media-key handling in the one disable-features value, joined with what is there', () => {
    expect(disableFeaturesValue('')).toBe('HardwareMediaKeyHandling');
    expect(disableFeaturesValue('CalculateNativeWinOcclusion')).toBe('CalculateNativeWinOcclusion,HardwareMediaKeyHandling');
    expect(disableFeaturesValue('A, HardwareMediaKeyHandling,,B')).toBe('A,HardwareMediaKeyHandling,B');
    expect(disableFeaturesValue('A', ['B', 'C', 'A'])).toBe('A,B,C');
  });
  it('titles and filters the save dialog by the suggested file', () => {
    expect(saveDialogFor('frontdesk-report-2026-12.csv')).toEqual({
      title: 'Save the report',
      filters: [
        { name: 'CSV (Excel)', extensions: ['csv'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    const diag = saveDialogFor('frontdesk-diagnostics-2026-12-07T04-10-00.txt');
    expect(diag.title).toBe('Save the diagnostics');
    expect(diag.filters[0]).toEqual({ name: 'Text', extensions: ['txt'] });
    expect(saveDialogFor('REPORT.CSV').title).toBe('Save the report');
    expect(saveDialogFor('notes')).toEqual({ title: 'Save the file', filters: [{ name: 'All files', extensions: ['*'] }] });
    expect(saveDialogFor('x.exe').filters).toEqual([{ name: 'All files', extensions: ['*'] }]);
  });
});

describe('updates', () => {
  const packaged = { isPackaged: true, platform: 'win32' as const, appImage: false };
  it('look for updates only with a feed, turned on, in a packaged app that can update itself', () => {
    expect(updateConfig({ autoUpdate: true, updateFeedUrl: 'https://u.example.com/fd' }, packaged)).toEqual({ enabled: true, feedUrl: 'https://u.example.com/fd/' });
    expect(updateConfig({ autoUpdate: false, updateFeedUrl: 'https://u.example.com/fd/' }, packaged).enabled).toBe(false);
    expect(updateConfig({ autoUpdate: true, updateFeedUrl: '' }, packaged).enabled).toBe(false);
    expect(updateConfig({ autoUpdate: true, updateFeedUrl: 'https://u/' }, { ...packaged, isPackaged: false }).enabled).toBe(false);
    expect(updateConfig({ autoUpdate: true, updateFeedUrl: 'https://u/' }, { ...packaged, platform: 'linux' }).enabled).toBe(false);
    expect(updateConfig({ autoUpdate: true, updateFeedUrl: 'https://u/' }, { ...packaged, platform: 'linux', appImage: true }).enabled).toBe(true);
  });
  it('never install during a call, while one rings, or before the page said there is none', () => {
    expect(installDecision({ updateReady: true, status: status({ calls: 1 }) })).toEqual({ install: false, reason: 'in-call' });
    expect(installDecision({ updateReady: true, status: status({ ringing: [{ callId: 'c', caller: 'x' }] }) })).toEqual({ install: false, reason: 'ringing' });
    expect(installDecision({ updateReady: true, status: null })).toEqual({ install: false, reason: 'in-call' });
    expect(installDecision({ updateReady: false, status: status() })).toEqual({ install: false, reason: 'no-update' });
    expect(installDecision({ updateReady: true, status: status({ registration: 'registered', missed: 4 }) })).toEqual({ install: true });
  });
});

describe("the shell's language", () => {
  it('follows the setting, "auto" the OS locale, and speaks Russian in the tray, the notification and the hotkey report', () => {
    expect(shellLanguage('auto', ['ru-RU', 'en-US'])).toBe('ru');
    expect(shellLanguage('auto', ['de-DE'])).toBe('en');
    expect(shellLanguage('en', ['ru-RU'])).toBe('en');
    const model = trayModel(status({ registration: 'registered', missed: 3, ringing: [{ callId: 'c1', caller: 'Олег' }] }), { dndLocked: false, language: 'ru' });
    expect(model.tooltip).toBe('Frontdesk: готов к звонкам, звонит: Олег, 3 пропущенных звонка');
    expect(model.menu.map((i) => i.label)).toEqual(['Открыть Frontdesk', 'Ответить: Олег', 'Отклонить', 'Не беспокоить', 'Выйти из Frontdesk']);
    expect(incomingCallNotification({ from: 'Олег', line: null }, 'darwin', 'ru').options).toMatchObject({ title: 'Входящий звонок: Олег', body: 'Входящий звонок.' });
    const plan = planHotkeys(defaultSettings.hotkeys, 'linux').filter((e) => e.state === 'register');
    expect(hotkeyReport(plan, () => false, 'ru')[0]?.message).toMatch(/занято другой программой или системой/);
  });
});
