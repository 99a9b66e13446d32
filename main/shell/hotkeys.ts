import { HOTKEY_ACTIONS, hotkeyConflicts, type HotkeyAction, type HotkeyPlatform } from '../../common/hotkeys';
import type { HotkeyRegistration } from '../../common/desktop';
import type { Said } from '../../common/said';
import { effectiveHotkeys, type Settings } from '../../common/settings';
import type { UiLanguage } from '../../common/i18n';
import { shellTextsIn } from './texts';

/**
 * Global hotkeys: which accelerators to register for the settings, and the report of what the OS
 * refused. main.ts registers the plan's `register` entries with globalShortcut (after unregistering
 * all of Frontdesk's) and passes what `globalShortcut.register` returned to `hotkeyReport`.
 */

export interface HotkeyPlanEntry {
  action: HotkeyAction;
  accelerator: string;
  /** register: ask the OS; invalid: a conflict or a key the OS keeps (never asked); off: "" in the settings. */
  state: 'register' | 'invalid' | 'off';
  message: string | null;
  said?: Said;
}

export function planHotkeys(setting: Settings['hotkeys'], platform: HotkeyPlatform): HotkeyPlanEntry[] {
  const map = effectiveHotkeys(setting);
  const conflicts = new Map(hotkeyConflicts(map, platform).map((c) => [c.action, c]));
  return HOTKEY_ACTIONS.map((action) => {
    const accelerator = map[action];
    if (accelerator === '') return { action, accelerator, state: 'off', message: null };
    const conflict = conflicts.get(action);
    if (conflict) return { action, accelerator, state: 'invalid', message: conflict.message, said: conflict.said };
    return { action, accelerator, state: 'register', message: null };
  });
}

/** The registrations after asking the OS: `registered(accelerator)` is what globalShortcut.register answered. */
export function hotkeyReport(plan: readonly HotkeyPlanEntry[], registered: (accelerator: string) => boolean, language: UiLanguage = 'en'): HotkeyRegistration[] {
  return plan.map((entry) => {
    if (entry.state === 'off') return { action: entry.action, accelerator: '', state: 'off', message: null };
    if (entry.state === 'invalid') return { action: entry.action, accelerator: entry.accelerator, state: 'invalid', message: entry.message, ...(entry.said ? { said: entry.said } : {}) };
    return registered(entry.accelerator)
      ? { action: entry.action, accelerator: entry.accelerator, state: 'registered', message: null }
      : { action: entry.action, accelerator: entry.accelerator, state: 'refused', message: shellTextsIn(language).hotkeys.refused(entry.accelerator) };
  });
}

/** Whether the hotkeys must be registered again: a changed plan (same settings: nothing to do). */
export function samePlan(a: readonly HotkeyPlanEntry[] | null, b: readonly HotkeyPlanEntry[]): boolean {
  return a !== null && a.length === b.length && a.every((e, i) => e.action === b[i]!.action && e.accelerator === b[i]!.accelerator && e.state === b[i]!.state);
}

/** The clipboard's text for "call the number in the clipboard": trimmed, one line, at most what the event carries. */
export function clipboardForDial(text: string): string | null {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '');
  if (!line) return null;
  return line.length > 2048 ? line.slice(0, 2048) : line;
}
