import type JsSIP from 'jssip';
import type { Subscriber } from 'jssip/lib/Subscriber';
import {
  applyDialogInfo,
  buildPidf,
  noteDialogTimes,
  parseDialogInfo,
  parsePidf,
  type ColleagueWatch,
  type DialogInfo,
  type OwnPresence,
  type Pidf,
  type Watched,
} from '../../../common/presence';
import type { TFunction } from 'i18next';
import type { en } from '../../../common/i18n/en';
import { fixedT } from '../../../common/i18n/translate';
import { i18n } from '../i18n';
import { observeSubscriber, sendRequest, type SentRequestResponse } from './jssipInternals';
import { Store } from '../store';

/**
 * Colleague presence through the PBX, beside the SIP engine (as transfers.ts is): for each watched
 * colleague one subscription to the `dialog` event (RFC 4235: their line, what BLF keys show) and
 * one to `presence` (PIDF: registered or not, and what their Frontdesk publishes), and this desk's
 * own PUBLISH (on a call, do not disturb, away until a time with a note). What the documents mean
 * is common/presence.ts; this module keeps the subscriptions alive and says why when it cannot.
 *
 * Failing well: a PBX that does not offer an event (489, 405, 501) is asked once, then again after
 * `refusedRetryMs` or when the desk reconnects, one colleague first, never a loop; other failures
 * retry with a growing wait. Every colleague then reads "unknown" with the reason.
 */

export type PresenceEvent = 'presence' | 'dialog';
const events: readonly PresenceEvent[] = ['dialog', 'presence'];
const accept: Record<PresenceEvent, string> = { presence: 'application/pidf+xml', dialog: 'application/dialog-info+xml' };

/** Waits between attempts after a failure (then `refusedRetryMs`), each ±20 %. */
export const retryDelaysMs = [2_000, 5_000, 15_000, 30_000, 60_000, 120_000, 300_000];
/** How long a refusal (the PBX does not offer the event, forbids it, has no such extension) stands before asking again. */
export const refusedRetryMs = 600_000;

// JsSIP Subscriber's termination codes (Subscriber.C).
const ended = {
  responseTimeout: 0,
  transportError: 1,
  nonOkResponse: 2,
  wrongOkResponse: 3,
  authenticationFailed: 4,
  unsubscribeTimeout: 5,
  finalNotify: 6,
  wrongNotify: 7,
} as const;

export interface PublicationState {
  /** off: nothing to publish to (no account, not connected, presence disabled). */
  state: 'off' | 'publishing' | 'published' | 'refused' | 'retrying';
  reason: string | null;
}

export interface PresenceSnapshot {
  /** By extension. */
  colleagues: Readonly<Record<string, ColleagueWatch>>;
  publication: PublicationState;
}

export interface PresenceSettings {
  /** Watch colleagues and publish this desk's state at all. */
  enabled: boolean;
  /** Expires of subscriptions and publications (seconds): how often they are refreshed. */
  expiresS: number;
}

/** What the presence module needs from the engine. */
export interface PresenceHost {
  ua(): JsSIP.UA | null;
  account(): { user: string; domain: string } | null;
  /** This desk's state now: its calls, do not disturb, away. */
  own(): OwnPresence;
  now(): number;
  onProblem?(detail: string): void;
  /**
   * Keeps the entity tag of this desk's publication across page loads, so that a Frontdesk started
   * again (after a crash, too) replaces what it published before instead of adding to it.
   */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
}

interface Sub {
  extension: string;
  event: PresenceEvent;
  subscriber: Subscriber | null;
  /** The final response of the subscription's last SUBSCRIBE. */
  lastResponse: { code: number; reason: string | null; retryAfterS: number | null } | null;
  /** No NOTIFY received yet on the current subscriber. */
  firstNotify: boolean;
  attempts: number;
  timer: ReturnType<typeof setTimeout> | null;
}

const pending = <T>(reason: string | null = null): Watched<T> => ({ status: 'pending', doc: null, reason });

/**
 * Ends a subscription's JsSIP dialog and forgets it: an un-SUBSCRIBE, which also clears the PBX's
 * side of a subscription made on an earlier connection (on a dead connection it fails at once,
 * which ends it too). Its later events are not ours any more.
 */
function endSubscriber(sub: Sub) {
  const s = sub.subscriber;
  sub.subscriber = null;
  try {
    s?.terminate();
  } catch {
    // no answer yet: nothing to end
  }
}
const jitter = (ms: number) => Math.round(ms * (0.8 + Math.random() * 0.4));
const sipAnswer = (code: number, reason: string | null) => `${code}${reason ? ` ${reason}` : ''}`;

