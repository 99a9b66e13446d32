import { fixedT } from './i18n/translate';
import { saidText } from './said';
import { describe, expect, it } from 'vitest';
import { acceleratorFromKeyPress, DEFAULT_HOTKEYS, HOTKEY_ACTIONS, hotkeyActionFor, hotkeyCombination, hotkeyConflicts, hotkeyProblem, keyPressCombination, normalizeHotkey } from './hotkeys';

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
    expect(conflicts).toMatchObject([{ action: 'hold', field: 'hotkeys.hold', message: '"ctrl+shift+f9" is also the hotkey for Answer (CommandOrControl+Shift+F9)' }]);
    // The window says it in its language, naming the action (the accelerator is shown beside it).
    expect(saidText(conflicts[0]!.said, fixedT('ru'))).toBe('это та же горячая клавиша, что у действия «Ответить» (CommandOrControl+Shift+F9)');
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

describe('hotkeys pressed inside the window', () => {
  const press = (key: string, code: string, mods: Partial<Record<'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey', boolean>> = {}) => ({
    key,
    code,
    ctrlKey: false,
    altKey: false,
    shiftKey: false,
    metaKey: false,
    ...mods,
  });

  it('matches the default hotkeys from their key presses', () => {
    expect(hotkeyActionFor(DEFAULT_HOTKEYS, press('F9', 'F9', { ctrlKey: true, shiftKey: true }), 'linux')).toBe('answer');
    expect(hotkeyActionFor(DEFAULT_HOTKEYS, press('F10', 'F10', { ctrlKey: true, shiftKey: true }), 'win32')).toBe('hangUp');
    // CommandOrControl is Command on macOS: Ctrl there is another key.
    expect(hotkeyActionFor(DEFAULT_HOTKEYS, press('F11', 'F11', { metaKey: true, shiftKey: true }), 'darwin')).toBe('mute');
    expect(hotkeyActionFor(DEFAULT_HOTKEYS, press('F11', 'F11', { ctrlKey: true, shiftKey: true }), 'darwin')).toBeNull();
  });

  it('needs exactly the hotkey\'s modifiers', () => {
    expect(hotkeyActionFor(DEFAULT_HOTKEYS, press('F9', 'F9', { ctrlKey: true }), 'linux')).toBeNull();
    expect(hotkeyActionFor(DEFAULT_HOTKEYS, press('F9', 'F9', { ctrlKey: true, shiftKey: true, altKey: true }), 'linux')).toBeNull();
    expect(hotkeyActionFor(DEFAULT_HOTKEYS, press('F9', 'F9'), 'linux')).toBeNull();
  });

  it('reads letters and digits from the physical key: any layout, Shift does not change the key', () => {
    const map = { ...DEFAULT_HOTKEYS, answer: 'Ctrl+Alt+A', hold: 'CmdOrCtrl+Shift+1' };
    expect(hotkeyActionFor(map, press('ф', 'KeyA', { ctrlKey: true, altKey: true }), 'win32')).toBe('answer');
    expect(hotkeyActionFor(map, press('!', 'Digit1', { ctrlKey: true, shiftKey: true }), 'linux')).toBe('hold');
  });

  it('named keys, the numpad, punctuation and media keys', () => {
    const map = { answer: 'Alt+Enter', hangUp: 'Ctrl+num5', mute: 'MediaPlayPause', hold: 'Ctrl+Shift+/', dialClipboard: 'Super+Space' };
    expect(hotkeyActionFor(map, press('Enter', 'Enter', { altKey: true }), 'linux')).toBe('answer');
    expect(hotkeyActionFor(map, press('5', 'Numpad5', { ctrlKey: true }), 'linux')).toBe('hangUp');
    expect(hotkeyActionFor(map, press('MediaPlayPause', 'MediaPlayPause'), 'linux')).toBe('mute');
    expect(hotkeyActionFor(map, press('?', 'Slash', { ctrlKey: true, shiftKey: true }), 'linux')).toBe('hold');
    expect(hotkeyActionFor(map, press(' ', 'Space', { metaKey: true }), 'linux')).toBe('dialClipboard');
  });

  it('a hotkey that is off never matches; a lone modifier is no key', () => {
    expect(hotkeyActionFor({ ...DEFAULT_HOTKEYS, answer: '' }, press('F9', 'F9', { ctrlKey: true, shiftKey: true }), 'linux')).toBeNull();
    expect(keyPressCombination(press('Shift', 'ShiftLeft', { shiftKey: true }), 'linux')).toBeNull();
    expect(keyPressCombination(press('Control', 'ControlLeft', { ctrlKey: true }), 'linux')).toBeNull();
  });
});

