import { en } from './i18n/en';
import { checkSaid, saidText, type Said } from './said';
/**
 * Global hotkeys as Electron accelerators ("CommandOrControl+Shift+F9"): checked here, in plain
 * TypeScript, so a provisioning file or a setting with a hotkey Electron would refuse is reported
 * at its field instead of failing silently when the shell registers it. "" turns a hotkey off.
 */

const MODIFIERS = new Map(
  ['Command', 'Cmd', 'Control', 'Ctrl', 'CommandOrControl', 'CmdOrCtrl', 'Alt', 'Option', 'AltGr', 'Shift', 'Super', 'Meta'].map((m) => [m.toLowerCase(), m]),
);

const NAMED_KEYS = [
  'Plus', 'Space', 'Tab', 'Capslock', 'Numlock', 'Scrolllock', 'Backspace', 'Delete', 'Insert', 'Return', 'Enter',
  'Up', 'Down', 'Left', 'Right', 'Home', 'End', 'PageUp', 'PageDown', 'Escape', 'Esc', 'PrintScreen',
  'VolumeUp', 'VolumeDown', 'VolumeMute', 'MediaNextTrack', 'MediaPreviousTrack', 'MediaStop', 'MediaPlayPause',
  'num0', 'num1', 'num2', 'num3', 'num4', 'num5', 'num6', 'num7', 'num8', 'num9', 'numdec', 'numadd', 'numsub', 'nummult', 'numdiv',
];
const NAMED = new Map(NAMED_KEYS.map((k) => [k.toLowerCase(), k]));
/** Keys that may stand alone, without a modifier: a bare letter would be taken from every program's typing. */
const ALONE = /^(F([1-9]|1[0-9]|2[0-4])|Media(NextTrack|PreviousTrack|Stop|PlayPause)|Volume(Up|Down|Mute))$/;

/** Why an accelerator would not work, as data (put into words by `saidText`), or null when it is fine (or "", off). */
export function hotkeyProblemSaid(text: string): Said | null {
  if (text === '') return null;
  if (text.length > 100) return checkSaid('hotkeyTooLong');
  const parts = text.split('+');
  // "Ctrl++" is Ctrl and Plus written as "+": Electron wants "Plus".
  if (parts.some((p) => p.trim() === '')) return checkSaid('hotkeyEmptyPart');
  const modifiers: string[] = [];
  const keys: string[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    const lower = part.toLowerCase();
    if (MODIFIERS.has(lower)) {
      if (modifiers.includes(MODIFIERS.get(lower)!)) return checkSaid('hotkeyTwice', { part });
      modifiers.push(MODIFIERS.get(lower)!);
    } else if (/^[A-Za-z0-9]$/.test(part) || /^F([1-9]|1[0-9]|2[0-4])$/i.test(part) || NAMED.has(lower) || /^[)!@#$%^&*(:;=<,_\->.?/~`{\][|\\}"']$/.test(part)) {
      keys.push(part);
    } else {
      return checkSaid('hotkeyUnknownKey', { part });
    }
  }
  if (keys.length !== 1) return keys.length === 0 ? checkSaid('hotkeyNoKey') : checkSaid('hotkeyManyKeys', { count: keys.length });
  const key = keys[0]!.length > 1 ? (NAMED.get(keys[0]!.toLowerCase()) ?? keys[0]!.toUpperCase()) : keys[0]!;
  if (modifiers.length === 0 && !ALONE.test(key)) return checkSaid('hotkeyAlone', { key });
  return null;
}

/** Why an accelerator would not work, in English (the provisioning check, the logs), or null when it is fine. */
export function hotkeyProblem(text: string): string | null {
  const said = hotkeyProblemSaid(text);
  return said && saidText(said);
}

/** The hotkey written the way Electron spells it ("ctrl+shift+f9" → "Ctrl+Shift+F9"); "" stays "". */
export function normalizeHotkey(text: string): string {
  if (hotkeyProblem(text) !== null || text === '') return text;
  return text
    .split('+')
    .map((raw) => {
      const p = raw.trim();
      const lower = p.toLowerCase();
      return MODIFIERS.get(lower) ?? NAMED.get(lower) ?? (p.length === 1 ? p.toUpperCase() : p.toUpperCase());
    })
    .join('+');
}