/** Why a colleague (or this desk's own status) cannot be seen, as a key under presence.why and its values. */
type Why = { key: Exclude<keyof typeof en.presence.why, 'kind'>; params?: { kind?: PresenceEvent; sip?: string; extension?: string; error?: string; code?: number } };
const english = fixedT('en');
/** A reason in the UI's language (what the panel shows), or in English (`t` = English: what the log says). */
function whyText(why: Why, t: TFunction = i18n.t): string {
  const { kind, ...rest } = why.params ?? {};
  return t(`presence.why.${why.key}`, { ...rest, kind: kind ? t(`presence.why.kind.${kind}`) : '' });
}
/** A reason for the log: in English, whatever the UI's language. */
const logged = (why: Why) => whyText(why, english);

export class Presence {
  private readonly store = new Store<PresenceSnapshot>({ colleagues: {}, publication: { state: 'off', reason: null } });
  private get snapshot(): PresenceSnapshot {
    return this.store.get();
  }
  private readonly subs = new Map<string, Sub>();
  private watched: string[] = [];
  private online = false;
  private settings: PresenceSettings = { enabled: true, expiresS: 600 };
  /** Events the PBX does not offer (and why), with the probe that asks again. */
  private readonly refused = new Map<PresenceEvent, { reason: string; probe: ReturnType<typeof setTimeout> | null }>();
  private readonly publication: Publication;
  private readonly counters = { subscribes: 0, publishes: 0, notifies: 0 };

  constructor(private readonly host: PresenceHost) {
    this.publication = new Publication(host, () => this.settings, (p) => this.update({ publication: p }), () => this.counters.publishes++);
  }

  // ---- store for React ----
  subscribe = this.store.subscribe;
  getSnapshot = this.store.get;

  /** Requests sent and NOTIFYs received so far (for diagnostics and the benchmark). */
  traffic(): { subscribes: number; publishes: number; notifies: number } {
    return { ...this.counters };
  }

  private update(patch: Partial<PresenceSnapshot>) {
    this.store.patch(patch);
  }

  private setWatch(extension: string, event: PresenceEvent, watched: Partial<Watched<unknown>>, times?: ColleagueWatch['times']) {
    const before = this.snapshot.colleagues[extension];
    if (!before) return;
    const next: ColleagueWatch = { ...before, [event]: { ...before[event], ...watched }, times: times ?? before.times };
    this.update({ colleagues: { ...this.snapshot.colleagues, [extension]: next } });
  }

  configure(settings: Partial<PresenceSettings>) {
    const before = this.settings;
    this.settings = { ...this.settings, ...settings };
    if (before.enabled === this.settings.enabled) return;
    if (!this.settings.enabled) {
      this.dropAll();
      this.publication.stop();
      for (const ext of this.watched) for (const e of events) this.setWatch(ext, e, { status: 'unavailable', doc: null, reason: whyText({ key: 'off' }) });
    } else if (this.online) this.connected();
  }

  /** Which colleagues to watch (extensions; this desk's own is left out). */
  setWatched(extensions: readonly string[]) {
    const own = this.host.account()?.user;
    const next = [...new Set(extensions)].filter((e) => e && e !== own);
    const gone = this.watched.filter((e) => !next.includes(e));
    const added = next.filter((e) => !this.watched.includes(e));
    this.watched = next;
    for (const ext of gone) {
      for (const e of events) this.drop(this.key(ext, e));
    }
    if (gone.length || added.length) {
      const colleagues = { ...this.snapshot.colleagues };
      for (const ext of gone) delete colleagues[ext];
      for (const ext of added) colleagues[ext] = { presence: pending(this.offlineReason()), dialog: pending(this.offlineReason()), times: {} };
      this.update({ colleagues });
    }
    if (this.online && this.settings.enabled) for (const ext of added) for (const e of events) this.start(ext, e, false);
  }

  private offlineReason(): string | null {
    if (!this.settings.enabled) return whyText({ key: 'off' });
    return this.online ? null : whyText({ key: 'notConnected' });
  }

