import { app, BrowserWindow, dialog, ipcMain, net, Notification, protocol, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { allMethodChannels, createDispatcher, prepareEvent, type EventName, type EventPayload } from '../../common/contract';
import { buildCsp } from '../../common/csp';
import { createFrontdesk } from '../services/frontdesk';
import { resolveProvisioningPath } from '../services/paths';

/**
 * The Electron shell, kept thin: a window, the app:// scheme that serves the renderer, the IPC
 * handlers of the one contract, and the security guards. Everything else lives in ../services.
 */

const SCHEME = 'app';
const ORIGIN = `${SCHEME}://frontdesk`;
const rendererDir = path.join(__dirname, '../renderer');
const preloadPath = path.join(__dirname, '../preload/preload.cjs');

app.enableSandbox();
protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
}

let mainWindow: BrowserWindow | null = null;
const getMainWindow = () => mainWindow;

const sendToRenderer = <N extends EventName>(name: N, payload: EventPayload<N>) => {
  const { channel, payload: checked } = prepareEvent(name, payload);
  getMainWindow()?.webContents.send(channel, checked);
};

/** The sender check: only the app's own top-level page may call the services. */
function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  if (event.sender !== getMainWindow()?.webContents) return false;
  try {
    return new URL(frame.url).origin === ORIGIN;
  } catch {
    return false;
  }
}

function guardWebContents(contents: WebContents) {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Only plain web links leave the app, and only to the system browser.
    if (/^https:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

async function main() {
  await app.whenReady();

  const frontdesk = createFrontdesk(
    {
      dataDir: app.getPath('userData'),
      provisioningFile: resolveProvisioningPath({
        argv: process.argv,
        env: process.env,
        platform: process.platform,
        userDataDir: app.getPath('userData'),
      }),
      shell: 'electron',
      version: app.getVersion(),
      scriptSamplesDir: path.join(__dirname, '../call-scripts'),
      consentDir: path.join(__dirname, '../recording-consent'),
      showInFolder: (file) => shell.showItemInFolder(file),
      recordingUrl: (id) => `${ORIGIN}/recordings/${encodeURIComponent(id)}.webm`,
      // Built beside main.cjs by scripts/build.ts; Electron reads it from the asar in a worker thread too.
      importWorkerFile: path.join(__dirname, 'importWorker.cjs'),
      notifyIncomingCall: ({ from, line }) => {
        const win = getMainWindow();
        if (!Notification.isSupported() || !win || win.isFocused()) return false;
        const note = new Notification({
          title: `Incoming call: ${from}`,
          body: line ? `On line ${line}. Click to answer in Frontdesk.` : 'Click to answer in Frontdesk.',
          urgency: 'critical',
          timeoutType: 'never',
        });
        note.on('click', () => {
          if (win.isMinimized()) win.restore();
          win.show();
          win.focus();
        });
        note.show();
        return true;
      },
      chooseSaveFile: async (suggestedName) => {
        const options: Electron.SaveDialogOptions = {
          title: 'Save the report',
          defaultPath: path.join(app.getPath('documents'), suggestedName),
          filters: [{ name: 'CSV (Excel)', extensions: ['csv'] }],
          properties: ['showOverwriteConfirmation', 'createDirectory'],
        };
        const win = getMainWindow();
        const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
        return result.canceled || !result.filePath ? null : result.filePath;
      },
    },
    sendToRenderer,
  );
  const dispatch = createDispatcher(frontdesk.handlers);
  app.on('will-quit', () => frontdesk.close());

  for (const channel of allMethodChannels()) {
    ipcMain.handle(channel, async (event, input: unknown) => {
      if (!isTrustedSender(event)) return { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
      return dispatch(channel, input);
    });
  }

  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'frontdesk') return new Response('not found', { status: 404 });
    let rel = decodeURIComponent(url.pathname);
    if (rel.startsWith('/recordings/')) {
      // A recording, for the app's own player (Range requests are served by net.fetch on the file).
      const file = frontdesk.recordings.fileOf(rel.slice('/recordings/'.length).replace(/\.webm$/, ''));
      if (!file) return new Response('no such recording', { status: 404 });
      const response = await net.fetch(pathToFileURL(file).toString(), { headers: request.headers });
      const headers = new Headers(response.headers);
      headers.set('content-type', 'audio/webm');
      return new Response(response.body, { status: response.status, headers });
    }
    if (rel === '/' || !path.extname(rel)) rel = '/index.html';
    const file = path.resolve(rendererDir, `.${rel}`);
    if (!file.startsWith(rendererDir + path.sep)) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', buildCsp({ sipWsUrl: frontdesk.account().account?.wsUrl }));
    headers.set('x-content-type-options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });

  const ses = session.defaultSession;
  // The microphone is the only permission granted, and only to the app's own page.
  ses.setPermissionRequestHandler((contents, permission, callback, details) => {
    const fromApp = details.requestingUrl.startsWith(`${ORIGIN}/`);
    const audioOnly =
      permission === 'media' && 'mediaTypes' in details && (details.mediaTypes ?? []).every((t) => t === 'audio');
    callback(fromApp && audioOnly && contents === getMainWindow()?.webContents);
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permission === 'media' && requestingOrigin === ORIGIN);

  app.on('web-contents-created', (_e, contents) => guardWebContents(contents));

  mainWindow = new BrowserWindow({
    width: 1100,
    height: 720,
    minWidth: 720,
    minHeight: 480,
    title: 'Frontdesk',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      // A softphone must ring and play the caller even when the window is in the background.
      backgroundThrottling: false,
      autoplayPolicy: 'no-user-gesture-required',
    },
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  await mainWindow.loadURL(`${ORIGIN}/index.html`);
}

app.on('second-instance', () => {
  const win = getMainWindow();
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});
app.on('window-all-closed', () => app.quit());

main().catch((error: unknown) => {
  console.error('Frontdesk failed to start:', error);
  app.exit(1);
});
