import { z } from 'zod';
import { issueData, IssueDataSchema, saidOf, type IssueData, type Said, type Sayable } from './said';
import { HOTKEY_ACTIONS } from './hotkeys';
import { DesktopStatusSchema, ShellStateSchema } from './desktop';
import { SettingChangeSchema, SettingsViewSchema } from './settings';
import { ColleagueSchema, defaultPresenceConfig, PresenceConfigSchema, ProvisioningStatusSchema, SipAccountSchema } from './provisioning';
import { NoSuitableNoteInputSchema, NoSuitableReportSchema, ScriptLibrarySchema, ScriptRunSchema } from './callScript';
import {
  ClientCardSchema,
  ClientInputSchema,
  ClientListSchema,
  ClientRefSchema,
  ClientSchema,
  ClientUpdateSchema,
  DirectoryChangedSchema,
  DirectorySearchSchema,
  FindByNumberSchema,
  QuickCreateSchema,
} from './directory';
import {
  ImportAppendResultSchema,
  ImportAppendSchema,
  ImportBeginSchema,
  ImportIdSchema,
  ImportJobSchema,
  ImportPreviewRequestSchema,
  ImportPreviewSchema,
  ImportRefSchema,
  ImportStartSchema,
} from './imports';
import { CsvExportRequestSchema, CsvExportResultSchema, FunnelRequestSchema, ReportRangeSchema, ReportScriptsSchema, ScriptFunnelSchema } from './reports';
import { DiagnosticsRequestSchema, DiagnosticsResultSchema } from './diagnostics';
import { CrmLeadResultSchema, CrmLookupResultSchema, CrmRecordIdSchema, CrmStatusSchema } from './crm';
import {
  RecordingAppendSchema,
  RecordingBeginSchema,
  RecordingDiskSchema,
  RecordingEndSchema,
  RecordingMarksSchema,
  RecordingQuerySchema,
  RecordingSchema,
  RetentionReportSchema,
} from './recordings';
import {
  CallLogChangedSchema,
  CallLogPageSchema,
  CallLogQuerySchema,
  CallRecordInputSchema,
  CloseOpenCallsSchema,
  CallRecordSchema,
  MarkMissedSeenSchema,
} from './callLog';
import {
  FollowUpAddSchema,
  FollowUpAttemptSchema,
  FollowUpDoneSchema,
  FollowUpListSchema,
  FollowUpQuerySchema,
  FollowUpRescheduleSchema,
  FollowUpSchema,
  FollowUpsChangedSchema,
  WrapUpInputSchema,
  WrapUpRangeSchema,
  WrapUpDraftWriteSchema,
  WrapUpDraftEntrySchema,
  WrapUpRefSchema,
  WrapUpSchema,
  WrapUpsChangedSchema,
} from './wrapUp';
import {
  DraftSaveSchema,
  InboxMessageSchema,
  MessageForwardSchema,
  MessageListSchema,
  MessageReceivedSchema,
  MessageRefSchema,
  MessageSaveSchema,
  MessagesChangedSchema,
  SentMessageSchema,
  SipJobsSchema,
  SipResultSchema,
  StatusReceivedSchema,
} from './messages';

/**
 * The one contract between the services (main process or browser host) and the renderer.
 * Every method and event is listed here with the schema of what crosses; both ends validate.
 * The renderer sees it as a domain-shaped object (`frontdesk.settings.set(...)`), never a generic channel.
 */