  /**
   * The desk is registered on a (new) connection: every subscription starts afresh and the desk
   * publishes its state. Per event, one colleague is asked first; the others follow once the PBX
   * has shown it offers the event, so a PBX without presence is asked once, not once per colleague.
   */
  connected() {
    this.online = true;
    if (!this.settings.enabled) return;
    this.dropAll();
    for (const [event, r] of this.refused) {
      clearTimeout(r.probe ?? undefined);
      this.refused.delete(event);
    }
    for (const e of events) {
      const [first, ...rest] = this.watched;
      if (first === undefined) continue;
      for (const ext of rest) this.setWatch(ext, e, { status: this.snapshot.colleagues[ext]?.[e].status === 'active' ? 'active' : 'pending', reason: null });
      this.start(first, e, true);
    }
    this.publication.start();
  }

  /** The connection to the PBX is gone: what colleagues do is unknown until it is back. */
  disconnected() {
    if (!this.online) return;
    this.online = false;
    this.dropAll();
    this.publication.lost();
    for (const ext of this.watched) for (const e of events) this.setWatch(ext, e, { status: 'pending', doc: null, reason: whyText({ key: 'notConnected' }) });
  }

  /** The desk's own state changed (a call, do not disturb, away): publish it if it reads differently. */
  ownChanged() {
    if (this.online && this.settings.enabled) this.publication.update();
  }

  /** The desk stops (closing, another account): un-subscribe and withdraw the publication, best effort. */
  stop() {
    this.online = false;
    for (const sub of this.subs.values()) {
      if (sub.timer) clearTimeout(sub.timer);
      endSubscriber(sub);
    }
    this.subs.clear();
    for (const r of this.refused.values()) clearTimeout(r.probe ?? undefined);
    this.refused.clear();
    this.publication.stop();
    for (const ext of this.watched) for (const e of events) this.setWatch(ext, e, { status: 'pending', doc: null, reason: whyText({ key: 'notConnected' }) });
  }

  // ---- subscriptions ----

  private key(ext: string, event: PresenceEvent) {
    return `${event}:${ext}`;
  }

  /** Ends every subscription (they are renewed on a new connection, or the connection is gone). */
  private dropAll() {
    for (const key of [...this.subs.keys()]) this.drop(key);
  }

  private drop(key: string) {
    const sub = this.subs.get(key);
    if (!sub) return;
    this.subs.delete(key);
    if (sub.timer) clearTimeout(sub.timer);
    endSubscriber(sub);
  }

  /** Subscribes to one colleague's event; `probe`: the first of its event, the others wait for it. */
  private start(extension: string, event: PresenceEvent, probe: boolean) {
    const key = this.key(extension, event);
    let sub = this.subs.get(key);
    if (!sub) {
      sub = { extension, event, subscriber: null, lastResponse: null, firstNotify: true, attempts: 0, timer: null };
      this.subs.set(key, sub);
    }
    if (sub.timer) clearTimeout(sub.timer);
    sub.timer = null;
    // never two subscriptions for one colleague's event: the old one would refresh for ever
    endSubscriber(sub);
    const ua = this.host.ua();
    const account = this.host.account();
    if (!ua || !account || !this.online || !this.settings.enabled) return;
    const refused = this.refused.get(event);
    if (refused && !probe) {
      this.setWatch(extension, event, { status: 'unavailable', doc: null, reason: refused.reason });
      return;
    }
    let subscriber: Subscriber;
    try {
      subscriber = ua.subscribe(`sip:${extension}@${account.domain}`, event, accept[event], {
        expires: this.settings.expiresS,
        contentType: accept[event],
      });
    } catch (error) {
      this.setWatch(extension, event, { status: 'unavailable', doc: null, reason: whyText({ key: 'cannotWatch', params: { extension, error: (error as Error).message } }) });
      return;
    }
    const current = sub;
    current.subscriber = subscriber;
    current.firstNotify = true;
    current.lastResponse = null;
    const mine = () => current.subscriber === subscriber && this.subs.get(key) === current;
    observeSubscriber(subscriber, {
      response: (code, reason, retryAfterS) => {
        if (mine()) current.lastResponse = { code, reason, retryAfterS };
      },
      notify: (n) => {
        // a bodiless NOTIFY that ends the subscription says nothing about the colleague
        if (mine() && !(n.final && n.body === null)) this.onNotify(current, n.body);
      },
    });
    const emitter = subscriber as unknown as { on(event: string, listener: (...args: never[]) => void): void };
    emitter.on('accepted', () => {
      if (mine() && probe) this.eventOffered(event, extension);
    });
    emitter.on('terminated', (code: number, reason: string | undefined, retryAfter: number | undefined) => {
      // (a final NOTIFY's body is reported right after this event)
      queueMicrotask(() => {
        if (mine()) this.onEnded(current, code, reason, retryAfter, probe);
      });
    });
    this.counters.subscribes++;
    subscriber.subscribe();
  }

