import type { AccountView, EventPayload, FrontdeskApi } from '../../common/contract';
import { errorText, i18n } from './i18n';
import type { SettingsView } from '../../common/settings';
import type { DesktopStatus, HotkeyRegistration, RegistrationSummary, ShellState } from '../../common/desktop';
import { parseDialString } from '../../common/phone';
import { linkForDisplay, parsePhoneLink, type PhoneLink } from '../../common/links';
import type { AudioOut } from './audio';
import { liveCalls, type Call, type CallsState, type Party } from './sip/callMachine';
import type { EnginePreferences, EngineSnapshot, Registration, SipEngine } from './sip/engine';
import type { HandoffNote } from '../../common/transfer';
import type { CallView } from './presentation';
import { partyText } from './ui/format';
import { Store } from './store';
import { afterNextPaint } from './afterPaint';

/**
 * The session: what happens around the SIP engine whatever the window shows, and the commands that
 * drive calls. It starts the engine with the provisioned account, hands it the settings, rings (or
 * plays the call-waiting tone), answers by itself when auto-answer is on, asks the shell for an
 * incoming-call notification, and ends "out of office" at its time. The window, and later global
 * hotkeys, headset buttons and `tel:` links, command calls through one API: `answer`, `decline`,
 * `hangup`, `toggleMute`, `hold`/`resume`, `dial`, the transfer commands and `dialLink`.
 *
 * Plain TypeScript, no React: main.tsx makes one and the window reads its state (`subscribe` /
 * `getState`). The decisions are the plain functions below, tested on their own and through a
 * fake engine.
 */

// ---- decisions ----

/** The ringing call the session rings for, answers and notifies: the first call ringing in. */
export function ringingCall(calls: CallsState): Call | null {
  return liveCalls(calls).find((c) => c.phase === 'ringing-in') ?? null;
}

/** The call the agent is on: the one they talk on, else any live call not ringing in. */
export function currentCall(calls: CallsState): Call | null {
  const live = liveCalls(calls);
  return live.find((c) => c.phase === 'active') ?? live.find((c) => c.phase !== 'ringing-in') ?? null;
}

/** A call the agent can transfer now (talking or holding it, not a consultation). */
export const transferable = (c: Call) =>
  !c.consultFor && (c.phase === 'active' || c.phase === 'held' || c.phase === 'remote-held') && (c.transfer === null || c.transfer.stage === 'failed');

export interface RingDecision {
  /** The first call ringing in, if any. */
  ringing: Call | null;
  /** What to play: the ring, the discreet call-waiting tone while on another call, or nothing. */
  tone: 'ring' | 'waiting' | null;
  /** The call to answer by itself (auto-answer), or null. */
  autoAnswer: string | null;
}

/**
 * What a ringing call sets off: a ring when the agent is on no other call, the call-waiting tone
 * when they are; with auto-answer on, a call that rings alone is answered without a ring (a call
 * that rings while the agent is on another is never answered by itself: it rings with the tone).
 */
export function decideRinging(calls: CallsState, autoAnswer: boolean): RingDecision {
  const live = liveCalls(calls);
  const ringing = live.find((c) => c.phase === 'ringing-in') ?? null;
  const othersInCall = live.some((c) => c.phase !== 'ringing-in' && c.phase !== 'ending');
  const tone = ringing && !(autoAnswer && !othersInCall) ? (othersInCall ? 'waiting' : 'ring') : null;
  return { ringing, tone, autoAnswer: ringing && autoAnswer && live.length === 1 ? ringing.id : null };
}

type SettingsValues = SettingsView['values'];

/** What the engine takes from the settings. */
export function enginePreferences(values: SettingsValues): EnginePreferences {
  return { dnd: values.dnd, microphoneId: values.microphoneId, transferRingTimeoutS: values.transferRingTimeoutS, maxLines: values.maxLines, away: values.away };
}

/** How long until "out of office" ends by itself (0: it is over already), or null when it has no end. */
export function awayEndsInMs(values: SettingsValues | undefined, now: number): number | null {
  const until = values?.away?.until;
  if (!until) return null;
  return Math.max(0, Date.parse(until) - now);
}

/** The registration as the tray shows it (registering is still connecting). */
export function registrationSummary(registration: Registration): RegistrationSummary {
  return registration.state === 'registering' ? 'connecting' : registration.state;
}

