import type { IncomingCallNotice } from '../../common/contract';
import type { UiLanguage } from '../../common/i18n';
import { shellTextsIn } from './texts';

/**
 * The incoming-call notification per platform, as plain data main.ts hands to `new Notification()`:
 *  - macOS: Answer and Decline buttons (`actions`; the 'action' event gives the button's index);
 *  - Windows: a toast of the "incomingCall" scenario (it stays up and rings like a phone's) with
 *    Answer and Decline buttons, written as toastXml (which supersedes the other options);
 *  - Linux: Electron has no notification buttons there: a critical notification that stays, and a
 *    click on it brings Frontdesk's window to the front.
 * A click on the notification's body always shows the window.
 */

export type NotificationPlatform = 'darwin' | 'win32' | 'linux';
export type NotificationAction = 'answer' | 'decline';

export interface NotificationPlan {
  options: {
    title: string;
    body: string;
    silent?: boolean;
    urgency?: 'critical';
    timeoutType?: 'never';
    actions?: { type: 'button'; text: string }[];
    closeButtonText?: string;
    toastXml?: string;
  };
  /** What each button index of the 'action' event means (none on Linux). */
  actions: NotificationAction[];
}

/** Text made safe for XML (attribute or element content), without control characters. */
export function xmlText(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udfff]/g, (c, i: number, s: string) => {
      // a lone surrogate is not XML; a pair is kept
      const code = c.charCodeAt(0);
      if (code <= 0xdbff) return /[\udc00-\udfff]/.test(s[i + 1] ?? '') ? c : '';
      return /[\ud800-\udbff]/.test(s[i - 1] ?? '') ? c : '';
    })
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `language`: the UI's (`shellLanguage`), English when not given. */
export function incomingCallNotification(notice: IncomingCallNotice, platform: NotificationPlatform, language: UiLanguage = 'en'): NotificationPlan {
  const t = shellTextsIn(language).notification;
  const title = t.title(notice.from);
  const body = t.body(notice.line);
  if (platform === 'darwin') {
    return {
      options: {
        title,
        body,
        actions: [
          { type: 'button', text: t.answer },
          { type: 'button', text: t.decline },
        ],
        // macOS shows a notification with several actions as an alert with an "Options" menu; the
        // close button keeps its system name.
      },
      actions: ['answer', 'decline'],
    };
  }
  if (platform === 'win32') {
    const toastXml = [
      '<toast scenario="incomingCall" activationType="foreground" launch="frontdesk-action=show">',
      '<visual><binding template="ToastGeneric">',
      `<text>${xmlText(title)}</text>`,
      `<text>${xmlText(body)}</text>`,
      '</binding></visual>',
      '<audio src="ms-winsoundevent:Notification.Looping.Call" loop="true"/>',
      '<actions>',
      `<action content="${xmlText(t.answer)}" arguments="frontdesk-action=answer" activationType="foreground"/>`,
      `<action content="${xmlText(t.decline)}" arguments="frontdesk-action=decline" activationType="foreground"/>`,
      '</actions>',
      '</toast>',
    ].join('');
    return { options: { title, body, toastXml }, actions: ['answer', 'decline'] };
  }
  return { options: { title, body: `${body} ${t.clickHint}`, urgency: 'critical', timeoutType: 'never' }, actions: [] };
}

/** The button a Windows toast's activation arguments name ("frontdesk-action=answer"), or null. */
export function toastArgumentAction(args: string): NotificationAction | 'show' | null {
  const m = /^frontdesk-action=(answer|decline|show)$/.exec(args.trim());
  return m ? (m[1] as NotificationAction | 'show') : null;
}

/** What an 'action' event's index means for a plan; null for an index it does not have. */
export function actionAt(plan: NotificationPlan, index: number): NotificationAction | null {
  return Number.isInteger(index) && index >= 0 && index < plan.actions.length ? plan.actions[index]! : null;
}

/**
 * Whether to show a notification and bring the window forward for a ringing call: a notification
 * when the window is not in front; the window to the front when the setting says so (and it is
 * not in front already).
 */
export function incomingCallReaction(state: { windowFocused: boolean; windowVisible: boolean; bringToFront: boolean; supported: boolean }): {
  notify: boolean;
  bringToFront: boolean;
} {
  const inFront = state.windowFocused && state.windowVisible;
  return { notify: state.supported && !inFront, bringToFront: state.bringToFront && !inFront };
}
