import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  globalShortcut,
  ipcMain,
  Menu,
  nativeImage,
  net,
  Notification,
  protocol,
  screen,
  session,
  shell,
  Tray,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { autoUpdater } from 'electron-updater';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { allMethodChannels, createDispatcher, prepareEvent, type EventName, type EventPayload, type IncomingCallNotice } from '../../common/contract';
import { buildCsp } from '../../common/csp';
import type { DesktopStatus, ShellState } from '../../common/desktop';
import type { HotkeyAction, HotkeyPlatform } from '../../common/hotkeys';
import type { Settings } from '../../common/settings';
import type { LanguageSetting } from '../../common/i18n';
import { shellLanguage } from './texts';
import { createFrontdesk } from '../services/frontdesk';
import { fileLogger } from '../services/logger';
import { checkProvisioningFile, formatProvisioningCheck } from '../services/provisioningCheck';
import { resolveProvisioningPath } from '../services/paths';
import {
  APP_ORIGIN as ORIGIN,
  APP_SCHEME as SCHEME,
  appResponseHeaders,
  decideNavigation,
  decideNewWindow,
  decidePermissionCheck,
  decidePermissionRequest,
  isAppUrl,
  isTrustedSender,
  resolveAppRequest,
  type LinkDecision,
} from './guards';
import { clipboardForDial, hotkeyReport, planHotkeys, samePlan, type HotkeyPlanEntry } from './hotkeys';
import { closeDecision, disableFeaturesValue, KEEP_AWAKE_SWITCHES, linuxAutostartEntry, loginItemSettings, showAtStart } from './lifecycle';
import { HidGrants, type HidDeviceInfo } from './hid';
import { actionAt, incomingCallNotification, incomingCallReaction, type NotificationPlatform } from './notification';
import { LinkRelay, linkFromArgv, PROTOCOL_SCHEMES, protocolClientArgs, shouldClaimScheme } from './osLinks';
import { saveDialogFor } from './saveDialog';
import { safeStorageSecrets } from './secrets';
import { toggledDnd, trayModel, type TrayMenuItem } from './tray';
import { installDecision, updateConfig, UPDATE_CHECK_INTERVAL_MS } from './updates';
import { parseWindowState, restoreBounds, windowStateText } from './windowState';

/**
 * The Electron shell, kept thin: a window, the app:// scheme that serves the renderer, the IPC
 * handlers of the one contract, the security guards (./guards.ts), and the desktop around the
 * window: tray, incoming-call notifications, global hotkeys, OS links, login start, window state
 * and updates. Every decision is a plain function in this folder (tested); this file wires them.
 * Everything else lives in ../services.
 */

const rendererDir = path.join(__dirname, '../renderer');
const preloadPath = path.join(__dirname, '../preload/preload.cjs');
const trayIconDir = path.join(__dirname, '../tray');
const APP_ID = 'com.frontdesk.softphone';

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
for (const name of KEEP_AWAKE_SWITCHES) app.commandLine.appendSwitch(name);
// Media keys reach the page (headset, hotkeys) rather than pausing a call's audio; one value joins any given already.
app.commandLine.appendSwitch('disable-features', disableFeaturesValue(app.commandLine.getSwitchValue('disable-features')));
if (process.platform === 'win32') app.setAppUserModelId(APP_ID); // toasts are shown under it
protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

const primaryInstance = app.requestSingleInstanceLock();

let mainWindow: BrowserWindow | null = null;
const getMainWindow = () => mainWindow;
let tray: Tray | null = null;
let quitting = false;

const sendToRenderer = <N extends EventName>(name: N, payload: EventPayload<N>) => {
  const { channel, payload: checked } = prepareEvent(name, payload);
  getMainWindow()?.webContents.send(channel, checked);
};

/** tel:/sip:/callto: links, held until the page's session reports in (desktop.status). */
const links = new LinkRelay((url) => sendToRenderer('desktop.link', { url }));

function showWindow() {
  const win = getMainWindow();
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.moveTop();
  win.focus();
}

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
  if (decision.openExternally) shell.openExternal(decision.openExternally).catch(() => undefined);
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

