import type { DesktopStatus } from '../../common/desktop';
import type { UiLanguage } from '../../common/i18n';
import { shellTextsIn } from './texts';

/**
 * The tray icon and its menu, as a function of what the session reported: main.ts turns the model
 * into a Tray and a Menu and sends `desktop.command` {source: 'tray'} for the items that act on calls.
 */

/** The icon's state: ringing over DND over registered; anything else is offline. */
export type TrayIconState = 'ringing' | 'dnd' | 'registered' | 'offline';

export type TrayItemId = 'show' | 'answer' | 'decline' | 'hangUp' | 'dnd' | 'quit';

export interface TrayMenuItem {
  id: TrayItemId;
  label: string;
  /** For "dnd": a checkbox, ticked while DND is on. */
  checked?: boolean;
  enabled: boolean;
  /** For "answer"/"decline": the ringing call it means. */
  callId?: string;
}

export interface TrayModel {
  icon: TrayIconState;
  /** Whether the icon carries the missed-calls dot. */
  missedDot: boolean;
  /** The icon's file name (build/tray/<name>.png is drawn for each). */
  iconFile: string;
  tooltip: string;
  menu: TrayMenuItem[];
}

const MAX_TOOLTIP = 127; // Windows cuts a tray tooltip at 127 characters

/**
 * The tray for a status; `dndLocked`: the admin has locked the setting, so the item is greyed;
 * `language`: the UI's (`shellLanguage`), English when not given.
 */
export function trayModel(status: DesktopStatus, opts: { dndLocked: boolean; language?: UiLanguage }): TrayModel {
  const texts = shellTextsIn(opts.language ?? 'en');
  const t = texts.tray;
  const dndOn = status.dnd !== 'off';
  const icon: TrayIconState =
    status.ringing.length > 0 ? 'ringing' : dndOn ? 'dnd' : status.registration === 'registered' ? 'registered' : 'offline';
  const missedDot = status.missed > 0;
  const parts = [t.registration[status.registration]];
  if (dndOn) parts.push(t.dndOn);
  if (status.ringing.length > 0) parts.push(t.ringing(status.ringing[0]!.caller));
  if (status.calls > 0) parts.push(t.calls(status.calls));
  if (missedDot) parts.push(t.missed(status.missed));
  let tooltip = `${texts.appName}: ${parts.join(', ')}`;
  if (tooltip.length > MAX_TOOLTIP) tooltip = `${tooltip.slice(0, MAX_TOOLTIP - 1)}…`;

  const menu: TrayMenuItem[] = [{ id: 'show', label: t.show, enabled: true }];
  const ringing = status.ringing[0];
  if (ringing) {
    menu.push({ id: 'answer', label: t.answer(shortCaller(ringing.caller)), enabled: true, callId: ringing.callId });
    menu.push({ id: 'decline', label: t.decline, enabled: true, callId: ringing.callId });
  }
  if (status.calls > 0) menu.push({ id: 'hangUp', label: t.hangUp, enabled: true });
  menu.push({ id: 'dnd', label: t.dnd, checked: dndOn, enabled: !opts.dndLocked });
  menu.push({ id: 'quit', label: t.quit, enabled: true });
  return { icon, missedDot, iconFile: `${icon}${missedDot ? '-missed' : ''}`, tooltip, menu };
}

/** A caller's name fit for a menu item (menus do not wrap), without control characters. */
function shortCaller(caller: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = caller.replace(/[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g, ' ').trim() || '?';
  // "&" is a menu accelerator marker on Windows: doubled, it shows as itself.
  const cut = clean.length > 40 ? `${clean.slice(0, 39)}…` : clean;
  return cut.replace(/&/g, '&&');
}

/** The tray's DND item was clicked: the value the `dnd` setting takes ("missed" is kept as the way back from off). */
export function toggledDnd(current: 'off' | 'reject' | 'missed', lastOn: 'reject' | 'missed' | null): 'off' | 'reject' | 'missed' {
  if (current !== 'off') return 'off';
  return lastOn ?? 'reject';
}

/** Every icon file the tray may ask for (the icon script draws each). */
export const TRAY_ICON_FILES: string[] = (['ringing', 'dnd', 'registered', 'offline'] as const).flatMap((s) => [s, `${s}-missed`]);