describe('a hotkey recorded from a key press', () => {
  const press = (key: string, code: string, mods: Partial<Record<'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey', boolean>> = {}) => ({ key, code, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods });
  it('writes Ctrl as CommandOrControl, ⌘ on a Mac, and upper-cases letters from the physical key', () => {
    expect(acceleratorFromKeyPress(press('a', 'KeyA', { ctrlKey: true, shiftKey: true }), false)).toBe('CommandOrControl+Shift+A');
    expect(acceleratorFromKeyPress(press('ф', 'KeyA', { ctrlKey: true }), false)).toBe('CommandOrControl+A');
    expect(acceleratorFromKeyPress(press('a', 'KeyA', { metaKey: true, shiftKey: true }), true)).toBe('CommandOrControl+Shift+A');
    expect(acceleratorFromKeyPress(press('a', 'KeyA', { ctrlKey: true }), true)).toBe('Control+A');
    expect(acceleratorFromKeyPress(press('a', 'KeyA', { metaKey: true, altKey: true }), false)).toBe('Alt+Super+A');
  });
  it('ignores a lone modifier, Escape, and a key without a modifier; F-keys and media keys may stand alone', () => {
    for (const key of ['Control', 'Shift', 'Alt', 'Meta']) expect(acceleratorFromKeyPress(press(key, `${key}Left`, { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(acceleratorFromKeyPress(press('Escape', 'Escape', { ctrlKey: true }), false)).toBeNull();
    expect(acceleratorFromKeyPress(press('a', 'KeyA'), false)).toBeNull();
    expect(acceleratorFromKeyPress(press('Enter', 'Enter'), false)).toBeNull();
    expect(acceleratorFromKeyPress(press('A', 'KeyA', { shiftKey: true }), false)).toBeNull();
    expect(acceleratorFromKeyPress(press(' ', 'Space', { shiftKey: true }), false)).toBeNull();
    expect(acceleratorFromKeyPress(press('F5', 'F5'), false)).toBe('F5');
    expect(acceleratorFromKeyPress(press('F24', 'F24', { shiftKey: true }), false)).toBe('Shift+F24');
    expect(acceleratorFromKeyPress(press('F5', 'F5', { altKey: true }), false)).toBe('Alt+F5');
    expect(acceleratorFromKeyPress(press('MediaPlayPause', 'MediaPlayPause'), false)).toBe('MediaPlayPause');
  });
  it('digits, the numpad, arrows, space and punctuation by Electron\'s names', () => {
    const ctrl = { ctrlKey: true };
    expect(acceleratorFromKeyPress(press('!', 'Digit1', { ...ctrl, shiftKey: true }), false)).toBe('CommandOrControl+Shift+1');
    expect(acceleratorFromKeyPress(press('5', 'Numpad5', { altKey: true }), false)).toBe('Alt+num5');
    expect(acceleratorFromKeyPress(press('+', 'NumpadAdd', ctrl), false)).toBe('CommandOrControl+numadd');
    expect(acceleratorFromKeyPress(press('ArrowUp', 'ArrowUp', ctrl), false)).toBe('CommandOrControl+Up');
    expect(acceleratorFromKeyPress(press('ArrowRight', 'ArrowRight', { altKey: true }), false)).toBe('Alt+Right');
    expect(acceleratorFromKeyPress(press(' ', 'Space', ctrl), false)).toBe('CommandOrControl+Space');
    expect(acceleratorFromKeyPress(press('PageDown', 'PageDown', ctrl), false)).toBe('CommandOrControl+PageDown');
    expect(acceleratorFromKeyPress(press('-', 'Minus', ctrl), false)).toBe('CommandOrControl+-');
    expect(acceleratorFromKeyPress(press('+', 'Equal', { ...ctrl, shiftKey: true }), false)).toBe('CommandOrControl+Shift+=');
    expect(acceleratorFromKeyPress(press('х', 'BracketLeft', ctrl), false)).toBe('CommandOrControl+[');
    expect(acceleratorFromKeyPress(press('/', 'Slash', ctrl), false)).toBe('CommandOrControl+/');
  });
  it('records what the window then matches, and what Electron accepts', () => {
    const cases = [press('a', 'KeyA', { ctrlKey: true, shiftKey: true }), press('F5', 'F5', { altKey: true }), press('ArrowUp', 'ArrowUp', { ctrlKey: true }), press(';', 'Semicolon', { ctrlKey: true }), press('7', 'Numpad7', { ctrlKey: true })];
    for (const p of cases) {
      const accelerator = acceleratorFromKeyPress(p, false)!;
      expect(hotkeyProblem(accelerator), accelerator).toBeNull();
      expect(hotkeyActionFor({ ...DEFAULT_HOTKEYS, answer: accelerator }, p, 'linux'), accelerator).toBe('answer');
    }
  });
});
