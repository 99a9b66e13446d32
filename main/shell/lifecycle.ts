/**
 * The window's life beside the tray: closing it hides Frontdesk in the tray (a setting), Quit in
 * the tray's menu (or the OS ending the session) quits; starting at login starts in the tray.
 */

/** What closing the window does. */
export function closeDecision(state: { closeToTray: boolean; quitting: boolean; hasTray: boolean }): 'hide' | 'close' {
  return state.closeToTray && state.hasTray && !state.quitting ? 'hide' : 'close';
}

/** The switch a login start carries, so Frontdesk starts in the tray without showing its window. */
export const HIDDEN_SWITCH = '--hidden';

/** app.setLoginItemSettings for the startAtLogin setting (Windows and macOS; Linux has no such API: an autostart entry). */
export function loginItemSettings(startAtLogin: boolean): { openAtLogin: boolean; args: string[] } {
  return { openAtLogin: startAtLogin, args: startAtLogin ? [HIDDEN_SWITCH] : [] };
}

/**
 * Linux's autostart entry (~/.config/autostart/frontdesk.desktop) for startAtLogin: its text, or
 * null to remove it. `exec` is the AppImage's path (APPIMAGE) or the installed binary.
 */
export function linuxAutostartEntry(startAtLogin: boolean, exec: string): string | null {
  if (!startAtLogin) return null;
  const quoted = `"${exec.replace(/(["`$\\])/g, '\\$1')}"`;
  return ['[Desktop Entry]', 'Type=Application', 'Name=Frontdesk', `Exec=${quoted} ${HIDDEN_SWITCH}`, 'X-GNOME-Autostart-enabled=true', 'NoDisplay=true', ''].join('\n');
}

/** Whether the window is shown at start: not when started at login with the hidden switch and a tray to come back from. */
export function showAtStart(argv: readonly string[], hasTray: boolean): boolean {
  return !(hasTray && argv.includes(HIDDEN_SWITCH));
}

/**
 * Chromium switches so the SIP engine keeps its pace while the window is hidden in the tray or
 * covered: no lower priority for a background renderer, no timer throttling, no backgrounding of
 * occluded windows (the window's own `backgroundThrottling: false` covers the page's timers).
 */
export const KEEP_AWAKE_SWITCHES = ['disable-renderer-backgrounding', 'disable-background-timer-throttling', 'disable-backgrounding-occluded-windows'] as const;

/**
 * Chromium features turned off: its handling of the keyboard's media keys, which would take the
 * play/pause key for the media session of a call's audio element (pausing the caller) instead of
 * leaving it to the page's headset and hotkey handling.
 */
export const DISABLED_FEATURES = ['HardwareMediaKeyHandling'] as const;

/**
 * The one value of the `disable-features` switch: Chromium reads only one, so the features already
 * there (another switch, the command line) and ours are joined, each once.
 */
export function disableFeaturesValue(existing: string, ours: readonly string[] = DISABLED_FEATURES): string {
  const names = [...existing.split(','), ...ours].map((n) => n.trim()).filter(Boolean);
  return [...new Set(names)].join(',');
}