/**
 * What the desktop shell is told (desktop.status): the registration, DND, the missed-call badge,
 * the calls going on and the ones ringing in (with who calls, as the window shows them), for the
 * tray, the notifications and the updater (which never installs while a call goes on).
 */
export function desktopStatus(input: { registration: Registration; dnd: SettingsValues['dnd'] | undefined; missed: number; calls: CallsState; region: string }): DesktopStatus {
  const live = liveCalls(input.calls);
  const ringing = live.filter((c) => c.phase === 'ringing-in');
  return {
    registration: registrationSummary(input.registration),
    dnd: input.dnd ?? 'off',
    missed: Math.min(Math.max(0, Math.trunc(input.missed)), 1_000_000),
    // Every live call not ringing in: being answered, dialled, talked on, held or hung up (the updater waits for all).
    calls: Math.min(live.length - ringing.length, 100),
    ringing: ringing.slice(0, 20).map((c) => ({
      callId: c.id.slice(0, 200),
      caller: partyText(c.remote, input.region).slice(0, 200),
      line: c.dialled?.slice(0, 100) ?? null,
    })),
  };
}

/** Whether a global hotkey the shell registered takes this action's key before the window sees it (one press acts once). */
export function handledGlobally(hotkeys: readonly HotkeyRegistration[], action: HotkeyRegistration['action']): boolean {
  return hotkeys.some((h) => h.action === action && h.state === 'registered');
}

// ---- the session ----

/** The engine as the session uses it (SipEngine; the unit tests give a fake). */
export type SessionEngine = Pick<
  SipEngine,
  | 'start'
  | 'stop'
  | 'configure'
  | 'subscribe'
  | 'getSnapshot'
  | 'answer'
  | 'decline'
  | 'hangup'
  | 'hold'
  | 'resume'
  | 'setMuted'
  | 'sendDtmf'
  | 'dial'
  | 'forget'
  | 'startTransfer'
  | 'completeTransfer'
  | 'cancelTransfer'
  | 'blindTransferInstead'
  | 'clearTransfer'
> & { presence: Pick<SipEngine['presence'], 'configure' | 'setWatched'> };

/** The services the session talks to. */
export interface SessionApi {
  account: Pick<FrontdeskApi['account'], 'get' | 'onChanged'>;
  settings: Pick<FrontdeskApi['settings'], 'get' | 'onChanged' | 'set'>;
  notifications: Pick<FrontdeskApi['notifications'], 'incomingCall'>;
  /** Hotkeys, the tray, notification actions and OS links (the shell, or the browser host's hand-off); the status the shell is told. */
  desktop: Pick<FrontdeskApi['desktop'], 'onCommand' | 'onLink' | 'status' | 'onShell'>;
  /** The missed-call badge, for the tray. */
  calls: Pick<FrontdeskApi['calls'], 'list' | 'onChanged'>;
}

/** What the desktop asks of the session (a hotkey, the tray, a notification's button, a headset). */
export type DesktopCommand = EventPayload<'desktop.command'>;

/** A link waiting for the agent's "Call" (the setting confirmLinkCalls). */
export interface LinkPrompt {
  url: string;
  link: PhoneLink;
}

export type Ringer = Pick<AudioOut, 'startRinging' | 'stopRinging' | 'setDevices'>;

export interface SessionOptions {
  engine: SessionEngine;
  api: SessionApi;
  ringer: Ringer;
  /** The calls as the window shows them (presentation.ts); the engine itself by default. */
  calls?: CallView;
  now?: () => number;
}

/** What the window reads from the session. */
export interface SessionState {
  account: AccountView | null;
  settings: SettingsView | null;
  /** Why the services cannot be reached, or null. */
  bridgeError: string | null;
  /** A link that asks "Call …?" before it dials, or null. */
  linkPrompt: LinkPrompt | null;
  /** What a link, the clipboard or a desktop command could not do, for the agent to read; null when all went well. */
  desktopNotice: string | null;
  /** The desktop app's global hotkeys as the shell registered them (which the OS refused, and why); empty in the browser host. */
  shellHotkeys: readonly HotkeyRegistration[];
}

/** How a typed number or a link went: dialled (the call's id; null without an account) or refused with the reason. */
export type DialResult = { ok: true; callId: string | null } | { ok: false; problem: string };

