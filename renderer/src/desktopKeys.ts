import { hotkeyActionFor, type HotkeyPlatform, type KeyPress } from '../../common/hotkeys';
import { effectiveHotkeys } from '../../common/settings';
import { handledGlobally, type CallSession } from './session';
import { i18n } from './i18n';

/**
 * The hotkeys (settings `hotkeys`, the same definitions the desktop app registers as global
 * shortcuts) also work while the Frontdesk window has the focus: the browser host has no global
 * shortcuts, and in the desktop app a hotkey another program took still works here. A global
 * shortcut the shell registered usually takes the key before the window sees it; where the key
 * still reaches the window, an action the shell reports registered is left to the shell, so one
 * press is one command.
 */

/** The platform whose meaning of CommandOrControl applies (Command on macOS). */
export function platformOf(nav: { platform?: string; userAgent?: string }): HotkeyPlatform {
  const text = `${nav.platform ?? ''} ${nav.userAgent ?? ''}`;
  if (/Mac|iPhone|iPad/i.test(text)) return 'darwin';
  if (/Win/i.test(text)) return 'win32';
  return 'linux';
}

export interface HotkeyTarget {
  addEventListener(type: 'keydown', listener: (e: KeyboardEvent) => void): void;
  removeEventListener(type: 'keydown', listener: (e: KeyboardEvent) => void): void;
}

/** Listens for the hotkeys on the window; returns the function that stops it. */
export function listenForHotkeys(
  target: HotkeyTarget,
  session: Pick<CallSession, 'command' | 'getState' | 'notice'>,
  readClipboard: () => Promise<string>,
  platform: HotkeyPlatform,
): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.repeat || e.isComposing) return;
    const map = effectiveHotkeys(session.getState().settings?.values.hotkeys ?? {});
    const action = hotkeyActionFor(map, e as KeyPress, platform);
    if (!action) return;
    e.preventDefault();
    if (handledGlobally(session.getState().shellHotkeys, action)) return;
    if (action !== 'dialClipboard') {
      session.command({ action, source: 'hotkey' });
      return;
    }
    readClipboard().then(
      (text) => session.command({ action, source: 'hotkey', text: text.slice(0, 2048) }),
      (error: Error) => session.notice(i18n.t('desktop.clipboardUnreadable', { error: error.message })),
    );
  };
  target.addEventListener('keydown', onKey);
  return () => target.removeEventListener('keydown', onKey);
}
