import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCsp } from '../../common/csp';
import {
  APP_ORIGIN,
  appResponseHeaders,
  decideNavigation,
  decideNewWindow,
  decidePermissionCheck,
  decidePermissionRequest,
  externalUrl,
  isTrustedSender,
  resolveAppRequest,
} from './guards';

describe('navigation and new windows', () => {
  it('never lets the window leave its page; a plain https link opens in the system browser', () => {
    expect(decideNavigation('https://crm.example.com/clients/42')).toEqual({ allow: false, openExternally: 'https://crm.example.com/clients/42' });
    expect(decideNewWindow('https://example.com')).toEqual({ allow: false, openExternally: 'https://example.com/' });
    expect(decideNavigation(`${APP_ORIGIN}/index.html`)).toEqual({ allow: false, openExternally: null });
  });

  it('hands nothing but https to the system browser', () => {
    for (const url of [
      'http://example.com',
      'file:///C:/Windows/System32/calc.exe',
      'smb://attacker/share',
      'javascript:alert(1)',
      'ms-msdt:/id PCWDiagnostic',
      'search-ms:query=x',
      'tel:+74951234567',
      'https://user:pass@example.com/',
      'https://example.com/\u0000x',
      'https://exa mple.com',
      ' https://example.com',
      `https://example.com/${'a'.repeat(3000)}`,
      'https://',
      'not a url',
    ]) {
      expect(externalUrl(url), url).toBeNull();
      expect(decideNewWindow(url).openExternally, url).toBeNull();
    }
  });
});

describe('permissions', () => {
  const fromApp = { permission: 'media', requestingUrl: `${APP_ORIGIN}/index.html`, mediaTypes: ['audio'], fromMainWindow: true, isMainFrame: true };
  it('grants the microphone to the app page in the main window', () => {
    expect(decidePermissionRequest(fromApp)).toBe(true);
  });
  it('refuses the camera, the screen, other permissions, other pages, other windows and frames', () => {
    expect(decidePermissionRequest({ ...fromApp, mediaTypes: ['audio', 'video'] })).toBe(false);
    expect(decidePermissionRequest({ ...fromApp, mediaTypes: ['video'] })).toBe(false);
    expect(decidePermissionRequest({ ...fromApp, mediaTypes: undefined })).toBe(false);
    for (const permission of ['notifications', 'geolocation', 'display-capture', 'openExternal', 'hid', 'fullscreen', 'clipboard-write', 'midi', 'pointerLock']) {
      expect(decidePermissionRequest({ ...fromApp, permission }), permission).toBe(false);
    }
    expect(decidePermissionRequest({ ...fromApp, requestingUrl: 'https://evil.example.com/' })).toBe(false);
    expect(decidePermissionRequest({ ...fromApp, requestingUrl: 'app://other/index.html' })).toBe(false);
    expect(decidePermissionRequest({ ...fromApp, requestingUrl: 'file:///index.html' })).toBe(false);
    expect(decidePermissionRequest({ ...fromApp, fromMainWindow: false })).toBe(false);
    expect(decidePermissionRequest({ ...fromApp, isMainFrame: false })).toBe(false);
  });
  it('grants the clipboard (the in-window clipboard hotkey) to the app page in the main window only', () => {
    for (const permission of ['clipboard-read', 'clipboard-sanitized-write']) {
      expect(decidePermissionRequest({ ...fromApp, permission, mediaTypes: undefined }), permission).toBe(true);
      expect(decidePermissionRequest({ ...fromApp, permission, requestingUrl: 'https://evil.example.com/' }), permission).toBe(false);
      expect(decidePermissionRequest({ ...fromApp, permission, requestingUrl: 'app://frontdesk.evil/index.html' }), permission).toBe(false);
      expect(decidePermissionRequest({ ...fromApp, permission, fromMainWindow: false }), permission).toBe(false);
      expect(decidePermissionRequest({ ...fromApp, permission, isMainFrame: false }), permission).toBe(false);
    }
  });
  it('answers permission checks for media, WebHID and the clipboard from the app origin only', () => {
    for (const permission of ['media', 'hid', 'clipboard-read', 'clipboard-sanitized-write']) {
      expect(decidePermissionCheck(permission, APP_ORIGIN), permission).toBe(true);
      expect(decidePermissionCheck(permission, 'https://evil.example.com'), permission).toBe(false);
      expect(decidePermissionCheck(permission, 'app://frontdesk.evil'), permission).toBe(false);
      expect(decidePermissionCheck(permission, ''), permission).toBe(false);
    }
    for (const permission of ['notifications', 'geolocation', 'serial', 'usb', 'display-capture', 'clipboard-write']) {
      expect(decidePermissionCheck(permission, APP_ORIGIN), permission).toBe(false);
    }
  });
});