  /** The PBX accepted the first subscription of an event: the other colleagues follow. */
  private eventOffered(event: PresenceEvent, first: string) {
    const refused = this.refused.get(event);
    if (refused) clearTimeout(refused.probe ?? undefined);
    this.refused.delete(event);
    this.watched.forEach((ext, i) => {
      if (ext === first) return;
      const sub = this.subs.get(this.key(ext, event));
      if (sub?.subscriber) return;
      // a few at a time: 50 colleagues do not arrive at the PBX in one burst
      const at = Math.floor(i / 10) * 100;
      if (at === 0) this.start(ext, event, false);
      else {
        const s = sub ?? { extension: ext, event, subscriber: null, lastResponse: null, firstNotify: true, attempts: 0, timer: null };
        this.subs.set(this.key(ext, event), s);
        s.timer = setTimeout(() => this.start(ext, event, false), at);
      }
    });
  }

  private onNotify(sub: Sub, body: string | null) {
    this.counters.notifies++;
    const first = sub.firstNotify;
    sub.firstNotify = false;
    sub.attempts = 0;
    const before = this.snapshot.colleagues[sub.extension];
    if (!before) return;
    if (sub.event === 'presence') {
      const doc: Pidf | null = body ? parsePidf(body) : null;
      if (body && !doc) this.host.onProblem?.(`presence of ${sub.extension}: a document that is not PIDF was ignored`);
      this.setWatch(sub.extension, 'presence', { status: 'active', doc: body && !doc ? before.presence.doc : doc, reason: null });
      return;
    }
    const parsed = body ? parseDialogInfo(body) : null;
    if (body && !parsed) {
      this.host.onProblem?.(`line state of ${sub.extension}: a document that is not dialog-info was ignored`);
      this.setWatch(sub.extension, 'dialog', { status: 'active', reason: null });
      return;
    }
    const doc: DialogInfo | null = parsed ? applyDialogInfo(before.dialog.doc, parsed) : null;
    const times = doc ? noteDialogTimes(before.times, doc, this.host.now(), first) : {};
    this.setWatch(sub.extension, 'dialog', { status: 'active', doc, reason: null }, times);
  }

  private onEnded(sub: Sub, code: number, reason: string | undefined, retryAfterS: number | undefined, probe: boolean) {
    sub.subscriber = null;
    if (!this.online || !this.settings.enabled) return;
    const { extension, event } = sub;
    const response = sub.lastResponse;
    const kind = event;
    if (code === ended.nonOkResponse && response) {
      const sip = sipAnswer(response.code, response.reason);
      if ([489, 405, 501].includes(response.code)) {
        this.eventRefused(event, { key: 'notOffered', params: { kind, sip } });
        return;
      }
      if ([403, 404, 603].includes(response.code)) {
        this.unavailable(sub, { key: 'refusedShowing', params: { kind, sip } }, refusedRetryMs, probe);
        return;
      }
      if (response.code === 481) {
        // a refresh the PBX no longer knows (it restarted): subscribe again now
        this.retry(sub, null, 0, probe);
        return;
      }
      this.retry(sub, { key: 'answered', params: { sip } }, response.retryAfterS !== null ? response.retryAfterS * 1000 : null, probe);
      return;
    }
    switch (code) {
      case ended.authenticationFailed:
        this.unavailable(sub, { key: 'credentials', params: { kind } }, refusedRetryMs, probe);
        return;
      case ended.finalNotify:
        if (reason === 'rejected') this.unavailable(sub, { key: 'rejected', params: { kind } }, refusedRetryMs, probe);
        else if (reason === 'noresource') this.unavailable(sub, { key: 'noResource', params: { kind, extension } }, refusedRetryMs, probe);
        else if (reason === 'probation' || reason === 'giveup') this.retry(sub, null, (retryAfterS ?? 30) * 1000, probe);
        // deactivated, timeout (or no reason): subscribe again at once, keeping what is shown meanwhile
        else this.retry(sub, null, sub.attempts === 0 ? 0 : null, probe);
        return;
      default:
        this.retry(sub, code === ended.responseTimeout || code === ended.transportError ? { key: 'noAnswer' } : { key: 'ended', params: { code } }, null, probe);
    }
  }

