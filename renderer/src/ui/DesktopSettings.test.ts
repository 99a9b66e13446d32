import { describe, expect, it } from 'vitest';
import { fixedT } from '../../../common/i18n/translate';
import { hotkeyConflicts } from '../../../common/hotkeys';
import { hotkeyStatusText, hotkeyText, settingProblem } from './DesktopSettings';

const en = fixedT('en');
const ru = fixedT('ru');

describe('desktop settings', () => {
  it('words the schema refusal of an update address beside the field; a good one or none passes', () => {
    expect(settingProblem('updateFeedUrl', 'ftp://updates.example.com/')).toMatch(/must be "" or an http:\/\/ or https:\/\/ address/);
    expect(settingProblem('updateFeedUrl', 'https://user@updates.example.com/')).not.toBeNull();
    expect(settingProblem('updateFeedUrl', `https://u.example.com/${'a'.repeat(2100)}`)).toMatch(/at most 2048/);
    expect(settingProblem('updateFeedUrl', 'https://updates.example.com/frontdesk/')).toBeNull();
    expect(settingProblem('updateFeedUrl', '')).toBeNull();
    expect(settingProblem('closeToTray', 'yes')).not.toBeNull();
    expect(settingProblem('closeToTray', false)).toBeNull();
    // In the UI's language: the check's own words, and zod's locale for its own checks.
    expect(settingProblem('updateFeedUrl', 'ftp://updates.example.com/', ru)).toBe('нужен пустой адрес или адрес http:// или https://, например https://updates.example.com/frontdesk/');
    expect(settingProblem('updateFeedUrl', `https://u.example.com/${'a'.repeat(2100)}`, ru)).toMatch(/^Слишком большое значение: .*2048 символов$/);
  });

  it('refuses a recorded hotkey that another action has, defaults included, and accepts off or back to the default', () => {
    expect(settingProblem('hotkeys', { answer: 'CommandOrControl+Shift+F10' })).toBe('is the same hotkey as hangUp (CommandOrControl+Shift+F10)');
    expect(settingProblem('hotkeys', { answer: 'CommandOrControl+Alt+K', mute: 'Control+Alt+K' })).toMatch(/same hotkey as answer/);
    expect(settingProblem('hotkeys', { answer: 'CommandOrControl+Alt+K' })).toBeNull();
    expect(settingProblem('hotkeys', { answer: '' })).toBeNull();
    expect(settingProblem('hotkeys', {})).toBeNull();
  });

  it('shows a hotkey as a person reads it on their platform', () => {
    expect(hotkeyText('CommandOrControl+Shift+F9', false)).toBe('Ctrl+Shift+F9');
    expect(hotkeyText('CmdOrCtrl+Alt+A', true)).toBe('⌘+Alt+A');
    expect(hotkeyText('Alt+Shift+A', false)).toBe('Alt+Shift+A');
  });

  it('says what a hotkey does outside the window: everywhere, refused by the OS with the reason, or only in the window', () => {
    expect(hotkeyStatusText('CommandOrControl+Shift+F9', undefined, en)).toBe('Works while the Frontdesk window is active');
    expect(hotkeyStatusText('CommandOrControl+Shift+F9', { action: 'answer', accelerator: 'CommandOrControl+Shift+F9', state: 'registered', message: null }, en)).toBe('Works in every program');
    expect(
      hotkeyStatusText('CommandOrControl+Shift+F11', { action: 'mute', accelerator: 'CommandOrControl+Shift+F11', state: 'refused', message: 'CommandOrControl+Shift+F11 is taken by another program or the system: choose another hotkey' }, en),
    ).toBe('Not available outside Frontdesk: CommandOrControl+Shift+F11 is taken by another program or the system: choose another hotkey. It still works while the Frontdesk window is active');
    expect(hotkeyStatusText('', undefined, en)).toBe('Off');
    expect(hotkeyStatusText('CommandOrControl+Shift+F12', { action: 'hold', accelerator: '', state: 'off', message: null }, en)).toBe('Off');
    // The same in Russian.
    expect(hotkeyStatusText('CommandOrControl+Shift+F9', { action: 'answer', accelerator: 'CommandOrControl+Shift+F9', state: 'registered', message: null }, ru)).toBe('Работает в любой программе');
    expect(hotkeyStatusText('', undefined, ru)).toBe('Выключена');
    // A hotkey the shell found invalid (one the OS keeps): its check's words in Russian, from the report's data.
    const [conflict] = hotkeyConflicts({ answer: 'Alt+F4' }, 'win32');
    const invalid = { action: 'answer', accelerator: 'Alt+F4', state: 'invalid', message: conflict!.message, said: conflict!.said } as const;
    expect(hotkeyStatusText('Alt+F4', invalid, en)).toMatch(/: is kept by the operating system/);
    expect(hotkeyStatusText('Alt+F4', invalid, ru)).toMatch(/: это сочетание занято операционной системой/);
  });
});