export class CallSession {
  private readonly engine: SessionEngine;
  private readonly api: SessionApi;
  private readonly ringer: Ringer;
  private readonly calls: CallView;
  private readonly now: () => number;
  private readonly store = new Store<SessionState>({ account: null, settings: null, bridgeError: null, linkPrompt: null, desktopNotice: null, shellHotkeys: [] });
  private get state(): SessionState {
    return this.store.get();
  }
  private readonly offs: (() => void)[] = [];
  private running = false;
  /** The ringing call already notified (once per ringing call). */
  private notifiedRinging: string | undefined;
  private awayTimer: ReturnType<typeof setTimeout> | null = null;
  private awayUntil: string | undefined;
  /** `;ext=` digits of a dialled link, sent once its call connects. */
  private readonly pendingExtensions = new Map<string, string>();
  /** The call auto-answer last answered (once per call). */
  private autoAnswered: string | undefined;
  /** The missed-call badge as the services last said. */
  private missed = 0;
  /** The status the shell last took (JSON), one report on its way, and whether another change came meanwhile. */
  private statusSent: string | null = null;
  private statusScheduled = false;
  private statusInFlight = false;

  constructor(options: SessionOptions) {
    this.engine = options.engine;
    this.api = options.api;
    this.ringer = options.ringer;
    this.calls = options.calls ?? options.engine;
    this.now = options.now ?? (() => Date.now());
  }

  // ---- lifecycle ----

  /** Reads the account and the settings, starts the engine, and follows both and the calls from now on. */
  start() {
    if (this.running) return;
    this.running = true;
    // The engine registers (and so takes calls) only once the desk's settings are known: a call in
    // between would ring past do-not-disturb, out of office or the number of lines. Settings that
    // cannot be read do not keep the phone from working: it starts with the defaults.
    let settingsKnown = false;
    let waitingAccount: AccountView | null = null;
    const startEngine = (view: AccountView) => {
      this.engine.start(view.account);
      this.applyPresence(view);
    };
    const settingsSettled = () => {
      if (settingsKnown) return;
      settingsKnown = true;
      const view = waitingAccount;
      waitingAccount = null;
      if (view && this.running) startEngine(view);
    };
    const applyAccount = (view: AccountView) => {
      if (!this.running) return;
      this.setState({ account: view });
      if (settingsKnown) startEngine(view);
      else waitingAccount = view;
    };
    const applySettings = (view: SettingsView) => {
      if (!this.running) return;
      this.applySettings(view);
      settingsSettled();
    };
    const failed = (e: Error) => this.running && this.setState({ bridgeError: errorText(e) });
    this.api.account.get().then(applyAccount, failed);
    this.api.settings.get().then(applySettings, (e: Error) => {
      failed(e);
      settingsSettled();
    });
    this.offs.push(
      this.api.account.onChanged(applyAccount),
      this.api.settings.onChanged(applySettings),
      this.calls.subscribe(() => this.onCalls()),
      this.api.desktop.onCommand((command) => this.running && this.command(command)),
      this.api.desktop.onLink(({ url }) => this.running && this.openLink(url)),
      // Auto-answer follows the engine itself: it does not wait for the window to show the call.
      this.calls === this.engine ? () => undefined : this.engine.subscribe(() => this.answerByItself()),
      this.api.desktop.onShell((state) => this.running && this.applyShell(state)),
      this.api.calls.onChanged(({ missedUnseen }) => this.running && this.setMissed(missedUnseen)),
    );
    // The registration is the engine's (the window's view of the calls may be another object).
    if (this.calls !== this.engine) this.offs.push(this.engine.subscribe(() => this.reportStatus()));
    this.api.calls.list({ limit: 1 }).then(
      (page) => this.running && this.setMissed(page.missedUnseen),
      () => undefined,
    );
    this.applyPresence(null);
    this.onCalls();
  }

  /** Stops following, stops the ring and the engine. */
  stop() {
    if (!this.running) return;
    this.running = false;
    for (const off of this.offs.splice(0)) off();
    if (this.awayTimer) clearTimeout(this.awayTimer);
    this.awayTimer = null;
    this.awayUntil = undefined;
    this.statusSent = null;
    this.ringer.stopRinging();
    this.engine.stop();
  }

  // ---- state for the window ----