  /** Subscribe again after a wait; with a reason, the colleague reads unknown meanwhile. */
  private retry(sub: Sub, why: Why | null, waitMs: number | null, probe: boolean) {
    const wait = waitMs ?? jitter(retryDelaysMs[Math.min(sub.attempts, retryDelaysMs.length - 1)]!);
    sub.attempts++;
    if (why) this.setWatch(sub.extension, sub.event, { status: 'unavailable', doc: null, reason: i18n.t('presence.why.tryingAgain', { reason: whyText(why) }) });
    sub.timer = setTimeout(() => this.start(sub.extension, sub.event, probe), wait);
  }

  private unavailable(sub: Sub, why: Why, waitMs: number, probe: boolean) {
    this.host.onProblem?.(`${english(`presence.why.kind.${sub.event}`)} of ${sub.extension}: ${logged(why)}`);
    this.setWatch(sub.extension, sub.event, { status: 'unavailable', doc: null, reason: whyText(why) });
    sub.timer = setTimeout(() => this.start(sub.extension, sub.event, probe), jitter(waitMs));
    // the probe of an event stood for all: the others are asked now
    if (probe) this.eventOffered(sub.event, sub.extension);
  }

  /** The PBX does not offer this event: every colleague reads so, and one probe asks again later. */
  private eventRefused(event: PresenceEvent, why: Why) {
    this.host.onProblem?.(logged(why));
    const reason = whyText(why);
    const before = this.refused.get(event);
    if (before) clearTimeout(before.probe ?? undefined);
    for (const ext of this.watched) {
      this.drop(this.key(ext, event));
      this.setWatch(ext, event, { status: 'unavailable', doc: null, reason });
    }
    const first = this.watched[0];
    const probe = first === undefined ? null : setTimeout(() => this.start(first, event, true), jitter(refusedRetryMs));
    this.refused.set(event, { reason, probe });
  }
}

/**
 * This desk's own presence (RFC 3903 PUBLISH of a PIDF): sent when it reads differently, refreshed
 * before it expires (SIP-If-Match, no body), withdrawn on stop (Expires: 0). An "away until" is
 * published again when its time comes, without it.
 */
