import type { AccountView, AppInfo, EventName, EventPayload, Handlers, IncomingCallNotice } from '../../common/contract';
import { crmStatusOf, type CrmLeadResult, type CrmLookupResult } from '../../common/crm';
import { displayNameOf, type Client, type ClientCard } from '../../common/directory';
import { localDateText, type WrapUpInput } from '../../common/wrapUp';
import type { CallRecordInput } from '../../common/callLog';
import type { DesktopStatus, ShellState } from '../../common/desktop';
import { defaultPresenceConfig } from '../../common/provisioning';
import { CallLogService } from './callLog';
import { CallScriptsService } from './callScripts';
import { CrmConnector } from './crm';
import { DirectoryService } from './directory';
import { ImportService } from './imports';
import { DataDir } from './dataDir';
import { ProvisioningService } from './provisioning';
import { ReportsService } from './reports';
import { SettingsService } from './settings';
import { RecordingsService } from './recordings';
import { announcement } from './consent';
import type { RetentionReport } from '../../common/recordings';
import { MessageStore, type MessageContext } from './messages';
import { MessageCourier } from './messageCourier';
import type { ProvisioningFile } from '../../common/provisioning';
import { nullLogger, redactingLogger, type Logger } from './logger';
import { provisionedSecretValues } from './provisioningSecrets';
import { browserHostSecrets, type SecretStore } from './secrets';
import { exportDiagnostics, osInfo } from './diagnostics';
import { writeFileSync } from 'node:fs';

export interface FrontdeskOptions {
  dataDir: string;
  provisioningFile: string | null;
  shell: AppInfo['shell'];
  version: string;
  /** The shipped sample call scripts, used while the office's call-scripts folder holds none. */
  scriptSamplesDir?: string | null;
  /**
   * The import worker's script (dist/main/importWorker.cjs in the app, main/services/importWorker.ts
   * under tsx). Without it imports run on the main thread (unit tests only: a big one would freeze it).
   */
  importWorkerFile?: string | null;
  /** Shows an OS notification; returns whether one was shown (the browser host has none). */
  notifyIncomingCall?: (notice: IncomingCallNotice) => boolean;
  /**
   * The desktop shell's save dialog for exported files: the chosen path, or null when cancelled.
   * Absent in the browser host: the page downloads the file itself.
   */
  chooseSaveFile?: (suggestedName: string) => Promise<string | null>;
  /** The built-in consent announcements (ru.ogg, en.ogg); without it the policy's announcement is unavailable. */
  consentDir?: string | null;
  /** Shows a file in the system's file manager (the desktop shell); absent in the browser host. */
  showInFolder?: (file: string) => void;
  /** The desktop shell's folder dialog: the chosen folder, or null when cancelled. Absent in the browser host. */
  chooseFolder?: (title: string, current: string) => Promise<string | null>;
  /** Where the page plays a recording from (the transport serves the file there). */
  recordingUrl?: (id: string) => string;
  /**
   * Where the SIP password, the CRM's and webhook's headers and the SMTP password are kept: the
   * desktop shell's safeStorage store; by default (the browser host) `secrets-browser-host.json` in
   * the data folder, readable by this user only.
   */
  secrets?: SecretStore;
  /** Whether a provisioning file may be rewritten without its secrets once they are stored (default: the user's own file, see paths.ts). */
  mayRewriteProvisioning?: (file: string) => boolean;
  /**
   * The desktop shell's tray, notifications, hotkeys and updater hear the session's status here and
   * answer with the hotkeys' state. Absent in the browser host: the status is taken and nothing follows.
   */
  desktopStatus?: (status: DesktopStatus) => ShellState;
  /** The log (electron-log in the desktop shell, a file in the browser host); every line is redacted first. */
  log?: Logger;
}

type Emit = <N extends EventName>(name: N, payload: EventPayload<N>) => void;

/**
 * The services behind the contract, free of Electron: the Electron shell and the browser host both
 * wire these handlers to their transport and forward the events.
 */