  subscribe = this.store.subscribe;
  getState = this.store.get;

  /** The engine's snapshot (every call, shown or not yet). */
  snapshot(): EngineSnapshot {
    return this.engine.getSnapshot();
  }

  private setState(patch: Partial<SessionState>) {
    this.store.patch(patch);
  }

  private get values(): SettingsValues | undefined {
    return this.state.settings?.values;
  }

  /** The settings' region for numbers (RU until the settings are read). */
  get region(): string {
    return this.values?.defaultRegion ?? 'RU';
  }

  // ---- orchestration ----

  private applySettings(view: SettingsView) {
    const before = this.values;
    this.setState({ settings: view });
    const values = view.values;
    if (values !== before) {
      this.engine.configure(enginePreferences(values));
      this.ringer.setDevices(values.speakerId, values.ringerId);
    }
    this.scheduleAwayEnd();
    // Auto-answer may have been switched on or off while a call rings.
    this.onCalls();
  }

  private applyPresence(view: AccountView | null) {
    if (view) this.engine.presence.configure(view.presence);
    this.engine.presence.setWatched((view?.colleagues ?? []).map((c) => c.extension));
  }

  /** Out of office ends by itself at its time (colleagues' desks already read it as over). */
  private scheduleAwayEnd() {
    const until = this.values?.away?.until;
    if (until === this.awayUntil) return;
    this.awayUntil = until;
    if (this.awayTimer) clearTimeout(this.awayTimer);
    this.awayTimer = null;
    const left = awayEndsInMs(this.values, this.now());
    if (left === null) return;
    const clear = () => void this.api.settings.set({ key: 'away', value: null }).catch(() => undefined);
    if (left <= 0) clear();
    else this.awayTimer = setTimeout(clear, Math.min(left + 100, 2 ** 31 - 1));
  }

  /** After every change of the calls (and of the settings): ring or not, notify, answer by itself. */
  private onCalls() {
    if (!this.running) return;
    const calls = this.calls.getSnapshot().calls;
    const decision = decideRinging(calls, this.values?.autoAnswer ?? false);
    if (decision.tone) this.ringer.startRinging(decision.tone);
    else this.ringer.stopRinging();

    const ringing = decision.ringing;
    if (ringing?.id !== this.notifiedRinging) {
      this.notifiedRinging = ringing?.id;
      // Once the window has drawn the ringing call and its card (afterNextPaint): at once when the
      // window draws nothing (hidden, in the tray), where the notification is what the agent sees.
      if (ringing)
        afterNextPaint(() => {
          if (!this.running || this.notifiedRinging !== ringing.id) return;
          const from = partyText(ringing.remote, this.region);
          // Within what a notification carries (a long name and number together could be more).
          void this.api.notifications
            .incomingCall({ from: from.slice(0, 200), line: ringing.dialled?.slice(0, 100) ?? null, callId: ringing.id.slice(0, 200) })
            .catch(() => undefined);
        });
    }

    for (const [id, digits] of this.pendingExtensions) {
      const call = calls.calls[id] ?? this.engine.getSnapshot().calls.calls[id];
      if (!call || call.phase === 'ended') this.pendingExtensions.delete(id);
      else if (call.phase === 'active') {
        this.pendingExtensions.delete(id);
        this.sendDtmf(id, digits);
      }
    }

    this.reportStatus();

    this.answerByItself();
  }

  /**
   * Auto-answer: a call that rings alone (decideRinging) is answered as soon as the engine has it,
   * not when the window shows it (presentation.ts may hold a ringing call back for its caller's
   * card). In a microtask: the engine tells of a new call from inside JsSIP's INVITE handler,
   * before it has decided whether the call rings at all (lines busy, no codec, do not disturb) and
   * before its 180 Ringing; the microtask runs once that handler is done.
   */
  private answerByItself() {
    if (!this.running) return;
    const id = decideRinging(this.engine.getSnapshot().calls, this.values?.autoAnswer ?? false).autoAnswer;
    if (!id || id === this.autoAnswered) return;
    this.autoAnswered = id;
    queueMicrotask(() => {
      if (this.running) this.engine.answer(id);
    });
  }

  // ---- the desktop status ----

  private setMissed(missed: number) {
    this.missed = missed;
    this.reportStatus();
  }