const hotkeyPlatform = (): HotkeyPlatform => (process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux');
const notificationPlatform = (): NotificationPlatform => hotkeyPlatform();
/** The UI's language for the shell's own texts: the setting, "auto" from the OS's preferred languages. */
const uiLanguage = (setting: LanguageSetting) => shellLanguage(setting, app.getPreferredSystemLanguages().length ? app.getPreferredSystemLanguages() : [app.getLocale()]);

async function main() {
  await app.whenReady();

  // electron-log writes logs/frontdesk.log in the data folder, through the services' port. Its Node
  // flavour is enough in the main process (electron-log/main would also listen on an IPC channel
  // for renderer logs, which no sender check guards).
  const dataDir = app.getPath('userData');
  const log = fileLogger({ dir: path.join(dataDir, 'logs'), console: !app.isPackaged });
  log.info(`Frontdesk ${app.getVersion()} starting (Electron ${process.versions.electron}, ${process.platform} ${process.arch})`);
  const secrets = await safeStorageSecrets(path.join(dataDir, 'secrets.json'), log);
  log.info(`secrets are kept in ${secrets.description}`);

  // What the session last reported (null until it does: the updater never takes that for "no call").
  let lastStatus: DesktopStatus | null = null;
  let shellState: ShellState = { hotkeys: [] };
  let ringingNotes = new Map<string, Notification>();

  const notifyIncomingCall = (notice: IncomingCallNotice): boolean => {
    const win = getMainWindow();
    if (!win) return false;
    const reaction = incomingCallReaction({
      windowFocused: win.isFocused(),
      windowVisible: win.isVisible() && !win.isMinimized(),
      bringToFront: frontdesk.settings.view().values.bringToFrontOnCall,
      supported: Notification.isSupported(),
    });
    if (reaction.bringToFront) showWindow();
    if (!reaction.notify) return false;
    const plan = incomingCallNotification(notice, notificationPlatform(), uiLanguage(frontdesk.settings.view().values.language));
    const note = new Notification(plan.options);
    note.on('click', () => showWindow());
    note.on('action', (details) => {
      const action = actionAt(plan, details.actionIndex);
      if (action) sendToRenderer('desktop.command', { action, source: 'notification', ...(notice.callId ? { callId: notice.callId } : {}) });
      if (action === 'answer') showWindow();
    });
    note.on('close', () => {
      if (notice.callId && ringingNotes.get(notice.callId) === note) ringingNotes.delete(notice.callId);
    });
    // Kept until the call stops ringing (and so not collected while it is on screen).
    ringingNotes.set(notice.callId ?? `call-${Date.now()}`, note);
    note.show();
    return true;
  };

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
      notifyIncomingCall,
      desktopStatus: (status) => {
        lastStatus = status;
        links.ready();
        // A notification for a call that stopped ringing goes away.
        const stillRinging = new Set(status.ringing.map((r) => r.callId));
        for (const [callId, note] of ringingNotes) {
          if (!stillRinging.has(callId)) {
            note.close();
            ringingNotes.delete(callId);
          }
        }
        updateTray();
        maybeInstallUpdate();
        return shellState;
      },
      chooseSaveFile: async (suggestedName) => {
        const options: Electron.SaveDialogOptions = {
          ...saveDialogFor(suggestedName),
          defaultPath: path.join(app.getPath('documents'), suggestedName),
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
  const settings = () => frontdesk.settings.view();

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
  // WebHID: headsets with call buttons only (hid.ts); the chooser picks the telephony device itself.
  const hidGrants = new HidGrants(ORIGIN);
  ses.on('select-hid-device', (event, details, callback) => {
    event.preventDefault();
    // (Node's URL gives a custom scheme's origin as "null": the frame is checked as the app's page instead.)
    callback(hidGrants.choose(isAppUrl(details.frame?.url) ? ORIGIN : '', details.deviceList));
  });
  ses.setDevicePermissionHandler((details) => details.deviceType === 'hid' && hidGrants.allows(details.origin, details.device as HidDeviceInfo));

  app.on('web-contents-created', (_e, contents) => guardWebContents(contents));

  // ---- Tray -------------------------------------------------------------------------------------
  let lastDndOn: 'reject' | 'missed' | null = null;
  const trayClick = (item: TrayMenuItem) => {
    switch (item.id) {
      case 'show':
        showWindow();
        break;
      case 'quit':
        quitting = true;
        app.quit();
        break;
      case 'dnd': {
        const current = settings().values.dnd;
        if (current !== 'off') lastDndOn = current;
        try {
          frontdesk.settings.set({ key: 'dnd', value: toggledDnd(current, lastDndOn) });
        } catch (error) {
          log.warn(`tray: do not disturb could not be changed (${(error as Error).message})`);
        }
        break;
      }
      case 'answer':
      case 'decline':
      case 'hangUp':
        sendToRenderer('desktop.command', { action: item.id, source: 'tray', ...(item.callId ? { callId: item.callId } : {}) });
        if (item.id === 'answer') showWindow();
        break;
    }
  };
  function updateTray() {
    if (!tray) return;
    const view = settings();
    const status: DesktopStatus = { ...(lastStatus ?? { registration: 'connecting', missed: 0, calls: 0, ringing: [] }), dnd: view.values.dnd };
    const model = trayModel(status, { dndLocked: view.locked.includes('dnd'), language: uiLanguage(view.values.language) });
    tray.setImage(trayIcon(model.iconFile));
    tray.setToolTip(model.tooltip);
    tray.setContextMenu(
      Menu.buildFromTemplate(
        model.menu.map((item) => ({
          label: item.label,
          enabled: item.enabled,
          ...(item.checked !== undefined ? { type: 'checkbox' as const, checked: item.checked } : {}),
          click: () => trayClick(item),
        })),
      ),
    );
  }
  try {
    tray = new Tray(trayIcon('offline'));
    tray.on('click', () => showWindow());
    updateTray();
  } catch (error) {
    log.warn(`no tray icon (${(error as Error).message}): closing the window quits Frontdesk`);
    tray = null;
  }

  // ---- Global hotkeys ---------------------------------------------------------------------------
  let hotkeyPlan: HotkeyPlanEntry[] | null = null;
  const onHotkey = (action: HotkeyAction) => {
    if (action === 'dialClipboard') {
      clipboard
        .readText()
        .then((raw) => {
          const text = clipboardForDial(raw);
          if (text === null) return;
          sendToRenderer('desktop.command', { action, source: 'hotkey', text });
          showWindow();
        })
        .catch((error: unknown) => log.warn(`the clipboard could not be read: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    sendToRenderer('desktop.command', { action, source: 'hotkey' });
  };
  const registerHotkeys = (values: Settings) => {
    const plan = planHotkeys(values.hotkeys, hotkeyPlatform());
    if (samePlan(hotkeyPlan, plan)) return;
    hotkeyPlan = plan;
    globalShortcut.unregisterAll();
    const report = hotkeyReport(plan, (accelerator) => {
      const action = plan.find((e) => e.accelerator === accelerator)!.action;
      try {
        return globalShortcut.register(accelerator, () => onHotkey(action));
      } catch {
        return false;
      }
    }, uiLanguage(values.language));
    for (const r of report) if (r.state === 'refused' || r.state === 'invalid') log.warn(`hotkey ${r.action} (${r.accelerator}) not registered: ${r.message}`);
    shellState = { hotkeys: report };
    sendToRenderer('desktop.shell', shellState);
  };

  // ---- Start at login ---------------------------------------------------------------------------
  let loginSetting: boolean | null = null;
  const applyLoginStart = (startAtLogin: boolean) => {
    if (!app.isPackaged || loginSetting === startAtLogin) return;
    loginSetting = startAtLogin;
    try {
      if (process.platform === 'linux') {
        const file = path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'autostart', 'frontdesk.desktop');
        const entry = linuxAutostartEntry(startAtLogin, process.env.APPIMAGE || process.execPath);
        if (entry === null) rmSync(file, { force: true });
        else {
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, entry);
        }
      } else {
        app.setLoginItemSettings(loginItemSettings(startAtLogin));
      }
    } catch (error) {
      log.warn(`start at login could not be ${startAtLogin ? 'set' : 'removed'}: ${(error as Error).message}`);
    }
  };

  // ---- Updates ----------------------------------------------------------------------------------
  let updateReady = false;
  let updateFeed: string | null = null;
  let updateTimer: ReturnType<typeof setInterval> | null = null;
  autoUpdater.logger = { info: (m: unknown) => log.info(`updater: ${String(m)}`), warn: (m: unknown) => log.warn(`updater: ${String(m)}`), error: (m: unknown) => log.error(`updater: ${String(m)}`), debug: () => undefined };
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.on('update-downloaded', (info) => {
    updateReady = true;
    log.info(`update ${info.version} downloaded: installed when no call is going on, or when Frontdesk quits`);
    maybeInstallUpdate();
  });
  autoUpdater.on('error', (error) => log.warn(`update failed: ${error.message}`));
  const checkForUpdates = () => {
    autoUpdater.checkForUpdates().catch((error: unknown) => log.warn(`update check failed: ${error instanceof Error ? error.message : String(error)}`));
  };
  const applyUpdateSettings = (values: Settings) => {
    const config = updateConfig(values, { isPackaged: app.isPackaged, platform: process.platform, appImage: Boolean(process.env.APPIMAGE) });
    const feed = config.enabled ? config.feedUrl : null;
    if (feed === updateFeed) return;
    updateFeed = feed;
    if (updateTimer) clearInterval(updateTimer);
    updateTimer = null;
    autoUpdater.autoInstallOnAppQuit = config.enabled;
    if (!config.enabled) {
      updateReady = false; // one downloaded before updates were turned off is not installed
      log.info(`updates off: ${config.reason}`);
      return;
    }
    autoUpdater.setFeedURL({ provider: 'generic', url: config.feedUrl });
    log.info(`updates from ${config.feedUrl}`);
    checkForUpdates();
    updateTimer = setInterval(checkForUpdates, UPDATE_CHECK_INTERVAL_MS);
  };
  function maybeInstallUpdate() {
    if (updateFeed === null || !installDecision({ updateReady, status: lastStatus }).install) return;
    updateReady = false;
    log.info('installing the downloaded update now: no call is going on');
    quitting = true;
    autoUpdater.quitAndInstall(true, true);
  }

  // Settings that shape the desktop: applied now and after every change (provisioning reloads too).
  const applyDesktopSettings = (values: Settings) => {
    registerHotkeys(values);
    applyLoginStart(values.startAtLogin);
    applyUpdateSettings(values);
    updateTray();
  };
  frontdesk.settings.onChanged((view) => applyDesktopSettings(view.values));
  applyDesktopSettings(settings().values);

  // ---- OS links ---------------------------------------------------------------------------------
  for (const scheme of PROTOCOL_SCHEMES) {
    try {
      if (!shouldClaimScheme({ isDefault: app.isDefaultProtocolClient(scheme), currentHandler: app.getApplicationNameForProtocol(`${scheme}:`) })) continue;
      const dev = protocolClientArgs({ defaultApp: Boolean(process.defaultApp), execPath: process.execPath, argv: process.argv, resolve: (p) => path.resolve(p) });
      // "--" before the link: whatever the link holds is never read as a switch.
      const claimed = dev ? app.setAsDefaultProtocolClient(scheme, dev.path, [...dev.args, '--']) : app.setAsDefaultProtocolClient(scheme, process.execPath, ['--']);
      log.info(`${scheme}: links ${claimed ? 'now open in Frontdesk' : 'could not be claimed'}`);
    } catch (error) {
      log.warn(`${scheme}: links: ${(error as Error).message}`);
    }
  }
  links.push(linkFromArgv(process.argv));

  // ---- The window -------------------------------------------------------------------------------
  const windowStateFile = path.join(dataDir, 'window-state.json');
  let savedText: string | null = null;
  try {
    savedText = readFileSync(windowStateFile, 'utf8');
  } catch {
    // first start
  }
  const primary = screen.getPrimaryDisplay();
  const areas = [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map((d) => d.workArea);
  const placed = restoreBounds(parseWindowState(savedText), areas);

  mainWindow = new BrowserWindow({
    ...placed.bounds,
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
      // No middle-click opening of links in new windows (setWindowOpenHandler denies them anyway).
      disableBlinkFeatures: 'Auxclick',
      // A softphone must ring and play the caller even when the window is hidden in the tray.
      backgroundThrottling: false,
      autoplayPolicy: 'no-user-gesture-required',
    },
  });
  const win = mainWindow;
  if (placed.maximized) win.maximize();
  win.once('ready-to-show', () => {
    if (showAtStart(process.argv, tray !== null)) win.show();
  });
  const saveWindowState = () => {
    try {
      writeFileSync(windowStateFile, windowStateText({ bounds: win.getNormalBounds(), maximized: win.isMaximized() }));
    } catch (error) {
      log.warn(`window state not saved: ${(error as Error).message}`);
    }
  };
  win.on('close', (e) => {
    saveWindowState();
    if (closeDecision({ closeToTray: settings().values.closeToTray, quitting, hasTray: tray !== null }) === 'hide') {
      e.preventDefault();
      win.hide();
    }
  });
  win.on('closed', () => {
    mainWindow = null;
  });
  // Links wait while the page (re)loads, until its session reports in.
  win.webContents.on('did-start-loading', () => links.notReady());
  win.webContents.on('render-process-gone', () => links.notReady());

  app.on('will-quit', () => {
    globalShortcut.unregisterAll();
    if (updateTimer) clearInterval(updateTimer);
    for (const note of ringingNotes.values()) note.close();
    ringingNotes = new Map();
    frontdesk.close();
  });
  await win.loadURL(`${ORIGIN}/index.html`);
}

/** A tray icon (build/tray-icons, copied to dist/tray by the build); 16 px with its @2x beside it. */
function trayIcon(name: string): Electron.NativeImage {
  return nativeImage.createFromPath(path.join(trayIconDir, `${name}.png`));
}

if (!primaryInstance) {
  // Another Frontdesk runs: it gets this start's argv (a link) by 'second-instance'.
  app.quit();
} else {
  app.on('second-instance', (_e, argv) => {
    const link = linkFromArgv(argv);
    links.push(link);
    showWindow();
  });
  // macOS hands links by open-url, possibly before the app is ready.
  app.on('open-url', (e, url) => {
    e.preventDefault();
    links.push(url);
    showWindow();
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('activate', () => showWindow());
  app.on('window-all-closed', () => app.quit());
  main().catch((error: unknown) => {
    console.error('Frontdesk failed to start:', error);
    app.exit(1);
  });
}
