import { app, BrowserWindow, dialog, ipcMain, net, Notification, protocol, session, shell, type IpcMainInvokeEvent, type WebContents } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { allMethodChannels, createDispatcher, prepareEvent, type EventName, type EventPayload } from '../../common/contract';
import { buildCsp } from '../../common/csp';
import { createFrontdesk } from '../services/frontdesk';
import { fileLogger } from '../services/logger';
import { checkProvisioningFile, formatProvisioningCheck } from '../services/provisioningCheck';
import { safeStorageSecrets } from './secrets';
import { resolveProvisioningPath } from '../services/paths';
import {
  APP_ORIGIN as ORIGIN,
  APP_SCHEME as SCHEME,
  appResponseHeaders,
  decideNavigation,
  decideNewWindow,
  decidePermissionCheck,
  decidePermissionRequest,
  isTrustedSender,
  resolveAppRequest,
  type LinkDecision,
} from './guards';

/**
 * The Electron shell, kept thin: a window, the app:// scheme that serves the renderer, the IPC
 * handlers of the one contract, and the security guards (decided in ./guards.ts, wired here).
 * Everything else lives in ../services.
 */

const rendererDir = path.join(__dirname, '../renderer');
const preloadPath = path.join(__dirname, '../preload/preload.cjs');

// `Frontdesk --provisioning-check FILE`: what `npm run provisioning:check` does, in the packaged app,
// without starting it (exit 0 valid, 1 problems, 2 no file named).
const checkAt = process.argv.indexOf('--provisioning-check');
if (checkAt >= 0) {
  const file = process.argv[checkAt + 1];
  if (!file) {
    process.stderr.write('usage: Frontdesk --provisioning-check FILE\n');
    process.exit(2);
  }
  const report = formatProvisioningCheck(file, checkProvisioningFile(file));
  (report.exitCode === 0 ? process.stdout : process.stderr).write(report.text);
  process.exit(report.exitCode);
}

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

/** The sender check (guards.ts): only the app's own top-level page in the main window may call the services. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return isTrustedSender({
    frameUrl: frame?.url ?? null,
    isMainFrame: Boolean(frame) && frame === event.sender.mainFrame,
    fromMainWindow: event.sender === getMainWindow()?.webContents,
  });
}

function follow(decision: LinkDecision) {
  if (decision.openExternally) void shell.openExternal(decision.openExternally);
}

function guardWebContents(contents: WebContents) {
  const onNavigate = (e: Electron.Event, url: string) => {
    const decision = decideNavigation(url);
    if (!decision.allow) e.preventDefault();
    follow(decision);
  };
  contents.on('will-navigate', (e) => onNavigate(e, e.url));
  // A redirect is the server's doing, not the person's: it is stopped and never followed outside.
  contents.on('will-redirect', (e) => {
    if (!decideNavigation(e.url).allow) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    follow(decideNewWindow(url));
    return { action: 'deny' };
  });
}

async function main() {
  await app.whenReady();

  // electron-log writes logs/frontdesk.log in the data folder, through the services' port. Its Node
  // flavour is enough in the main process (electron-log/main would also listen on an IPC channel
  // for renderer logs, which no sender check guards).
  const dataDir = app.getPath('userData');
  const log = fileLogger({ dir: path.join(dataDir, 'logs'), console: !app.isPackaged });
  log.info(`Frontdesk ${app.getVersion()} starting (Electron ${process.versions.electron}, ${process.platform} ${process.arch})`);
  const secrets = safeStorageSecrets(path.join(dataDir, 'secrets.json'));
  log.info(`secrets are kept in ${secrets.description}`);

  const frontdesk = createFrontdesk(
    {
      dataDir,
      secrets,
      log,
      provisioningFile: resolveProvisioningPath({
        argv: process.argv,
        env: process.env,
        platform: process.platform,
        userDataDir: dataDir,
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
      chooseFolder: async (title, current) => {
        const options: Electron.OpenDialogOptions = { title, defaultPath: current, properties: ['openDirectory', 'createDirectory', 'promptToCreate'] };
        const win = getMainWindow();
        const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
        return result.canceled || !result.filePaths[0] ? null : result.filePaths[0];
      },
    },
    sendToRenderer,
  );
  const dispatch = createDispatcher(frontdesk.handlers);
  app.on('will-quit', () => frontdesk.close());

  for (const channel of allMethodChannels()) {
    ipcMain.handle(channel, async (event, input: unknown) => {
      if (!trustedSender(event)) return { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
      return dispatch(channel, input);
    });
  }

  protocol.handle(SCHEME, async (request) => {
    const target = resolveAppRequest(request.url, rendererDir);
    if (target.kind === 'not-found') return new Response('not found', { status: 404 });
    if (target.kind === 'recording') {
      // A recording, for the app's own player (Range requests are served by net.fetch on the file).
      const file = frontdesk.recordings.fileOf(target.id);
      if (!file) return new Response('no such recording', { status: 404 });
      const response = await net.fetch(pathToFileURL(file).toString(), { headers: request.headers });
      const headers = new Headers(response.headers);
      headers.set('content-type', 'audio/webm');
      return new Response(response.body, { status: response.status, headers });
    }
    const response = await net.fetch(pathToFileURL(target.file).toString());
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(appResponseHeaders(buildCsp({ sipWsUrl: frontdesk.account().account?.wsUrl })))) headers.set(name, value);
    return new Response(response.body, { status: response.status, headers });
  });

  const ses = session.defaultSession;
  // The microphone is the only permission granted, and only to the app's own page (guards.ts).
  ses.setPermissionRequestHandler((contents, permission, callback, details) => {
    callback(
      decidePermissionRequest({
        permission,
        requestingUrl: details.requestingUrl,
        mediaTypes: 'mediaTypes' in details ? details.mediaTypes : undefined,
        fromMainWindow: contents === getMainWindow()?.webContents,
        isMainFrame: details.isMainFrame,
      }),
    );
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => decidePermissionCheck(permission, requestingOrigin));

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
