import path from 'node:path';

/**
 * The Electron shell's security decisions, as plain functions of plain values: main.ts only asks
 * them and wires the answers to Electron's events, and the unit tests can say what each guard lets
 * through. No Electron import here (tests run in Node).
 */

/** The scheme and origin the renderer is served from. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'frontdesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Longest URL handed to the system browser (a real link is far shorter). */
const MAX_EXTERNAL_URL = 2048;

/**
 * A URL the page may hand to the system browser: https only, a host name, no credentials, no
 * control characters; returned as the URL parser wrote it. null for anything else (file:, smb:,
 * javascript:, a custom protocol that would start a program…).
 */
export function externalUrl(url: string): string | null {
  if (typeof url !== 'string' || url.length > MAX_EXTERNAL_URL) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s]/.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' || !parsed.hostname || parsed.username || parsed.password) return null;
  return parsed.href;
}

export interface LinkDecision {
  /** Whether the page (or a new window) may go there: never; Frontdesk is one page. */
  allow: false;
  /** A plain web link, to open in the system browser instead; null when it is dropped. */
  openExternally: string | null;
}

/**
 * will-navigate / will-redirect and setWindowOpenHandler: the app's window never leaves its page and
 * never opens another window; a plain https link opens in the system browser.
 */
export function decideNavigation(url: string): LinkDecision {
  return { allow: false, openExternally: externalUrl(url) };
}
export const decideNewWindow = decideNavigation;

/** Whether a URL is the app's own page (app://frontdesk/…). */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

export interface PermissionRequest {
  permission: string;
  requestingUrl: string;
  /** For "media": what is asked for ("audio", "video"); absent when Electron gives no list. */
  mediaTypes?: readonly string[] | undefined;
  /** Whether the request comes from the app's main window (not another webContents). */
  fromMainWindow: boolean;
  /** Whether the requesting frame is the top frame (no iframe asks for the microphone). */
  isMainFrame: boolean;
}

/**
 * Permissions the app's own page gets besides the microphone: reading the clipboard (the in-window
 * "call the number in the clipboard" hotkey reads it with navigator.clipboard.readText) and writing
 * to it (copying a number).
 */
const CLIPBOARD_PERMISSIONS: readonly string[] = ['clipboard-read', 'clipboard-sanitized-write'];

/**
 * setPermissionRequestHandler: the microphone (only audio: never the camera or the screen) and the
 * clipboard, for the app's own page in its main window and top frame; nothing else.
 */
export function decidePermissionRequest(request: PermissionRequest): boolean {
  if (!request.fromMainWindow || !request.isMainFrame || !isAppUrl(request.requestingUrl)) return false;
  if (CLIPBOARD_PERMISSIONS.includes(request.permission)) return true;
  if (request.permission !== 'media') return false;
  // Electron names the types of a getUserMedia request; one without the list is not one.
  return request.mediaTypes !== undefined && request.mediaTypes.every((t) => t === 'audio');
}

/**
 * setPermissionCheckHandler (synchronous checks: device labels, WebHID, the clipboard): media, hid
 * (which devices is HidGrants' decision, hid.ts) and the clipboard, for the app's origin only.
 */
export function decidePermissionCheck(permission: string, requestingOrigin: string): boolean {
  if (requestingOrigin !== APP_ORIGIN) return false;
  return permission === 'media' || permission === 'hid' || CLIPBOARD_PERMISSIONS.includes(permission);
}

export interface IpcSender {
  /** The URL of the frame that sent the message (event.senderFrame.url); null when it is gone. */
  frameUrl: string | null;
  /** Whether that frame is its page's top frame. */
  isMainFrame: boolean;
  /** Whether the sending webContents is the app's main window. */
  fromMainWindow: boolean;
}

/** The IPC sender check: only the app's own top frame in the main window may call the services. */
export function isTrustedSender(sender: IpcSender): boolean {
  return sender.fromMainWindow && sender.isMainFrame && isAppUrl(sender.frameUrl);
}

export type AppRequest =
  | { kind: 'file'; file: string }
  | { kind: 'recording'; id: string }
  | { kind: 'not-found' };

/**
 * What an app:// request asks for: a file of the built renderer (paths without an extension are
 * the single page's index.html), or a recording by id. Anything outside the renderer folder
 * (`..`, encoded `%2e%2e`, a backslash on Windows, a drive letter, a NUL), another host, or a
 * malformed escape is not found. `paths` is path.win32 or path.posix (the tests check both).
 */
export function resolveAppRequest(requestUrl: string, rendererDir: string, paths: path.PlatformPath = path): AppRequest {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'not-found' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { kind: 'not-found' };
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    return { kind: 'not-found' };
  }
  if (rel.includes('\0')) return { kind: 'not-found' };
  if (rel.startsWith('/recordings/')) {
    const id = rel.slice('/recordings/'.length).replace(/\.webm$/, '');
    return id && !/[/\\]/.test(id) ? { kind: 'recording', id } : { kind: 'not-found' };
  }
  if (rel === '/' || !paths.extname(rel)) rel = '/index.html';
  // On Windows a backslash is a separator too (path.resolve handles "..\\"), and a ":" names a drive or a stream.
  if (paths === path.win32 && rel.includes(':')) return { kind: 'not-found' };
  const root = paths.resolve(rendererDir);
  const file = paths.resolve(root, `.${rel}`);
  if (!file.startsWith(root + paths.sep)) return { kind: 'not-found' };
  return { kind: 'file', file };
}

/** Headers on every page the app:// scheme serves (the CSP is common/csp.ts's). */
export function appResponseHeaders(csp: string): Record<string, string> {
  return { 'content-security-policy': csp, 'x-content-type-options': 'nosniff' };
}