  private applyShell(state: ShellState) {
    if (JSON.stringify(state.hotkeys) !== JSON.stringify(this.state.shellHotkeys)) this.setState({ shellHotkeys: state.hotkeys });
  }

  /**
   * Tells the shell the status after a change: changes made together (one engine update, a
   * settings change) are reported once, an unchanged status is not sent again, and a report waits
   * for the one on its way (then sends the latest). The answer is the global hotkeys' state.
   */
  private reportStatus() {
    if (!this.running || this.statusScheduled) return;
    this.statusScheduled = true;
    // After the window has drawn the change (a ringing call's card comes first).
    afterNextPaint(() => {
      this.statusScheduled = false;
      this.sendStatus();
    });
  }

  private sendStatus() {
    if (!this.running || this.statusInFlight) return;
    const status = desktopStatus({
      registration: this.engine.getSnapshot().registration,
      dnd: this.values?.dnd,
      missed: this.missed,
      calls: this.shown(),
      region: this.region,
    });
    const text = JSON.stringify(status);
    if (text === this.statusSent) return;
    this.statusSent = text;
    this.statusInFlight = true;
    const done = () => {
      this.statusInFlight = false;
      // Whatever changed meanwhile goes now (sendStatus skips it when nothing did).
      this.sendStatus();
    };
    this.api.desktop.status(status).then(
      (state) => {
        if (this.running) this.applyShell(state);
        done();
      },
      () => {
        // Not taken (the services are away): sent again at the next change, not at once — retrying
        // here would spin as fast as a dead bridge refuses and starve the page.
        this.statusSent = null;
        this.statusInFlight = false;
      },
    );
  }

  // ---- commands ----

  private shown(): CallsState {
    return this.calls.getSnapshot().calls;
  }

  private call(id: string): Call | undefined {
    return this.shown().calls[id] ?? this.engine.getSnapshot().calls.calls[id];
  }

  /** Answers a ringing call: `id`, else the one that rings. */
  answer(id?: string) {
    const target = id ?? ringingCall(this.shown())?.id;
    if (target) this.engine.answer(target);
  }

  /** Declines a ringing call (`id`, else the one that rings) with the settings' status code. */
  decline(id?: string) {
    const target = id ?? ringingCall(this.shown())?.id;
    if (target) this.engine.decline(target, this.values?.declineCode ?? 486);
  }

  /** Hangs up a call: `id`, else the one the agent is on. */
  hangup(id?: string) {
    const target = id ?? currentCall(this.shown())?.id;
    if (target) this.engine.hangup(target);
  }

  setMuted(id: string, muted: boolean) {
    this.engine.setMuted(id, muted);
  }

  /** Mutes or unmutes a call: `id`, else the one the agent is on. */
  toggleMute(id?: string) {
    const call = id ? this.call(id) : currentCall(this.shown());
    if (call) this.engine.setMuted(call.id, !call.muted);
  }

  hold(id: string) {
    this.engine.hold(id);
  }

  resume(id: string) {
    this.engine.resume(id);
  }

  /** Holds a call the agent talks on or resumes a held one: `id`, else the one the agent is on. */
  toggleHold(id?: string) {
    const call = id ? this.call(id) : currentCall(this.shown());
    if (!call) return;
    if (call.phase === 'held') this.engine.resume(call.id);
    else if (call.phase === 'active' || call.phase === 'remote-held') this.engine.hold(call.id);
  }

  /** Sends tones on a call with the settings' DTMF transport. */
  sendDtmf(id: string, tones: string) {
    this.engine.sendDtmf(id, tones, this.values?.dtmfTransport ?? 'rfc4733');
  }

  /** Places a call to an extension, a number or a SIP URI as it is; the call's id, or null without an account. */
  dial(target: string, displayName: string | null = null): string | null {
    return this.engine.dial(target, displayName);
  }

  /** Dials what the agent typed (or pasted): read as a number in the settings' region, an extension, a service code or a SIP URI. */
  dialTyped(text: string): DialResult {
    const parsed = parseDialString(text, this.region, i18n.t);
    if (!parsed.ok) return { ok: false, problem: parsed.problem };
    return { ok: true, callId: this.engine.dial(parsed.dial, parsed.kind === 'number' ? parsed.display : null) };
  }