describe('the IPC sender check', () => {
  it('trusts only the app page in the main window, top frame', () => {
    const ok = { frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true, fromMainWindow: true };
    expect(isTrustedSender(ok)).toBe(true);
    expect(isTrustedSender({ ...ok, isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ ...ok, fromMainWindow: false })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: null })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'https://frontdesk/index.html' })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'app://frontdesk.evil.com/' })).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'not a url' })).toBe(false);
  });
});

describe('app:// requests', () => {
  const posixRoot = '/opt/Frontdesk/resources/app.asar/dist/renderer';
  const winRoot = 'C:\\Program Files\\Frontdesk\\resources\\app.asar\\dist\\renderer';

  it("serves the renderer's files, the page for paths without an extension, and recordings by id", () => {
    expect(resolveAppRequest('app://frontdesk/', posixRoot, path.posix)).toEqual({ kind: 'file', file: `${posixRoot}/index.html` });
    expect(resolveAppRequest('app://frontdesk/history', posixRoot, path.posix)).toEqual({ kind: 'file', file: `${posixRoot}/index.html` });
    expect(resolveAppRequest('app://frontdesk/assets/index-abc.js?v=1', posixRoot, path.posix)).toEqual({ kind: 'file', file: `${posixRoot}/assets/index-abc.js` });
    expect(resolveAppRequest('app://frontdesk/assets/a%20b.css', winRoot, path.win32)).toEqual({ kind: 'file', file: `${winRoot}\\assets\\a b.css` });
    expect(resolveAppRequest('app://frontdesk/recordings/rec-42.webm', posixRoot, path.posix)).toEqual({ kind: 'recording', id: 'rec-42' });
  });

  it('never serves anything outside the renderer folder', () => {
    const hostile = [
      'app://frontdesk/../../../etc/passwd',
      'app://frontdesk/%2e%2e/%2e%2e/etc/passwd',
      'app://frontdesk/..%2f..%2f..%2fetc%2fpasswd',
      'app://frontdesk/assets/..%2f..%2f..%2fmain%2fmain.cjs',
      'app://frontdesk/..%5c..%5c..%5cWindows%5cwin.ini',
      'app://frontdesk/C:%5cWindows%5cwin.ini',
      'app://frontdesk/%2f%2fserver%2fshare%2fx.js',
      'app://frontdesk/index.html%00.js',
      'app://frontdesk/%E0%A4%A.js',
      'app://frontdesk/recordings/..%2f..%2fsecrets.json',
      'app://frontdesk/recordings/',
      'app://evil/index.html',
      'https://frontdesk/index.html',
      'app:',
    ];
    for (const url of hostile) {
      for (const [root, paths] of [[posixRoot, path.posix], [winRoot, path.win32]] as const) {
        const r = resolveAppRequest(url, root, paths);
        if (r.kind === 'file') expect(r.file.startsWith(root + paths.sep), `${url} → ${r.file}`).toBe(true);
        else if (r.kind === 'recording') expect(r.id, url).not.toMatch(/[/\\]/);
      }
    }
    expect(resolveAppRequest('app://frontdesk/..%5c..%5cWindows%5cwin.ini', winRoot, path.win32)).toEqual({ kind: 'not-found' });
    expect(resolveAppRequest('app://frontdesk/%E0%A4%A.js', posixRoot, path.posix)).toEqual({ kind: 'not-found' });
    expect(resolveAppRequest('app://frontdesk/recordings/..%2fx', posixRoot, path.posix)).toEqual({ kind: 'not-found' });
  });

  it('sends the CSP and nosniff with every page', () => {
    const headers = appResponseHeaders(buildCsp({ sipWsUrl: 'wss://pbx.example.com:8089/ws' }));
    expect(headers['content-security-policy']).toContain("connect-src 'self' wss://pbx.example.com:8089;");
    expect(headers['content-security-policy']).toContain("script-src 'self';");
    expect(headers['x-content-type-options']).toBe('nosniff');
  });
});