/** How long the renderer waits for an answer before it tells the person the services did not answer. */
export const DEFAULT_ANSWER_WITHIN_MS = 15_000;
const method = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, opts: { answerWithinMs?: number } = {}) => ({
  input,
  output,
  answerWithinMs: opts.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS,
});
const noInput = z.undefined();

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** "electron" in the desktop app, "browser-host" when served to a browser. */
  shell: z.enum(['electron', 'browser-host']),
  dataDir: z.string(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/** The account the SIP engine registers with, or null when none is provisioned. */
export const AccountViewSchema = z.object({
  account: SipAccountSchema.nullable(),
  provisioning: ProvisioningStatusSchema,
  /** The office's extensions (from provisioning), for transfers and the Colleagues panel. */
  colleagues: z.array(ColleagueSchema).default([]),
  /** Colleague presence (from provisioning; on by default). */
  presence: PresenceConfigSchema.default(defaultPresenceConfig),
});
export type AccountView = z.infer<typeof AccountViewSchema>;

export const IncomingCallNoticeSchema = z.strictObject({
  /** Who is calling, as shown in the app ("Oleg Petrov, +7 495 123 45 67"). */
  from: z.string().min(1).max(200),
  /** The line (dialled number) that rang, when known. */
  line: z.string().max(100).nullable(),
  /** The ringing call, so the notification's Answer and Decline act on it (desktop.command's callId). */
  callId: z.string().min(1).max(200).optional(),
});
export type IncomingCallNotice = z.infer<typeof IncomingCallNoticeSchema>;

export const contract = {
  methods: {
    app: {
      info: method(noInput, AppInfoSchema),
    },
    settings: {
      get: method(noInput, SettingsViewSchema),
      set: method(SettingChangeSchema, SettingsViewSchema),
    },
    account: {
      get: method(noInput, AccountViewSchema),
    },
    provisioning: {
      /** Reads the provisioning file again (after an admin replaced it). */
      reload: method(noInput, AccountViewSchema),
    },
    diagnostics: {
      /**
       * Export diagnostics: the recent logs, the page's SIP trace and the versions in one text file,
       * with passwords, digest responses and tokens redacted. The desktop app asks where to save it;
       * the browser host hands it to the page to download.
       */
      export: method(DiagnosticsRequestSchema, DiagnosticsResultSchema, { answerWithinMs: 30 * 60_000 }),
    },
    notifications: {
      /** An OS notification for a ringing call, shown by the shell when the window is not in front. */
      incomingCall: method(IncomingCallNoticeSchema, z.boolean()),
    },
    desktop: {
      /**
       * The session reports what the tray, the notifications and the updater need (registration,
       * DND, missed calls, calls going on, ringing calls) after every change; the desktop shell
       * answers with its global hotkeys' state. The browser host takes it and answers with none.
       */
      status: method(DesktopStatusSchema, ShellStateSchema),
    },
    directory: {
      /** Every client with a phone matching the caller's number (exact E.164 first); several are all returned. */
      findByNumber: method(FindByNumberSchema, ClientListSchema),
      /** Type-ahead over name, company, phones (digits anywhere), emails, tags. */
      search: method(DirectorySearchSchema, ClientListSchema),
      /** The card: the client and their last calls with notes; null when there is no such client. */
      get: method(ClientRefSchema, ClientCardSchema.nullable()),
      create: method(ClientInputSchema, ClientSchema),
      /** Saved at once; lists (phones, emails, tags, needs) are replaced whole. */
      update: method(ClientUpdateSchema, ClientSchema),
      /** Unknown caller: a card with the number (and a name if typed), tagged "new". */
      quickCreate: method(QuickCreateSchema, ClientSchema),
    },
    /**
     * Importing clients from a CSV or vCard file the person picked: `begin`, the text in chunks
     * (`append`), `preview` (again whenever the mapping changes), `start`; progress and the result
     * arrive as `imports.changed`. Runs in a worker thread: the app keeps answering meanwhile.
     */
    imports: {
      begin: method(ImportBeginSchema, z.object({ id: ImportIdSchema })),
      append: method(ImportAppendSchema, ImportAppendResultSchema),
      /** How the file reads with this delimiter, header choice and mapping (guessed when absent), and its problems. */
      preview: method(ImportPreviewRequestSchema, ImportPreviewSchema),
      /** Starts the import (one transaction: it lands whole or not at all); answers at once. */
      start: method(ImportStartSchema, ImportJobSchema),
      /** Stops a running import: nothing of it is written. */
      cancel: method(ImportRefSchema, ImportJobSchema.nullable()),
      status: method(ImportRefSchema, ImportJobSchema.nullable()),
      /** Forgets the file (a running import is cancelled). */
      close: method(ImportRefSchema, z.boolean()),
    },
    scripts: {
      /** The call scripts (in load order) and the files reported and skipped ("reception.yaml:14: …"). */
      list: method(noInput, ScriptLibrarySchema),
      /** Keeps what the client actually said when no answer of a question fitted; returns the note as stored. */
      recordNoSuitable: method(NoSuitableNoteInputSchema, NoSuitableNoteInputSchema),
      /** The notes for the scripts' authors, per script and question. */
      noSuitableReport: method(noInput, NoSuitableReportSchema),
      /** Saves the script's state on a call as the agent goes (answers, page, where we stopped). */
      saveRun: method(z.strictObject({ localUser: z.string().min(1).max(200), sipCallId: z.string().min(1).max(500), run: ScriptRunSchema }), z.boolean()),
    },
    crm: {
      /** Whether a CRM is configured, and which INVITE headers carry the call's context (no secrets). */
      status: method(noInput, CrmStatusSchema),
      /** The CRM's cards for a caller's number, read with the PC's region. Never fails: "unavailable" says why. */
      lookup: method(z.strictObject({ number: z.string().max(200) }), CrmLookupResultSchema),
      /** The web lead or chat the caller left before calling (its id came in the INVITE's headers). */
      lookupLead: method(z.strictObject({ kind: z.enum(['lead', 'chat']), id: CrmRecordIdSchema }), CrmLeadResultSchema),
    },
    reports: {
      /** The scripts to pick from for a date range (the library's, then others used then), with the calls each was used on. */
      scripts: method(ReportRangeSchema, ReportScriptsSchema, { answerWithinMs: 120_000 }),
      /** One script over a date range: calls that reached each page, answers → next page, "No suitable answer" notes. */
      funnel: method(FunnelRequestSchema, ScriptFunnelSchema, { answerWithinMs: 120_000 }),
      /**
       * CSV of every answer with its call over a date range. The desktop app asks where to save it
       * and saves it ("saved" / "cancelled"); the browser host hands it to the page to download ("download").
       * A year of calls takes tens of seconds, and the desktop app waits for the save dialog too.
       */
      exportCsv: method(CsvExportRequestSchema, CsvExportResultSchema, { answerWithinMs: 30 * 60_000 }),
    },
    calls: {
      /** The renderer reports a call that ended; returns it as stored (id, ring and talk time derived). */
      record: method(CallRecordInputSchema, CallRecordSchema),
      /** A call going on now, as it would be recorded were Frontdesk to stop this moment ("interrupted"). */
      noteOpen: method(CallRecordInputSchema, z.null()),
      /** Closes the calls an earlier page left open (it crashed) as interrupted; returns how many. */
      closeOpen: method(CloseOpenCallsSchema, z.number().int().nonnegative()),
      /** A page of the history, newest first, with the missed-call badge count. */
      list: method(CallLogQuerySchema, CallLogPageSchema),
      /** Marks missed calls seen (those started at or before `through`, or all); returns how many. */
      markMissedSeen: method(MarkMissedSeenSchema, z.number().int().nonnegative()),
    },
    wrapUps: {
      /** Saves (or edits) a call's wrap-up: outcome, notes, next step (which becomes a follow-up). */
      save: method(WrapUpInputSchema, WrapUpSchema),
      /** A call's wrap-up, pending or done; null when it has none. */
      get: method(WrapUpRefSchema, WrapUpSchema.nullable()),
      /** Calls waiting for their wrap-up (of one extension, or all), oldest first. */
      pending: method(z.strictObject({ localUser: z.string().min(1).max(200).optional() }), z.array(WrapUpSchema)),
      /** The wrap-ups saved in [from, to), oldest first (reports). */
      between: method(WrapUpRangeSchema, z.array(WrapUpSchema)),
      /** Keeps what the agent typed in a wrap-up form, as they type (null drops it). */
      saveDraft: method(WrapUpDraftWriteSchema, z.null()),
      /** The unsaved wrap-up forms of an extension, to put back what was typed. */
      drafts: method(z.strictObject({ localUser: z.string().trim().min(1).max(200) }), z.array(WrapUpDraftEntrySchema)),
    },
    recordings: {
      /** Starts a recording of a call (or a consultation): its file and its row. */
      begin: method(RecordingBeginSchema, RecordingSchema),
      /** One chunk of its audio, in order; on disk (fsync) when this answers. */
      append: method(RecordingAppendSchema, z.object({ sizeBytes: z.number().int().nonnegative() })),
      /** Its pauses and holds so far. */
      setMarks: method(RecordingMarksSchema, z.null()),
      /** Ends it: the file gets its duration and index. */
      end: method(RecordingEndSchema, RecordingSchema),
      /** The recordings of a call, a conversation or a client's numbers, oldest first. */
      list: method(RecordingQuerySchema, z.array(RecordingSchema)),
      /** Where recordings go and whether the disk has room. */
      disk: method(z.undefined(), RecordingDiskSchema),
      /** The consent announcement to play to a caller (the office's file, or the built-in one), as base64 with its type. */
      announcement: method(z.undefined(), z.object({ mimeType: z.string(), base64: z.string(), source: z.string() })),
      /** Where the page plays a recording from (null when its file is gone). */
      playUrl: method(z.strictObject({ id: z.string().min(1).max(100) }), z.string().nullable()),
      /** What retention deleted last (at start or in its daily run), or null. */
      lastRetention: method(z.undefined(), RetentionReportSchema.nullable()),
      /** The desktop app's folder dialog for where recordings go: sets it and returns it (null when cancelled or not the desktop app). */
      chooseFolder: method(z.undefined(), z.string().nullable()),
      /** Shows a recording's file in the system's file manager (desktop app only; false elsewhere). */
      showInFolder: method(z.strictObject({ id: z.string().min(1).max(100) }), z.boolean()),
    },
    followUps: {
      /** The Call back list: open follow-ups due by `dueBy` (all without it), soonest first, and how many come later. */
      list: method(FollowUpQuerySchema, FollowUpListSchema),
      /** A web lead (CRM, import), a missed call or one typed in; the same externalId is never added twice. */
      add: method(FollowUpAddSchema, FollowUpSchema),
      reschedule: method(FollowUpRescheduleSchema, FollowUpSchema),
      /** Closes one without a call back. */
      done: method(FollowUpDoneSchema, FollowUpSchema),
      /** "Call <name>" was pressed: links the call to the follow-up, so the call's wrap-up closes it. */
      attempt: method(FollowUpAttemptSchema, FollowUpSchema),
    },
    /**
     * Messages taken for colleagues: the form's draft (saved as the agent types), Save (on disk
     * before it answers, deliveries queued), the inbox and the sent list. The services keep the
     * outbox and send e-mail and webhook posts; SIP MESSAGEs are sent by the renderer, which claims
     * them (`claimSip`) and reports each result (`sipResult`).
     */
    messages: {
      saveDraft: method(DraftSaveSchema, z.object({ savedAt: z.string() })),
      discardDraft: method(MessageRefSchema, z.boolean()),
      save: method(MessageSaveSchema, SentMessageSchema),
      list: method(z.strictObject({ localUser: z.string().min(1).max(64) }), MessageListSchema),
      claimSip: method(z.strictObject({ localUser: z.string().min(1).max(64) }), SipJobsSchema),
      sipResult: method(SipResultSchema, z.boolean()),
      /** A structured message reached this desk (kept once, whatever number of times it comes). */
      received: method(MessageReceivedSchema, z.object({ created: z.boolean() })),
      /** A recipient's Frontdesk says a message taken here was delivered, read, done or forwarded. */
      statusReceived: method(StatusReceivedSchema, z.boolean()),
      markRead: method(MessageRefSchema, InboxMessageSchema.nullable()),
      markDone: method(MessageRefSchema, InboxMessageSchema.nullable()),
      forward: method(MessageForwardSchema, SentMessageSchema),
      /** "Send again": deliveries not taken (and SIP not confirmed) are due now. */
      retry: method(MessageRefSchema, SentMessageSchema.nullable()),
    },
  },
  events: {
    settings: { changed: SettingsViewSchema },
    account: { changed: AccountViewSchema },
    /** After every change to the directory (ids empty after an import or a region change: refresh). */
    directory: { changed: DirectoryChangedSchema },
    /** An import started, moved on (rows done of total, about ten times a second) or ended (its summary or error). */
    imports: { changed: ImportJobSchema },
    /** A script file was added, changed or removed: the library as it is now. */
    scripts: { changed: ScriptLibrarySchema },
    /** After every change to the history: refresh the list, update the badge. */
    calls: { changed: CallLogChangedSchema },
    /** A call now waits for its wrap-up, or one was saved. */
    wrapUps: { changed: WrapUpsChangedSchema },
    /** The Call back list changed (added, rescheduled, called, done). */
    followUps: { changed: FollowUpsChangedSchema },
    /** A recording started, ended or was deleted; `retention` says what retention deleted. */
    recordings: { changed: z.object({ id: z.string().nullable() }), retention: RetentionReportSchema },
    /** A message was saved, sent, delivered, received, read, done; `sipDue`: SIP MESSAGEs may be waiting. */
    messages: { changed: MessagesChangedSchema },
    /**
     * The desktop around the window asks the call session to act: a global hotkey, the tray menu,
     * an incoming-call notification's Answer/Decline. The session decides which call it means.
     */
    desktop: {
      command: z.strictObject({
        action: z.enum([...HOTKEY_ACTIONS, 'decline', 'show']),
        source: z.enum(['hotkey', 'tray', 'notification', 'headset']),
        /** The call the notification was about; absent: the session's own choice (the ringing or current call). */
        callId: z.string().min(1).max(200).optional(),
        /** dialClipboard: the clipboard's text as the shell read it. */
        text: z.string().max(2048).optional(),
      }),
      /** A tel:, sip: or callto: link the OS handed to Frontdesk (second instance, open-url, the host's CLI). */
      link: z.strictObject({ url: z.string().max(2048) }),
      /** The global hotkeys were registered again (start, a settings change): which the OS refused. */
      shell: ShellStateSchema,
    },
  },
} as const;

type Methods = typeof contract.methods;
type Events = typeof contract.events;

/** The channel a method travels on, e.g. "frontdesk:settings.set". */
export const channelPrefix = 'frontdesk:';
export const methodChannel = (ns: string, name: string) => `${channelPrefix}${ns}.${name}`;

/** How long a transport waits for a channel's answer (DEFAULT_ANSWER_WITHIN_MS but for the slow reports). */
export function answerWithinMs(channel: string): number {
  answerTimes ??= new Map(
    (Object.entries(contract.methods) as [string, Record<string, { answerWithinMs: number }>][]).flatMap(([ns, group]) =>
      Object.entries(group).map(([name, m]) => [methodChannel(ns, name), m.answerWithinMs] as const),
    ),
  );
  return answerTimes.get(channel) ?? DEFAULT_ANSWER_WITHIN_MS;
}
let answerTimes: Map<string, number> | undefined;
export const eventChannel = (ns: string, name: string) => `${channelPrefix}event:${ns}.${name}`;

type Input<M> = M extends { input: infer I extends z.ZodType } ? z.input<I> : never;
type Output<M> = M extends { output: infer O extends z.ZodType } ? z.output<O> : never;
type ServerInput<M> = M extends { input: infer I extends z.ZodType } ? z.output<I> : never;

type Capitalize1<S extends string> = S extends `${infer F}${infer R}` ? `${Uppercase<F>}${R}` : S;

/** What the renderer sees: `frontdesk.settings.set({...})`, `frontdesk.settings.onChanged(fn)`. */
export type FrontdeskApi = {
  // Namespaces with events only (desktop) are there too: buildApi makes them.
  [NS in keyof Methods | keyof Events]: (NS extends keyof Methods
    ? {
        [K in keyof Methods[NS]]: Input<Methods[NS][K]> extends undefined
          ? () => Promise<Output<Methods[NS][K]>>
          : (input: Input<Methods[NS][K]>) => Promise<Output<Methods[NS][K]>>;
      }
    : unknown) & (NS extends keyof Events
    ? {
        [E in keyof Events[NS] as `on${Capitalize1<E & string>}`]: (
          listener: (payload: z.output<Events[NS][E] & z.ZodType>) => void,
        ) => () => void;
      }
    : unknown);
};

/** What the services implement. */
export type Handlers = {
  [NS in keyof Methods]: {
    [K in keyof Methods[NS]]: (input: ServerInput<Methods[NS][K]>) => Promise<Output<Methods[NS][K]>> | Output<Methods[NS][K]>;
  };
};

export type EventName = { [NS in keyof Events]: `${NS & string}.${keyof Events[NS] & string}` }[keyof Events];
export type EventPayload<N extends EventName> = N extends `${infer NS}.${infer E}`
  ? NS extends keyof Events
    ? E extends keyof Events[NS]
      ? z.output<Events[NS][E] & z.ZodType>
      : never
    : never
  : never;

/**
 * What crosses for a method call: either the value or an error the person can read, in English
 * (`message`) and as data the window says in its language: what the service said (`said`), or the
 * checks that refused the input (`issues`). See common/said.ts.
 */
export type CallResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } & Sayable };