class Publication {
  private etag: string | null = null;
  /** What was last published, without its time (buildPidf with changedAt 0): sent again only when this changes. */
  private body: string | null = null;
  private inFlight = false;
  private again = false;
  private running = false;
  private attempts = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private awayTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly host: PresenceHost,
    private readonly settings: () => PresenceSettings,
    private readonly report: (state: PublicationState) => void,
    private readonly counted: () => void,
  ) {}

  private entity(): string | null {
    const a = this.host.account();
    return a ? `sip:${a.user}@${a.domain}` : null;
  }

  private storageKey(): string | null {
    const entity = this.entity();
    return entity ? `frontdesk.presence.etag:${entity}` : null;
  }

  private keepEtag(etag: string | null) {
    this.etag = etag;
    const key = this.storageKey();
    try {
      if (key && etag) this.host.storage?.setItem(key, etag);
      else if (key) this.host.storage?.removeItem(key);
    } catch {
      // storage full or denied: the publication lasts its expiry at worst
    }
  }

  /**
   * On a (new) connection: publish now, replacing the publication of an earlier connection or
   * page load when the PBX still has it (SIP-If-Match; a PBX that lost it says so and gets a new one).
   */
  start() {
    this.running = true;
    if (!this.etag) {
      const key = this.storageKey();
      try {
        this.etag = (key && this.host.storage?.getItem(key)) || null;
      } catch {
        this.etag = null;
      }
    }
    this.body = null;
    this.attempts = 0;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.update();
  }

  /** The connection is gone: the publication is the PBX's to expire; a new one follows on reconnect. */
  lost() {
    this.running = false;
    this.clearTimers();
    this.report({ state: 'off', reason: whyText({ key: 'publishNotConnected' }) });
  }

  stop() {
    const ua = this.host.ua();
    const entity = this.entity();
    if (this.running && ua && entity && this.etag) {
      try {
        sendRequest(ua, 'PUBLISH', entity, { extraHeaders: ['Event: presence', 'Expires: 0', `SIP-If-Match: ${this.etag}`] }, { response: () => undefined, failed: () => undefined });
      } catch {
        // closing anyway
      }
    }
    this.running = false;
    this.keepEtag(null);
    this.body = null;
    this.clearTimers();
    this.report({ state: 'off', reason: null });
  }

  private clearTimers() {
    for (const t of [this.refreshTimer, this.retryTimer, this.awayTimer]) if (t) clearTimeout(t);
    this.refreshTimer = this.retryTimer = this.awayTimer = null;
  }

  update() {
    if (!this.running) return;
    const entity = this.entity();
    if (!entity) return;
    const now = this.host.now();
    const own = this.host.own();
    // an away's end is a change of state of its own
    if (this.awayTimer) clearTimeout(this.awayTimer);
    this.awayTimer = null;
    const untilMs = own.away ? Date.parse(own.away.until) - now : NaN;
    if (untilMs > 0) this.awayTimer = setTimeout(() => this.update(), Math.min(untilMs + 50, 2 ** 31 - 1));
    if (buildPidf(entity, own, now, 0) === this.body && this.etag) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.retryTimer) return; // a retry is scheduled: it sends the state of that moment
    this.send(this.current());
  }

  /** This desk's state now, as published (with the time of this change). */
  private current(): { body: string; key: string } {
    const entity = this.entity()!;
    const own = this.host.own();
    const now = this.host.now();
    return { body: buildPidf(entity, own, now), key: buildPidf(entity, own, now, 0) };
  }

  /** Sends the state (a refresh when null). */
  private send(state: { body: string; key: string } | null) {
    const body = state?.body ?? null;
    const ua = this.host.ua();
    const entity = this.entity();
    if (!ua || !entity || !this.running) return;
    this.inFlight = true;
    this.again = false;
    const withEtag = this.etag;
    const headers = ['Event: presence', `Expires: ${this.settings().expiresS}`];
    if (withEtag) headers.push(`SIP-If-Match: ${withEtag}`);
    if (body !== null) headers.push('Content-Type: application/pidf+xml');
    if (!withEtag || body !== null) this.report({ state: 'publishing', reason: null });
    const finish = () => {
      this.inFlight = false;
      if (this.again) this.update();
    };
    this.counted();
    try {
      sendRequest(ua, 'PUBLISH', entity, { extraHeaders: headers, body: body ?? undefined }, {
        response: (r) => {
          this.onResponse(r, state, withEtag);
          finish();
        },
        failed: (cause) => {
          this.retry(whyText({ key: cause === 'timeout' ? 'publishNoAnswer' : 'publishFailed' }));
          finish();
        },
      });
    } catch (error) {
      this.inFlight = false;
      this.retry((error as Error).message);
    }
  }

  private onResponse(r: SentRequestResponse, state: { body: string; key: string } | null, withEtag: string | null) {
    if (!this.running) return;
    const code = r.status_code;
    if (code >= 200 && code < 300) {
      this.attempts = 0;
      this.keepEtag(r.getHeader('SIP-ETag') ?? this.etag);
      if (state) this.body = state.key;
      const expires = Number.parseInt(r.getHeader('Expires') ?? '', 10);
      const seconds = Number.isFinite(expires) && expires > 0 ? expires : this.settings().expiresS;
      if (this.refreshTimer) clearTimeout(this.refreshTimer);
      // refresh ahead of the expiry (RFC 3903 §4.1: no body, SIP-If-Match)
      this.refreshTimer = setTimeout(() => this.send(null), Math.max(5, Math.min(seconds - 30, seconds * 0.8)) * 1000);
      this.report({ state: 'published', reason: null });
      return;
    }
    const answer = sipAnswer(code, r.reason_phrase ?? null);
    if (withEtag && code !== 489 && code !== 403) {
      // 412 (or a PBX that lost the publication and says so otherwise): publish afresh
      this.keepEtag(null);
      this.body = null;
      if (this.attempts++ === 0) {
        this.send(this.current());
        return;
      }
    }
    if (code === 489 || code === 405 || code === 501 || code === 403) {
      const why: Why = { key: code === 403 ? 'publishRefused' : 'publishNotAccepted', params: { sip: answer } };
      this.host.onProblem?.(logged(why));
      this.report({ state: 'refused', reason: whyText(why) });
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.keepEtag(null);
        this.body = null;
        this.update();
      }, jitter(refusedRetryMs));
      return;
    }
    this.retry(whyText({ key: 'answered', params: { sip: answer } }));
  }

  private retry(reason: string) {
    if (!this.running) return;
    this.report({ state: 'retrying', reason });
    const wait = jitter(retryDelaysMs[Math.min(this.attempts++, retryDelaysMs.length - 1)]!);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.body = null;
      this.update();
    }, wait);
  }
}