  /**
   * Dials a `tel:`, `sip:` or `callto:` link (common/links.ts reads it as hostile input); a `;ext=`
   * is sent as tones once the call connects. Confirming first is the caller's business.
   */
  dialLink(url: string): DialResult & { link?: PhoneLink } {
    const read = parsePhoneLink(url, i18n.t);
    if (!read.ok) return { ok: false, problem: read.problem };
    const result = this.dialTyped(read.link.number);
    if (result.ok && result.callId && read.link.extension) this.pendingExtensions.set(result.callId, read.link.extension);
    return { ...result, link: read.link };
  }

  // ---- the desktop: hotkeys, tray, notifications, headset, links ----

  /** A desktop command: the call it names, else the ringing call (answer, decline) or the one the agent is on. */
  command(command: DesktopCommand) {
    const id = command.callId;
    switch (command.action) {
      case 'answer':
        return this.answer(id);
      case 'decline':
        return this.decline(id);
      case 'hangUp':
        return this.hangup(id);
      case 'mute':
        return this.toggleMute(id);
      case 'hold':
        return this.toggleHold(id);
      case 'dialClipboard':
        return this.dialClipboard(command.text);
      case 'show':
        return; // the shell brings the window to the front
    }
  }

  /** Calls the number (or phone link) the agent copied: their own act, so no confirmation. */
  dialClipboard(text: string | undefined) {
    const typed = text?.trim() ?? '';
    if (!typed) return this.notice(i18n.t('desktop.clipboardNoNumber'));
    const result = parsePhoneLink(typed, i18n.t).ok ? this.dialLink(typed) : this.dialTyped(typed);
    if (!result.ok) this.notice(i18n.t('desktop.clipboardRefused', { problem: result.problem }));
    else if (result.callId === null) this.notice(i18n.t('desktop.noAccount'));
    else this.notice(null);
  }

  /** A link the OS (or the browser host's hand-off) gave Frontdesk: asks first when the setting says so, refuses a hostile one with the reason. */
  openLink(url: string) {
    const read = parsePhoneLink(url, i18n.t);
    if (!read.ok) {
      this.setState({ linkPrompt: null });
      return this.notice(i18n.t('desktop.linkRefused', { link: linkForDisplay(url), problem: read.problem }));
    }
    if (this.values?.confirmLinkCalls ?? true) this.setState({ linkPrompt: { url, link: read.link }, desktopNotice: null });
    else this.dialConfirmedLink(url);
  }

  /** "Call" in the link's confirmation. */
  confirmLink() {
    const prompt = this.state.linkPrompt;
    if (!prompt) return;
    this.setState({ linkPrompt: null });
    this.dialConfirmedLink(prompt.url);
  }

  /** "Cancel" in the link's confirmation: nothing is called. */
  cancelLink() {
    if (this.state.linkPrompt) this.setState({ linkPrompt: null });
  }

  dismissNotice() {
    this.notice(null);
  }

  private dialConfirmedLink(url: string) {
    const result = this.dialLink(url);
    if (!result.ok) this.notice(i18n.t('desktop.linkRefused', { link: linkForDisplay(url), problem: result.problem }));
    else if (result.callId === null) this.notice(i18n.t('desktop.linkNoAccount'));
    else this.notice(null);
  }

  /** Tells the agent what a desktop action could not do (null clears it). */
  notice(text: string | null) {
    if (this.state.desktopNotice !== text) this.setState({ desktopNotice: text });
  }

  /** Starts a warm or blind transfer of a call to a colleague (the engine says whether it could). */
  startTransfer(callId: string, kind: 'warm' | 'blind', target: Party, note: HandoffNote): boolean {
    return this.engine.startTransfer(callId, kind, target, note);
  }

  /** Completes the warm transfer of a call (`id`, else the one the agent is on; a consultation call completes its caller's). */
  completeTransfer(id?: string) {
    const call = id ? this.call(id) : currentCall(this.shown());
    const owner = call ? (call.consultFor ?? call.id) : id;
    if (owner) this.engine.completeTransfer(owner);
  }

  cancelTransfer(id: string) {
    this.engine.cancelTransfer(id);
  }

  blindTransferInstead(id: string) {
    this.engine.blindTransferInstead(id);
  }

  clearTransfer(id: string) {
    this.engine.clearTransfer(id);
  }

  /** Dismisses an ended call's card. */
  forget(id: string) {
    this.engine.forget(id);
  }
}