/** What a global hotkey does: the session's commands (issue 14), whatever window has the focus. */
export const HOTKEY_ACTIONS = ['answer', 'hangUp', 'mute', 'hold', 'dialClipboard'] as const;
export type HotkeyAction = (typeof HOTKEY_ACTIONS)[number];
export type HotkeyMap = Record<HotkeyAction, string>;

/** The actions' English names (the services' messages); the window says them in its language from the same keys. */
export const HOTKEY_LABELS: Record<HotkeyAction, string> = en.desktop.hotkeyAction;

/**
 * Defaults: CommandOrControl+Shift with a function key, which office programs (Word, Excel, 1C,
 * browsers) leave free and which the in-window Alt+letter keys do not collide with.
 */
export const DEFAULT_HOTKEYS: HotkeyMap = {
  answer: 'CommandOrControl+Shift+F9',
  hangUp: 'CommandOrControl+Shift+F10',
  mute: 'CommandOrControl+Shift+F11',
  hold: 'CommandOrControl+Shift+F12',
  dialClipboard: 'CommandOrControl+Shift+F8',
};

export type HotkeyPlatform = 'win32' | 'darwin' | 'linux';

const KEY_ALIASES: Record<string, string> = { return: 'ENTER', enter: 'ENTER', esc: 'ESCAPE', escape: 'ESCAPE', '+': 'PLUS', plus: 'PLUS' };

/**
 * The combination a hotkey means on a platform, written one way: modifiers sorted and resolved
 * (CommandOrControl is Command on macOS and Control elsewhere; Cmd/Command only exist on macOS,
 * Option is Alt, Meta is Super), the key upper-cased with its aliases merged (Return = Enter).
 * Two hotkeys with the same combination conflict. null for "" or an invalid hotkey.
 */
export function hotkeyCombination(text: string, platform: HotkeyPlatform): string | null {
  if (text === '' || hotkeyProblem(text) !== null) return null;
  const mods = new Set<string>();
  let key = '';
  for (const raw of text.split('+')) {
    const lower = raw.trim().toLowerCase();
    const modifier = MODIFIERS.get(lower);
    if (!modifier) {
      key = KEY_ALIASES[lower] ?? lower.toUpperCase();
      continue;
    }
    const m = modifier.toLowerCase();
    if (m === 'commandorcontrol' || m === 'cmdorctrl') mods.add(platform === 'darwin' ? 'Command' : 'Control');
    else if (m === 'command' || m === 'cmd') mods.add(platform === 'darwin' ? 'Command' : 'Super');
    else if (m === 'control' || m === 'ctrl') mods.add('Control');
    else if (m === 'option' || m === 'alt') mods.add('Alt');
    else if (m === 'meta' || m === 'super') mods.add(platform === 'darwin' ? 'Command' : 'Super');
    else mods.add(modifier);
  }
  return [...[...mods].sort(), key].join('+');
}

/** Combinations the operating system keeps for itself: registering them fails or breaks the desktop. */
const RESERVED: Record<HotkeyPlatform, string[]> = {
  win32: ['Alt+F4', 'Alt+TAB', 'Alt+Control+DELETE', 'Super+L', 'Super+D', 'Super+E', 'Super+R', 'Control+ESCAPE', 'Control+Shift+ESCAPE', 'Alt+ESCAPE', 'Alt+SPACE'],
  darwin: ['Command+Q', 'Command+TAB', 'Command+SPACE', 'Command+H', 'Command+M', 'Command+W', 'Alt+Command+ESCAPE', 'Command+Control+Q'],
  linux: ['Alt+F4', 'Alt+TAB', 'Alt+Control+DELETE', 'Super+L', 'Alt+F2', 'Alt+Control+T', 'Super+SPACE'],
};

export interface HotkeyConflict {
  action: HotkeyAction;
  /** The field in settings ("hotkeys.answer"), for field-level reporting. */
  field: string;
  /** In English, for the shell's log ("\"Ctrl+A+B\" names 2 keys…"). */
  message: string;
  /** What is wrong as data, for the window to say in its language (beside the hotkey it names). */
  said: Said;
}

/**
 * What is wrong with a set of hotkeys on a platform: an invalid one, two actions on the same
 * combination, one the system keeps. (One that another program has taken is only known when the
 * shell registers it: globalShortcut.register returns false, and the shell reports that.)
 */
