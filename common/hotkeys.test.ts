import { describe, expect, it } from 'vitest';
import { DEFAULT_HOTKEYS, HOTKEY_ACTIONS, hotkeyCombination, hotkeyConflicts, hotkeyProblem, normalizeHotkey } from './hotkeys';

describe('hotkeys', () => {
  it('accepts what Electron accepts', () => {
    for (const ok of ['', 'CommandOrControl+Shift+F9', 'Ctrl+Alt+A', 'F8', 'MediaPlayPause', 'Alt+Shift+num5', 'CmdOrCtrl+Plus', 'Super+Space', 'Control+Shift+/', 'Ctrl+[', 'Ctrl+]']) {
      expect(hotkeyProblem(ok), ok).toBeNull();
    }
  });
  it('names what is wrong', () => {
    expect(hotkeyProblem('Ctrl+Shift')).toBe('has no key, only modifiers');
    expect(hotkeyProblem('Ctrl+A+B')).toMatch(/2 keys/);
    expect(hotkeyProblem('Ctrl++')).toMatch(/Plus/);
    expect(hotkeyProblem('A')).toMatch(/every program/);
    expect(hotkeyProblem('Ctrl+Hyper+A')).toMatch(/"Hyper" is not a key/);
    expect(hotkeyProblem('Ctrl+Ctrl+A')).toMatch(/twice/);
    expect(hotkeyProblem('Ctrl+F25')).toMatch(/not a key/);
  });
  it('writes a hotkey as Electron spells it', () => {
    expect(normalizeHotkey('ctrl+shift+f9')).toBe('Ctrl+Shift+F9');
    expect(normalizeHotkey('commandorcontrol+alt+a')).toBe('CommandOrControl+Alt+A');
    expect(normalizeHotkey('')).toBe('');
  });
});

describe('hotkey definitions and conflicts', () => {
  it('has a valid, conflict-free default for every action on every platform', () => {
    for (const action of HOTKEY_ACTIONS) expect(hotkeyProblem(DEFAULT_HOTKEYS[action]), action).toBeNull();
    for (const platform of ['win32', 'darwin', 'linux'] as const) expect(hotkeyConflicts(DEFAULT_HOTKEYS, platform)).toEqual([]);
  });

  it('sees the same combination however it is spelled', () => {
    expect(hotkeyCombination('CmdOrCtrl+Shift+a', 'win32')).toBe(hotkeyCombination('shift+control+A', 'win32'));
    expect(hotkeyCombination('CommandOrControl+A', 'darwin')).toBe(hotkeyCombination('Cmd+A', 'darwin'));
    expect(hotkeyCombination('CommandOrControl+A', 'darwin')).not.toBe(hotkeyCombination('Ctrl+A', 'darwin'));
    expect(hotkeyCombination('Option+Return', 'darwin')).toBe(hotkeyCombination('Alt+Enter', 'darwin'));
    expect(hotkeyCombination('', 'linux')).toBeNull();
    expect(hotkeyCombination('Ctrl+', 'linux')).toBeNull();
  });

  it('reports two actions on one combination, at the second one', () => {
    const conflicts = hotkeyConflicts({ ...DEFAULT_HOTKEYS, hold: 'ctrl+shift+f9' }, 'win32');
    expect(conflicts).toEqual([{ action: 'hold', field: 'hotkeys.hold', message: '"ctrl+shift+f9" is also the hotkey for Answer (CommandOrControl+Shift+F9)' }]);
    // On macOS CommandOrControl is Command, so Ctrl+Shift+F9 is another combination there.
    expect(hotkeyConflicts({ ...DEFAULT_HOTKEYS, hold: 'ctrl+shift+f9' }, 'darwin')).toEqual([]);
  });

  it('reports invalid hotkeys and those the system keeps; "" is off and never conflicts', () => {
    const conflicts = hotkeyConflicts({ answer: 'Alt+F4', hangUp: 'Ctrl+Shift', mute: '', hold: '', dialClipboard: 'Cmd+Q' }, 'win32');
    expect(conflicts.map((c) => [c.field, c.message])).toEqual([
      ['hotkeys.answer', '"Alt+F4" is kept by the operating system'],
      ['hotkeys.hangUp', '"Ctrl+Shift" has no key, only modifiers'],
    ]);
    expect(hotkeyConflicts({ dialClipboard: 'Cmd+Q' }, 'darwin')).toHaveLength(1);
  });
});