export class ContractError extends Error implements Sayable {
  readonly said: Said | undefined;
  readonly issues: IssueData[] | undefined;
  constructor(
    readonly code: 'bad-channel' | 'bad-input' | 'bad-output' | 'failed',
    message: string,
    sayable: Sayable = {},
  ) {
    super(message);
    this.name = 'ContractError';
    this.said = sayable.said;
    this.issues = sayable.issues;
  }
}

function lookupMethod(channel: string): { ns: string; name: string; input: z.ZodType; output: z.ZodType } | null {
  if (!channel.startsWith(channelPrefix)) return null;
  const [ns, name, ...rest] = channel.slice(channelPrefix.length).split('.');
  if (!ns || !name || rest.length) return null;
  const group = (contract.methods as Record<string, Record<string, { input: z.ZodType; output: z.ZodType }>>)[ns];
  const m = group && Object.hasOwn(group, name) ? group[name] : undefined;
  return m ? { ns, name, ...m } : null;
}

export const allMethodChannels = (): string[] =>
  Object.entries(contract.methods).flatMap(([ns, group]) => Object.keys(group).map((n) => methodChannel(ns, n)));

/** What a failed result says as data, checked (it came over the bridge): dropped when malformed. */
function sayableOf(error: Sayable): Sayable {
  const said = saidOf(error);
  if (said) return { said };
  const issues = z.array(IssueDataSchema).safeParse(error.issues);
  return issues.success ? { issues: issues.data } : {};
}