export function createFrontdesk(options: FrontdeskOptions, emit: Emit) {
  const dataDir = new DataDir(options.dataDir);
  const secrets =
    options.secrets ??
    browserHostSecrets(dataDir.file('secrets-browser-host.json'));
  const log = redactingLogger(options.log ?? nullLogger, () => provisionedSecretValues(secrets));
  const settings = new SettingsService(dataDir);
  const provisioning = new ProvisioningService(options.provisioningFile, dataDir, {
    secrets,
    log,
    ...(options.mayRewriteProvisioning ? { mayRewrite: options.mayRewriteProvisioning } : {}),
  });
  const calls = new CallLogService(dataDir.file('frontdesk.db'));
  calls.onChanged((change) => emit('calls.changed', change));
  calls.wrapUps.onWrapUpsChanged((change) => emit('wrapUps.changed', change));
  calls.wrapUps.onFollowUpsChanged((change) => emit('followUps.changed', change));
  // Recordings: the folder is a setting; those a stopped Frontdesk was writing are repaired and
  // marked interrupted before anything else; retention runs now and once a day.
  const recordings = new RecordingsService(dataDir.file('recordings.db'), () => settings.view().values.recordingsFolder || dataDir.folder('recordings'));
  recordings.recoverInterrupted();
  const applyRetention = () => {
    try {
      const report = recordings.applyRetention(settings.view().values.recordingRetentionDays);
      if (report.deleted.length > 0) {
        lastRetention = report;
        emit('recordings.retention', report);
        emit('recordings.changed', { id: null });
      }
    } catch {
      // a folder that cannot be read now is tried again tomorrow
    }
  };
  let lastRetention: RetentionReport | null = null;
  // (the first run waits for the provisioning below: the admin's retention is the one that counts)
  const retentionTimer = setInterval(applyRetention, 86_400_000);
  retentionTimer.unref?.();
  const scripts = new CallScriptsService({
    folders: [dataDir.folder('call-scripts')],
    samplesFolder: options.scriptSamplesDir ?? null,
    notesFolder: dataDir.root, // not the call-scripts folder: the watcher would fire on every note
  });
  scripts.onChanged((library) => emit('scripts.changed', library));
  scripts.watch();

  const reports = new ReportsService({
    calls,
    scripts: () => scripts.list().scripts,
    noSuitableNotes: () => scripts.noSuitableNotes(),
    chooseSaveFile: options.chooseSaveFile,
    clientName: (id) => {
      const client = directory.get(id);
      return client ? displayNameOf(client) || null : null;
    },
  });

  let active: ProvisioningFile | null = null;
  let accountView: AccountView = { account: null, provisioning: { state: 'none', file: null }, colleagues: [], presence: defaultPresenceConfig };
  let crm: CrmConnector | null = null;
  let crmStatus = crmStatusOf(undefined, undefined);
  const noCrm = { status: 'unavailable', reason: 'disabled', detail: 'No CRM is configured' } as const satisfies CrmLookupResult & CrmLeadResult;

  const applyProvisioning = (): AccountView => {
    const loaded = provisioning.load();
    const status = loaded.status;
    active = loaded.active;
    settings.applyProvisioned(active?.settings ?? {}, active?.locked ?? []);
    // A reload with the same CRM section keeps the connector, and its cache.
    if (JSON.stringify(active?.crm ?? null) !== JSON.stringify(crm?.config ?? null)) crm = active?.crm ? new CrmConnector(active.crm) : null;
    crmStatus = crmStatusOf(active?.crm, active?.pbxHeaders);
    accountView = { account: active?.account ?? null, provisioning: status, colleagues: active?.colleagues ?? [], presence: { ...defaultPresenceConfig, ...active?.presence } };
    if (active?.account) messages.setLocalName(active.account.user, active.account.displayName ?? '');
    courier?.kick();
    return accountView;
  };
  // Messages live in the call history's database (a message and its call in one place).
  const messages = new MessageStore(calls.database, { utf8ToBase64: (t) => Buffer.from(t, 'utf8').toString('base64'), base64ToUtf8: (b) => Buffer.from(b, 'base64').toString('utf8') });
  let courier: MessageCourier | null = null;
  applyProvisioning();
  applyRetention();
  const messageContext = (): MessageContext => {
    const values = settings.view().values;
    const smtp = Boolean(active?.messages?.smtp);
    const emails = new Map((active?.colleagues ?? []).flatMap((c) => (c.email ? [[c.extension, c.email] as const] : [])));
    return {
      region: values.defaultRegion,
      language: values.messageLanguage,
      emailOf: (ext) => (smtp ? (emails.get(ext) ?? null) : null),
      webhook: Boolean(active?.messages?.webhook),
      alertAfterMs: values.messageAlertMinutes * 60_000,
    };
  };
  courier = new MessageCourier(messages, () => ({ messages: active?.messages ?? null, language: settings.view().values.messageLanguage }));
  messages.onChanged((change) => {
    emit('messages.changed', change);
    courier?.kick();
  });
  // What was due when Frontdesk last stopped (or crashed) goes out now.
  courier.kick();
  settings.onChanged((view) => emit('settings.changed', view));
  // A database of its own: a long import must not hold the call history's write lock.
  const directory = new DirectoryService(dataDir.file('directory.db'), { defaultRegion: settings.view().values.defaultRegion });
  directory.onChanged((change) => emit('directory.changed', change));
  // The first caller's card must not wait for what a lookup loads the first time (see warmUp).
  try {
    directory.warmUp();
  } catch {
    // a directory that cannot be read now says so on the first lookup
  }
  // Imports run in a worker with a connection of their own; the directory's writes wait for them
  // (afterImport) instead of blocking the main thread on SQLite's write lock.
  const imports = new ImportService({
    dbFile: dataDir.file('directory.db'),
    region: () => directory.defaultRegion,
    workerFile: options.importWorkerFile ?? null,
    directory,
    onJob: (job) => emit('imports.changed', job),
    onImported: () => emit('directory.changed', { reason: 'imported', ids: [], count: directory.count() }),
  });
  settings.onChanged((view) => void imports.afterImport(() => directory.setDefaultRegion(view.values.defaultRegion)));

  /** The card a wrap-up is about: the one named, else the one card that has the number (none when several do). */
  const clientFor = (input: WrapUpInput): Client | null => {
    if (input.clientId) {
      const client = directory.get(input.clientId);
      if (!client) throw new Error(`invalid wrap-up: clientId: there is no client card "${input.clientId}"`);
      return client;
    }
    return oneClientWith(input.remoteNumber);
  };
  /**
   * A call is recorded with the client card it was about and the card's name at that moment: the
   * card the renderer names, else the one card that has the number (none when several do). The
   * caller ID's name stays in remoteName (reports show both).
   */
  /** A call someone recorded links its first recording (the player lists them all). */
  const withRecording = (input: CallRecordInput): CallRecordInput => {
    if (input.recordingId || !input.sipCallId) return input;
    try {
      const found = recordings.list({ sipCallId: input.sipCallId, limit: 5 }).find((r) => r.localUser === input.localUser);
      return found ? { ...input, recordingId: found.id } : input;
    } catch {
      return input;
    }
  };
  // Calls a stopped Frontdesk left open are closed as interrupted (with their recordings, repaired
  // above) before the page can ask for anything.
  calls.closeOpen(undefined, withRecording);
  const withClient = (input: CallRecordInput): CallRecordInput => {
    if (input.clientId && input.clientName) return input;
    try {
      const client = input.clientId ? directory.get(input.clientId) : oneClientWith(input.remoteNumber);
      return client ? { ...input, clientId: client.id, clientName: displayNameOf(client) || null } : input;
    } catch {
      return input; // the call is recorded whatever the directory says
    }
  };
  const oneClientWith = (number: string | undefined): Client | null => {
    if (!number || !/\d/.test(number)) return null;
    const matches = directory.findByNumber(number);
    return matches.length === 1 ? matches[0]! : null;
  };
  /** The card with its last calls, each with its wrap-up (outcome, notes, next step). */
  const cardWithWrapUps = (card: ClientCard | null): ClientCard | null => {
    if (!card) return null;
    const wrapUps = calls.wrapUps.forCalls(card.lastCalls.map((c) => c.id));
    return { ...card, lastCalls: card.lastCalls.map((c) => ({ ...c, wrapUp: wrapUps.get(c.id) ?? null })) };
  };

  const handlers: Handlers = {
    app: {
      info: () => ({ name: 'Frontdesk', version: options.version, shell: options.shell, dataDir: dataDir.root }),
    },
    settings: {
      get: () => settings.view(),
      set: (change) => {
        // A recordings folder is tried before it is kept: a path nobody can write to is refused with the reason.
        if (change.key === 'recordingsFolder' && typeof change.value === 'string' && change.value.trim() !== '') recordings.checkFolder(change.value.trim());
        // So is an announcement file: one Frontdesk cannot play is refused now, not when a caller should hear it.
        if (change.key === 'recordingAnnouncementFile' && typeof change.value === 'string' && change.value.trim() !== '')
          announcement({ ...settings.view().values, recordingAnnouncementFile: change.value.trim() }, options.consentDir ?? null);
        return settings.set(change.key === 'recordingsFolder' && typeof change.value === 'string' ? { ...change, value: change.value.trim() } : change);
      },
    },
    account: {
      get: () => accountView,
    },
    provisioning: {
      reload: () => {
        const view = applyProvisioning();
        emit('account.changed', view);
        return view;
      },
    },
    directory: {
      findByNumber: ({ number }) => directory.findByNumber(number),
      search: (query) => directory.search(query),
      get: ({ id }) => cardWithWrapUps(directory.card(id, calls)),
      create: (input) => imports.afterImport(() => directory.create(input)),
      update: ({ id, patch }) => imports.afterImport(() => directory.update(id, patch)),
      quickCreate: ({ number, name }) => imports.afterImport(() => directory.quickCreate(number, name)),
    },
    imports: {
      begin: (input) => imports.begin(input),
      append: (input) => imports.append(input),
      preview: (input) => imports.preview(input),
      start: (input) => imports.start(input),
      cancel: (input) => imports.cancel(input),
      status: (input) => imports.status(input),
      close: (input) => imports.close(input),
    },
    scripts: {
      list: () => scripts.list(),
      recordNoSuitable: (note) => scripts.recordNoSuitable(note),
      noSuitableReport: () => scripts.noSuitableReport(),
      saveRun: ({ localUser, sipCallId, run }) => {
        calls.saveScriptRun({ localUser, sipCallId, run });
        return true;
      },
    },
    crm: {
      status: () => crmStatus,
      lookup: ({ number }) => crm?.lookup(number, settings.view().values.defaultRegion) ?? noCrm,
      lookupLead: ({ kind, id }) => (kind === 'lead' ? crm?.lookupLead(id) : crm?.lookupChat(id)) ?? noCrm,
    },
    notifications: {
      incomingCall: (notice) => options.notifyIncomingCall?.(notice) ?? false,
    },
    desktop: {
      status: (status) => options.desktopStatus?.(status) ?? { hotkeys: [] },
    },
    diagnostics: {
      export: (request) =>
        exportDiagnostics(
          request,
          {
            app: { name: 'Frontdesk', version: options.version, shell: options.shell },
            versions: process.versions,
            os: osInfo(),
            logsDir: dataDir.file('logs'),
            settings: settings.view(),
            provisioning: { status: accountView.provisioning, account: accountView.account, colleagues: accountView.colleagues.length, crm: crmStatus },
            secrets: secretValues(),
            now: new Date(),
          },
          options.chooseSaveFile,
          (file, text) => writeFileSync(file, text, { encoding: 'utf8', mode: 0o600 }),
        ),
    },
    reports: {
      scripts: (range) => reports.scripts(range),
      funnel: (request) => reports.funnel(request),
      exportCsv: (request) => reports.exportCsv(request),
    },
    calls: {
      record: (input) => calls.record(withRecording(withClient(input))),
      noteOpen: (input) => {
        calls.noteOpen(input);
        return null;
      },
      closeOpen: ({ localUser }) => calls.closeOpen(localUser, withRecording),
      list: (query) => calls.list(query),
      markMissedSeen: (input) => calls.markMissedSeen(input),
    },
    wrapUps: {
      saveDraft: (input) => {
        calls.wrapUps.saveDraft(input);
        return null;
      },
      drafts: ({ localUser }) => calls.wrapUps.drafts(localUser),
      save: (input) => {
        const client = clientFor(input);
        const wrapUp = calls.wrapUps.save(input, { client: client && { id: client.id, name: displayNameOf(client) || null } });
        // The card keeps the agreed next step (what the agent sees on the next call).
        if (client && wrapUp.nextStep) {
          const step = wrapUp.nextStep;
          // During an import the card gets it when the import ends (the wrap-up itself is saved now).
          const written = imports.afterImport(() =>
            directory.update(client.id, { nextStep: step.what, nextStepDate: step.allDay ? localDateText(new Date(step.dueAt)) : step.dueAt }),
          );
          if (written instanceof Promise) written.catch(() => undefined);
        }
        return wrapUp;
      },
      get: (ref) => calls.wrapUps.get(ref),
      pending: ({ localUser }) => calls.wrapUps.pending(localUser),
      between: ({ from, to }) => calls.wrapUpsBetween(from, to),
    },
    recordings: {
      begin: (input) => {
        const r = recordings.begin(input);
        emit('recordings.changed', { id: r.id });
        return r;
      },
      append: (input) => recordings.append(input),
      setMarks: (input) => {
        recordings.setMarks(input);
        return null;
      },
      end: (input) => {
        const r = recordings.end(input);
        emit('recordings.changed', { id: r.id });
        return r;
      },
      list: (query) => recordings.list(query),
      disk: () => recordings.disk(),
      lastRetention: () => lastRetention,
      playUrl: ({ id }) => {
        if (!recordings.fileOf(id) || !options.recordingUrl) return null;
        return options.recordingUrl(id);
      },
      announcement: () => announcement(settings.view().values, options.consentDir ?? null),
      chooseFolder: async () => {
        if (!options.chooseFolder) return null;
        const picked = await options.chooseFolder('Where Frontdesk keeps call recordings', recordings.disk().folder);
        if (picked === null) return null;
        recordings.checkFolder(picked);
        settings.set({ key: 'recordingsFolder', value: picked });
        return picked;
      },
      showInFolder: ({ id }) => {
        const file = recordings.fileOf(id);
        if (!file || !options.showInFolder) return false;
        options.showInFolder(file);
        return true;
      },
    },
    followUps: {
      list: (query) => calls.wrapUps.listFollowUps(query),
      add: (input) => calls.wrapUps.addFollowUp(input),
      reschedule: (input) => calls.wrapUps.reschedule(input),
      done: (input) => calls.wrapUps.markDone(input),
      attempt: (input) => calls.wrapUps.attempt(input),
    },
    messages: {
      saveDraft: ({ localUser, draft }) => messages.saveDraft(localUser, draft),
      discardDraft: ({ localUser, id }) => messages.discardDraft(localUser, id),
      save: ({ localUser, draft }) => messages.save(localUser, draft, messageContext()),
      list: ({ localUser }) => messages.list(localUser, messageContext()),
      claimSip: () => messages.claimSip(messageContext()),
      sipResult: (input) => messages.result(input),
      received: ({ localUser, from, message }) => messages.receive(localUser, from, message),
      statusReceived: ({ from, status }) => messages.statusReceived(from, status),
      markRead: ({ localUser, id }) => messages.markRead(localUser, id),
      markDone: ({ localUser, id }) => messages.markDone(localUser, id),
      forward: ({ localUser, ...input }) => messages.forward(localUser, input, messageContext()),
      retry: ({ localUser, id }) => messages.retry(localUser, id),
    },
  };

  const close = () => {
    clearInterval(retentionTimer);
    recordings.close();
    courier?.close();
    imports.closeAll();
    scripts.close();
    directory.close();
    calls.close();
  };
  /** Every secret value Frontdesk holds, for redacting what leaves it (diagnostics). */
  const secretValues = () => provisionedSecretValues(secrets);
  return { handlers, settings, dataDir, calls, scripts, directory, imports, reports, recordings, messages, account: () => accountView, close, log, secrets, secretValues };
}
export type Frontdesk = ReturnType<typeof createFrontdesk>;
