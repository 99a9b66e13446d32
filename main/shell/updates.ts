import type { DesktopStatus } from '../../common/desktop';
import type { Settings } from '../../common/settings';

/**
 * Auto-update (electron-updater, generic provider): whether to look for updates at all, and when a
 * downloaded one may be installed. An update never restarts Frontdesk during a call: it waits for
 * the calls to end (or is installed when Frontdesk quits).
 */

export type UpdateConfig = { enabled: false; reason: string } | { enabled: true; feedUrl: string };

export function updateConfig(values: Pick<Settings, 'autoUpdate' | 'updateFeedUrl'>, state: { isPackaged: boolean; platform: NodeJS.Platform; appImage: boolean }): UpdateConfig {
  if (!values.autoUpdate) return { enabled: false, reason: 'updates are turned off (autoUpdate: false)' };
  if (values.updateFeedUrl === '') return { enabled: false, reason: 'no update feed is set (updateFeedUrl)' };
  if (!state.isPackaged) return { enabled: false, reason: 'not a packaged app' };
  // A .deb is updated by the system's package manager; electron-updater updates an AppImage only.
  if (state.platform === 'linux' && !state.appImage) return { enabled: false, reason: 'installed as a package: updated by the package manager' };
  return { enabled: true, feedUrl: values.updateFeedUrl.endsWith('/') ? values.updateFeedUrl : `${values.updateFeedUrl}/` };
}

export type InstallDecision = { install: true } | { install: false; reason: 'no-update' | 'in-call' | 'ringing' | 'quitting-installs' };

/**
 * Whether to install a downloaded update now (quitting and restarting Frontdesk): only when no call
 * rings or goes on, by the last status the session reported. Without one (the page has not
 * reported yet) it waits: an unknown state is never taken for an idle one.
 */
export function installDecision(state: { updateReady: boolean; status: DesktopStatus | null }): InstallDecision {
  if (!state.updateReady) return { install: false, reason: 'no-update' };
  if (!state.status) return { install: false, reason: 'in-call' };
  if (state.status.ringing.length > 0) return { install: false, reason: 'ringing' };
  if (state.status.calls > 0) return { install: false, reason: 'in-call' };
  return { install: true };
}

/** How often to look for updates (every 4 hours, and at start). */
export const UPDATE_CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000;