const formatIssues = (error: z.ZodError) =>
  error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');

/**
 * The server half: validates a raw call, runs the handler, validates its answer.
 * Never throws; a failure becomes an error result the renderer can show.
 */
export function createDispatcher(handlers: Handlers) {
  return async (channel: unknown, rawInput: unknown): Promise<CallResult> => {
    const m = typeof channel === 'string' ? lookupMethod(channel) : null;
    if (!m) return { ok: false, error: { code: 'bad-channel', message: `unknown method ${String(channel)}` } };
    const input = m.input.safeParse(rawInput);
    if (!input.success) return { ok: false, error: { code: 'bad-input', message: formatIssues(input.error), issues: issueData(input.error.issues) } };
    const handler = (handlers as unknown as Record<string, Record<string, (i: unknown) => unknown>>)[m.ns]?.[m.name];
    if (!handler) return { ok: false, error: { code: 'bad-channel', message: `no handler for ${m.ns}.${m.name}` } };
    try {
      const output = m.output.safeParse(await handler(input.data));
      if (!output.success) return { ok: false, error: { code: 'bad-output', message: formatIssues(output.error) } };
      return { ok: true, value: output.data };
    } catch (error) {
      const said = saidOf(error);
      const failed = { code: 'failed', message: error instanceof Error ? error.message : String(error) };
      if (said) return { ok: false, error: { ...failed, said } };
      if (error instanceof z.ZodError) return { ok: false, error: { ...failed, issues: issueData(error.issues) } };
      return { ok: false, error: failed };
    }
  };
}

