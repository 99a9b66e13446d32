import { describe, expect, it } from 'vitest';
import { defaultSettings, type SettingsView } from '../../common/settings';
import { listenForHotkeys, platformOf } from './desktopKeys';
import type { HotkeyRegistration } from '../../common/desktop';
import { handledGlobally, type DesktopCommand } from './session';

function harness(hotkeys: SettingsView['values']['hotkeys'] = {}, clipboard: () => Promise<string> = () => Promise.resolve('1001'), shellHotkeys: HotkeyRegistration[] = []) {
  let listener: ((e: KeyboardEvent) => void) | null = null;
  const commands: DesktopCommand[] = [];
  const notices: (string | null)[] = [];
  const settings = { values: { ...defaultSettings, hotkeys }, locked: [], sources: {} } as unknown as SettingsView;
  const stop = listenForHotkeys(
    { addEventListener: (_t, l) => (listener = l), removeEventListener: () => (listener = null) },
    { command: (c) => void commands.push(c), notice: (n) => void notices.push(n), getState: () => ({ account: null, settings, bridgeError: null, linkPrompt: null, desktopNotice: null, shellHotkeys }) },
    clipboard,
    'linux',
  );
  const press = (key: string, code: string, mods: Partial<KeyboardEvent> = {}) => {
    let prevented = false;
    listener?.({ key, code, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, repeat: false, isComposing: false, preventDefault: () => (prevented = true), ...mods } as KeyboardEvent);
    return prevented;
  };
  return { commands, notices, press, stop };
}

describe('hotkeys in the window', () => {
  it('a default hotkey commands the session, and the key goes no further', () => {
    const h = harness();
    expect(h.press('F9', 'F9', { ctrlKey: true, shiftKey: true })).toBe(true);
    expect(h.press('F10', 'F10', { ctrlKey: true, shiftKey: true })).toBe(true);
    expect(h.commands).toEqual([
      { action: 'answer', source: 'hotkey' },
      { action: 'hangUp', source: 'hotkey' },
    ]);
  });

  it('follows the settings: a changed hotkey, one turned off; other keys and held-down repeats pass', () => {
    const h = harness({ answer: 'Alt+Shift+A', mute: '' });
    expect(h.press('F9', 'F9', { ctrlKey: true, shiftKey: true })).toBe(false);
    expect(h.press('F11', 'F11', { ctrlKey: true, shiftKey: true })).toBe(false);
    expect(h.press('a', 'KeyA')).toBe(false);
    expect(h.press('A', 'KeyA', { altKey: true, shiftKey: true, repeat: true })).toBe(false);
    expect(h.press('A', 'KeyA', { altKey: true, shiftKey: true })).toBe(true);
    expect(h.commands).toEqual([{ action: 'answer', source: 'hotkey' }]);
  });

  it('an action whose global hotkey the desktop app registered acts once: by the shell, not again in the window', async () => {
    const shell: HotkeyRegistration[] = [
      { action: 'answer', accelerator: 'CommandOrControl+Shift+F9', state: 'registered', message: null },
      { action: 'hangUp', accelerator: 'CommandOrControl+Shift+F10', state: 'refused', message: 'another program uses it' },
      { action: 'dialClipboard', accelerator: 'CommandOrControl+Shift+F8', state: 'registered', message: null },
    ];
    let read = 0;
    const h = harness({}, () => (read++, Promise.resolve('1001')), shell);
    // Still kept from the page (a field would otherwise take it), but not commanded twice.
    expect(h.press('F9', 'F9', { ctrlKey: true, shiftKey: true })).toBe(true);
    h.press('F8', 'F8', { ctrlKey: true, shiftKey: true });
    // The one the OS refused to the shell works in the window.
    h.press('F10', 'F10', { ctrlKey: true, shiftKey: true });
    await Promise.resolve();
    expect(h.commands).toEqual([{ action: 'hangUp', source: 'hotkey' }]);
    expect(read).toBe(0);
    expect(handledGlobally(shell, 'answer')).toBe(true);
    expect(handledGlobally(shell, 'hangUp')).toBe(false);
    expect(handledGlobally(shell, 'mute')).toBe(false);
    expect(handledGlobally([], 'answer')).toBe(false);
  });

  it('call the clipboard: reads it and hands its text over', async () => {
    const h = harness({}, () => Promise.resolve('8 495 123-45-67'));
    h.press('F8', 'F8', { ctrlKey: true, shiftKey: true });
    await Promise.resolve();
    expect(h.commands).toEqual([{ action: 'dialClipboard', source: 'hotkey', text: '8 495 123-45-67' }]);
  });

  it('a clipboard Frontdesk may not read is said so, and nothing is called', async () => {
    const h = harness({}, () => Promise.reject(new Error('Read permission denied.')));
    h.press('F8', 'F8', { ctrlKey: true, shiftKey: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(h.commands).toEqual([]);
    expect(h.notices).toEqual(['Nothing was called: Frontdesk may not read the clipboard (Read permission denied.)']);
  });

  it('stops listening', () => {
    const h = harness();
    h.stop();
    expect(h.press('F9', 'F9', { ctrlKey: true, shiftKey: true })).toBe(false);
  });

  it('knows the platform from the browser', () => {
    expect(platformOf({ platform: 'MacIntel' })).toBe('darwin');
    expect(platformOf({ platform: 'Win32' })).toBe('win32');
    expect(platformOf({ platform: 'Linux x86_64' })).toBe('linux');
  });
});