export function hotkeyConflicts(map: Partial<Record<HotkeyAction, string>>, platform: HotkeyPlatform): HotkeyConflict[] {
  const out: HotkeyConflict[] = [];
  const seen = new Map<string, HotkeyAction>();
  for (const action of HOTKEY_ACTIONS) {
    const text = map[action];
    if (text === undefined || text === '') continue;
    const problem = hotkeyProblemSaid(text);
    if (problem) {
      out.push({ action, field: `hotkeys.${action}`, message: `"${text}" ${saidText(problem)}`, said: problem });
      continue;
    }
    const combination = hotkeyCombination(text, platform)!;
    const earlier = seen.get(combination);
    if (earlier) {
      const said = checkSaid('sameHotkey', { action: { say: `desktop.hotkeyAction.${earlier}` }, hotkey: map[earlier] ?? '' });
      out.push({ action, field: `hotkeys.${action}`, message: `"${text}" is also the hotkey for ${HOTKEY_LABELS[earlier]} (${map[earlier]})`, said });
      continue;
    }
    seen.set(combination, action);
    if (RESERVED[platform].includes(combination)) out.push({ action, field: `hotkeys.${action}`, message: `"${text}" is kept by the operating system`, said: checkSaid('hotkeyReserved') });
  }
  return out;
}

/** What a keydown tells (KeyboardEvent's fields; common/ has no DOM types). */
export interface KeyPress {
  key: string;
  code: string;
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
}

/** KeyboardEvent.key names → the key as hotkeyCombination writes it. */
const EVENT_KEYS: Record<string, string> = {
  ' ': 'SPACE', Spacebar: 'SPACE', Enter: 'ENTER', Escape: 'ESCAPE', Esc: 'ESCAPE', Tab: 'TAB', Backspace: 'BACKSPACE',
  Delete: 'DELETE', Insert: 'INSERT', Home: 'HOME', End: 'END', PageUp: 'PAGEUP', PageDown: 'PAGEDOWN',
  ArrowUp: 'UP', ArrowDown: 'DOWN', ArrowLeft: 'LEFT', ArrowRight: 'RIGHT', PrintScreen: 'PRINTSCREEN',
  CapsLock: 'CAPSLOCK', NumLock: 'NUMLOCK', ScrollLock: 'SCROLLLOCK', '+': 'PLUS',
  AudioVolumeUp: 'VOLUMEUP', AudioVolumeDown: 'VOLUMEDOWN', AudioVolumeMute: 'VOLUMEMUTE',
  MediaPlayPause: 'MEDIAPLAYPAUSE', MediaStop: 'MEDIASTOP', MediaTrackNext: 'MEDIANEXTTRACK', MediaTrackPrevious: 'MEDIAPREVIOUSTRACK',
};
/** KeyboardEvent.code names of the keys whose `key` changes with Shift or the layout (a Russian layout types "ф" on KeyA). */
const EVENT_CODES: Record<string, string> = {
  NumpadDecimal: 'NUMDEC', NumpadAdd: 'NUMADD', NumpadSubtract: 'NUMSUB', NumpadMultiply: 'NUMMULT', NumpadDivide: 'NUMDIV',
  Minus: '-', Equal: '=', BracketLeft: '[', BracketRight: ']', Backslash: '\\', Semicolon: ';', Quote: "'", Comma: ',', Period: '.', Slash: '/', Backquote: '`',
};

/**
 * The combination a keydown is, written as hotkeyCombination writes an accelerator's, so a hotkey
 * defined for the global shortcut also works inside the window (the browser host has no global
 * shortcuts). Letters and digits are read from the physical key (`code`): Ctrl+Shift+A is the same
 * hotkey on a Russian layout, and Shift+1 is not "!". null for a lone modifier.
 */
export function keyPressCombination(press: KeyPress, platform: HotkeyPlatform): string | null {
  if (['Control', 'Shift', 'Alt', 'Meta', 'AltGraph', 'OS'].includes(press.key)) return null;
  let key: string | undefined;
  const letter = /^Key([A-Z])$/.exec(press.code)?.[1];
  const digit = /^Digit([0-9])$/.exec(press.code)?.[1];
  const numpad = /^Numpad([0-9])$/.exec(press.code)?.[1];
  if (letter) key = letter;
  else if (digit) key = digit;
  else if (numpad) key = `NUM${numpad}`;
  else if (/^F([1-9]|1[0-9]|2[0-4])$/.test(press.key)) key = press.key;
  else key = EVENT_KEYS[press.key] ?? EVENT_CODES[press.code] ?? (press.key.length === 1 ? press.key.toUpperCase() : undefined);
  if (!key) return null;
  const mods = new Set<string>();
  if (press.ctrlKey) mods.add('Control');
  if (press.altKey) mods.add('Alt');
  if (press.shiftKey) mods.add('Shift');
  if (press.metaKey) mods.add(platform === 'darwin' ? 'Command' : 'Super');
  return [...[...mods].sort(), key].join('+');
}