/** Validates an event payload before it is sent; returns the channel and the parsed payload. */
export function prepareEvent<N extends EventName>(name: N, payload: EventPayload<N>): { channel: string; payload: unknown } {
  const [ns, ev] = name.split('.') as [string, string];
  const schema = (contract.events as unknown as Record<string, Record<string, z.ZodType>>)[ns]![ev]!;
  return { channel: eventChannel(ns, ev), payload: schema.parse(payload) };
}

export interface Transport {
  invoke(channel: string, input: unknown): Promise<CallResult>;
  subscribe(channel: string, listener: (payload: unknown) => void): () => void;
}

/**
 * The client half: builds the domain-shaped API over a transport (Electron IPC in the preload,
 * a WebSocket in the browser). Inputs are checked before they leave, outputs when they arrive.
 */
export function buildApi(transport: Transport): FrontdeskApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const [ns, group] of Object.entries(contract.methods) as [string, Record<string, { input: z.ZodType; output: z.ZodType }>][]) {
    const target: Record<string, unknown> = (api[ns] = {});
    for (const [name, m] of Object.entries(group)) {
      target[name] = async (rawInput?: unknown) => {
        const input = m.input.safeParse(rawInput);
        if (!input.success) throw new ContractError('bad-input', formatIssues(input.error), { issues: issueData(input.error.issues) });
        const result = await transport.invoke(methodChannel(ns, name), input.data);
        if (!result.ok) throw new ContractError(result.error.code as ContractError['code'], result.error.message, sayableOf(result.error));
        const output = m.output.safeParse(result.value);
        if (!output.success) throw new ContractError('bad-output', formatIssues(output.error));
        return output.data;
      };
    }
  }
  for (const [ns, group] of Object.entries(contract.events) as [string, Record<string, z.ZodType>][]) {
    const target: Record<string, unknown> = (api[ns] ??= {});
    for (const [ev, schema] of Object.entries(group)) {
      target[`on${ev[0]!.toUpperCase()}${ev.slice(1)}`] = (listener: (payload: unknown) => void) =>
        transport.subscribe(eventChannel(ns, ev), (raw) => {
          const parsed = schema.safeParse(raw);
          if (parsed.success) listener(parsed.data);
        });
    }
  }
  return api as unknown as FrontdeskApi;
}

export const allEventChannels = (): string[] =>
  Object.entries(contract.events).flatMap(([ns, group]) => Object.keys(group).map((e) => eventChannel(ns, e)));