/** The action whose hotkey this keydown is, or null (hotkeys that are off, "", never match). */
export function hotkeyActionFor(map: HotkeyMap, press: KeyPress, platform: HotkeyPlatform): HotkeyAction | null {
  const pressed = keyPressCombination(press, platform);
  if (!pressed) return null;
  return HOTKEY_ACTIONS.find((action) => hotkeyCombination(map[action], platform) === pressed) ?? null;
}

/** KeyboardEvent.key names → Electron's accelerator key names (for a hotkey recorded in Settings). */
const ACCELERATOR_KEYS: Record<string, string> = {
  ' ': 'Space', Spacebar: 'Space', Enter: 'Enter', Tab: 'Tab', Backspace: 'Backspace', Delete: 'Delete', Insert: 'Insert',
  Home: 'Home', End: 'End', PageUp: 'PageUp', PageDown: 'PageDown', ArrowUp: 'Up', ArrowDown: 'Down', ArrowLeft: 'Left', ArrowRight: 'Right',
  PrintScreen: 'PrintScreen', AudioVolumeUp: 'VolumeUp', AudioVolumeDown: 'VolumeDown', AudioVolumeMute: 'VolumeMute',
  MediaPlayPause: 'MediaPlayPause', MediaStop: 'MediaStop', MediaTrackNext: 'MediaNextTrack', MediaTrackPrevious: 'MediaPreviousTrack',
};
/** KeyboardEvent.code names → Electron's, for keys whose `key` changes with Shift or the layout. */
const ACCELERATOR_CODES: Record<string, string> = {
  NumpadDecimal: 'numdec', NumpadAdd: 'numadd', NumpadSubtract: 'numsub', NumpadMultiply: 'nummult', NumpadDivide: 'numdiv',
  Minus: '-', Equal: '=', BracketLeft: '[', BracketRight: ']', Backslash: '\\', Semicolon: ';', Quote: "'", Comma: ',', Period: '.', Slash: '/', Backquote: '`',
};

/**
 * The accelerator a key press in Settings records ("CommandOrControl+Shift+A", "Alt+F5"), or null
 * while it is no hotkey yet: a lone modifier, a key with no modifier (only F1–F24 and the media keys
 * may stand alone), or a typing key with Shift alone (Shift+A would take the capital A from every
 * program). Ctrl is CommandOrControl (⌘ on a Mac, where Ctrl stays Control); the Windows/Super key is
 * Super. Letters, digits and punctuation come from the physical key, as the window matches them.
 */
export function acceleratorFromKeyPress(press: KeyPress, mac: boolean): string | null {
  if (['Control', 'Shift', 'Alt', 'Meta', 'AltGraph', 'OS', 'Escape'].includes(press.key)) return null;
  const letter = /^Key([A-Z])$/.exec(press.code)?.[1];
  const digit = /^Digit([0-9])$/.exec(press.code)?.[1];
  const numpad = /^Numpad([0-9])$/.exec(press.code)?.[1];
  let key: string | undefined;
  if (letter) key = letter;
  else if (digit) key = digit;
  else if (numpad) key = `num${numpad}`;
  else if (/^F([1-9]|1[0-9]|2[0-4])$/.test(press.key)) key = press.key;
  else key = ACCELERATOR_KEYS[press.key] ?? ACCELERATOR_CODES[press.code];
  if (!key) return null;
  const mods: string[] = [];
  if (mac ? press.metaKey : press.ctrlKey) mods.push('CommandOrControl');
  if (mac && press.ctrlKey) mods.push('Control');
  if (press.altKey) mods.push('Alt');
  if (press.shiftKey) mods.push('Shift');
  if (!mac && press.metaKey) mods.push('Super');
  const typing = key.length === 1 || key === 'Space' || /^num/.test(key);
  if (typing && mods.length === 1 && mods[0] === 'Shift') return null;
  const accelerator = [...mods, key].join('+');
  return hotkeyProblem(accelerator) === null ? accelerator : null;
}
