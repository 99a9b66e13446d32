import { z } from 'zod';
import type { TFunction } from 'i18next';
import { formatClock } from './i18n/format';
import { fixedT } from './i18n/translate';
import { childNamed, childrenNamed, escapeXml, parseXml, type XmlElement } from './xml';
import { dateTimeFormat } from './i18n/intl';

/**
 * Colleague presence ("BLF"), the standard way: a desk SUBSCRIBEs at the PBX to each colleague's
 * `dialog` event (RFC 4235 dialog-info: what BLF keys show, published by the PBX for every phone)
 * and `presence` event (RFC 3856 with a PIDF body, RFC 3863, its data model RFC 4479 and RPID
 * activities RFC 4480). Frontdesk PUBLISHes its own presence: on a call (since when, on hold),
 * do not disturb, away / out of office until a time with a note.
 *
 * This module is the documents and what they mean, pure and shared: reading dialog-info and PIDF,
 * writing Frontdesk's PIDF, and deciding what a colleague's state is at a given moment
 * (`colleagueState`), which is what the Colleagues panel and the Transfer dialog show.
 */

export const xmlns = {
  pidf: 'urn:ietf:params:xml:ns:pidf',
  dataModel: 'urn:ietf:params:xml:ns:pidf:data-model',
  rpid: 'urn:ietf:params:xml:ns:pidf:rpid',
  dialogInfo: 'urn:ietf:params:xml:ns:dialog-info',
} as const;

/** The longest note Frontdesk publishes with "away" (a short reason: "at a meeting"). */
export const maxAwayNote = 100;

/** Out of office as a person sets it in their Frontdesk: until when (ISO 8601 with offset), and why. */
export const AwaySchema = z.strictObject({
  until: z.iso.datetime({ offset: true, message: 'must be a date and time, e.g. 2025-03-01T15:00:00+03:00' }),
  note: z.string().trim().max(maxAwayNote, `must be at most ${maxAwayNote} characters`),
});
export type Away = z.infer<typeof AwaySchema>;

// ---------------------------------------------------------------- dialog-info (RFC 4235)

export type DialogState = 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
const dialogStates: readonly DialogState[] = ['trying', 'proceeding', 'early', 'confirmed', 'terminated'];

/** One dialog (call) of a colleague's line, as the PBX reports it. */
export interface LineDialog {
  id: string;
  callId: string | null;
  /** initiator: the colleague placed the call; recipient: it rings / rang at the colleague. */
  direction: 'initiator' | 'recipient' | null;
  state: DialogState;
  /** The colleague holds the call (RFC 4235 §4.1.6.2: +sip.rendering="no" on the local target). */
  held: boolean;
  /** <duration> when the PBX says how long the dialog has lasted (seconds). */
  durationS: number | null;
}

export interface DialogInfo {
  version: number | null;
  /** "full" state, or "partial" (only the dialogs that changed). */
  full: boolean;
  entity: string | null;
  dialogs: LineDialog[];
}

/** Reads a dialog-info document; null when it is not one. */
export function parseDialogInfo(body: string): DialogInfo | null {
  const root = parseXml(body);
  if (!root || root.name !== 'dialog-info' || root.ns !== xmlns.dialogInfo) return null;
  const version = Number(root.attrs.version);
  const dialogs: LineDialog[] = [];
  for (const d of childrenNamed(root, 'dialog', xmlns.dialogInfo)) {
    const stateText = childNamed(d, 'state', xmlns.dialogInfo)?.text.toLowerCase() as DialogState | undefined;
    if (!stateText || !dialogStates.includes(stateText)) continue;
    const rendering = childrenNamed(childNamed(childNamed(d, 'local', xmlns.dialogInfo), 'target', xmlns.dialogInfo), 'param', xmlns.dialogInfo).find(
      (p) => p.attrs.pname?.toLowerCase() === '+sip.rendering',
    );
    const duration = Number(childNamed(d, 'duration', xmlns.dialogInfo)?.text);
    const direction = d.attrs.direction;
    dialogs.push({
      id: d.attrs.id ?? d.attrs['call-id'] ?? `dialog-${dialogs.length}`,
      callId: d.attrs['call-id'] ?? null,
      direction: direction === 'initiator' || direction === 'recipient' ? direction : null,
      state: stateText,
      held: rendering?.attrs.pval?.toLowerCase() === 'no',
      durationS: Number.isFinite(duration) && duration >= 0 ? duration : null,
    });
  }
  return { version: Number.isFinite(version) ? version : null, full: root.attrs.state !== 'partial', entity: root.attrs.entity ?? null, dialogs };
}

/** The line after a NOTIFY: a full document replaces it, a partial one updates the dialogs it names. */
export function applyDialogInfo(previous: DialogInfo | null, next: DialogInfo): DialogInfo {
  if (next.full || !previous) return next;
  const byId = new Map(previous.dialogs.map((d) => [d.id, d]));
  for (const d of next.dialogs) byId.set(d.id, d);
  return { ...next, full: true, dialogs: [...byId.values()] };
}

// ---------------------------------------------------------------- PIDF (RFC 3863, 4479, 4480)

export interface Pidf {
  entity: string | null;
  /** Each tuple's basic status: open (reachable, e.g. registered) or closed. */
  tuples: { id: string; basic: 'open' | 'closed' | null }[];
  /** RPID activities of the person(s): "away", "on-the-phone", "busy", …; <other>x</other> reads "other:x". */
  activities: string[];
  /** When the activities started and end (ISO 8601), when the publisher says so. */
  from: string | null;
  until: string | null;
  /** The person's notes (a short reason, "at a meeting"). */
  notes: string[];
}

interface PersonPart {
  activities: string[];
  from: string | null;
  until: string | null;
  notes: string[];
  /** RFC 4479 <dm:timestamp>: when its publisher last changed it. */
  timestamp: number | null;
}

function readPerson(el: XmlElement, isPerson: boolean): PersonPart {
  const part: PersonPart = { activities: [], from: null, until: null, notes: [], timestamp: null };
  const visit = (e: XmlElement) => {
    if (e.name === 'activities' && e.ns === xmlns.rpid) {
      for (const a of e.children) {
        if (a.ns !== xmlns.rpid) continue;
        const name = a.name === 'other' ? `other:${a.text.trim().toLowerCase()}` : a.name;
        if (!part.activities.includes(name)) part.activities.push(name);
      }
      if (e.attrs.from && !Number.isNaN(Date.parse(e.attrs.from))) part.from = e.attrs.from;
      if (e.attrs.until && !Number.isNaN(Date.parse(e.attrs.until))) part.until = e.attrs.until;
      return;
    }
    if (isPerson && e.name === 'note' && (e.ns === xmlns.dataModel || e.ns === xmlns.pidf) && e.text) part.notes.push(e.text);
    if (isPerson && e.name === 'timestamp' && e.ns === xmlns.dataModel && !Number.isNaN(Date.parse(e.text))) part.timestamp = Date.parse(e.text);
    for (const c of e.children) visit(c);
  };
  for (const c of el.children) visit(c);
  return part;
}

/**
 * Reads a PIDF document (one publisher's, or the PBX's aggregate of several); null when it is not
 * one. Of several person elements (two desks of one extension, or a publication that outlived its
 * desk), the one with the latest <dm:timestamp> speaks for the person; without timestamps, all do.
 */
export function parsePidf(body: string): Pidf | null {
  const root = parseXml(body);
  if (!root || root.name !== 'presence' || root.ns !== xmlns.pidf) return null;
  const tuples = childrenNamed(root, 'tuple', xmlns.pidf).map((t) => {
    const basic = childNamed(childNamed(t, 'status', xmlns.pidf), 'basic', xmlns.pidf)?.text.toLowerCase();
    return { id: t.attrs.id ?? '', basic: basic === 'open' || basic === 'closed' ? basic : null } as Pidf['tuples'][number];
  });
  // RPID activities live in <dm:person> (RFC 4479); older publishers put them in a tuple or elsewhere.
  const parts = root.children.map((c) => readPerson(c, c.name === 'person' && c.ns === xmlns.dataModel)).filter((p) => p.activities.length || p.notes.length || p.timestamp !== null);
  const stamped = parts.filter((p) => p.timestamp !== null).sort((a, b) => b.timestamp! - a.timestamp!);
  const speaking = stamped.length ? [stamped[0]!] : parts;
  const activities = [...new Set(speaking.flatMap((p) => p.activities))];
  const froms = speaking.map((p) => p.from).filter((f): f is string => f !== null).sort((a, b) => Date.parse(a) - Date.parse(b));
  const untils = speaking.map((p) => p.until).filter((u): u is string => u !== null).sort((a, b) => Date.parse(b) - Date.parse(a));
  return { entity: root.attrs.entity ?? null, tuples, activities, from: froms[0] ?? null, until: untils[0] ?? null, notes: speaking.flatMap((p) => p.notes) };
}

/** What this desk tells its colleagues about itself. */
export interface OwnPresence {
  /** On a call since (epoch ms); held: every call of this desk is on hold. */
  onCall: { since: number; held: boolean } | null;
  dnd: boolean;
  away: Away | null;
}

/** The activity Frontdesk publishes for a desk whose every call is on hold (RFC 4480 <other>). */
export const onHoldActivity = 'on-hold';

/**
 * Frontdesk's own PIDF: a person element (RFC 4479) with RPID activities (RFC 4480), a note and
 * the time of the change (so that a newer publication outweighs one a vanished desk left behind).
 * No tuple: whether the desk is reachable (registered) is the PBX's to say, so that a desk that
 * vanished without a word is shown offline as soon as its registration ends, whatever it
 * published last. On a call: on-the-phone from the call's start (and <other>on-hold</other>);
 * do not disturb: busy; away: away until the time, with the note.
 */
export function buildPidf(entity: string, own: OwnPresence, now: number, changedAt?: number): string {
  const away = own.away && Date.parse(own.away.until) > now ? own.away : null;
  let activities = '';
  let note = '';
  if (own.onCall) {
    activities = `<rpid:activities from="${new Date(own.onCall.since).toISOString()}"><rpid:on-the-phone/>${own.onCall.held ? `<rpid:other>${onHoldActivity}</rpid:other>` : ''}${own.dnd ? '<rpid:busy/>' : ''}</rpid:activities>`;
  } else if (away) {
    activities = `<rpid:activities until="${escapeXml(away.until)}"><rpid:away/>${own.dnd ? '<rpid:busy/>' : ''}</rpid:activities>`;
    if (away.note) note = `<dm:note>${escapeXml(away.note)}</dm:note>`;
  } else if (own.dnd) {
    activities = '<rpid:activities><rpid:busy/></rpid:activities>';
    note = '<dm:note>Do not disturb</dm:note>';
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\r\n' +
    `<presence xmlns="${xmlns.pidf}" xmlns:dm="${xmlns.dataModel}" xmlns:rpid="${xmlns.rpid}" entity="${escapeXml(entity)}">` +
    `<dm:person id="frontdesk">${activities}${note}<dm:timestamp>${new Date(changedAt ?? now).toISOString()}</dm:timestamp></dm:person>` +
    '</presence>\r\n'
  );
}

// ---------------------------------------------------------------- what a colleague's state is

/** How one subscription stands: waiting for its first NOTIFY, active, or not available (and why). */
export interface Watched<T> {
  status: 'pending' | 'active' | 'unavailable';
  /** The last document (null: nothing published, or nothing received yet). */
  doc: T | null;
  /** Why it is not available (or why it is pending again), as a person reads it. */
  reason: string | null;
}

/** When this desk first saw each dialog of a colleague ring and connect, and whether it saw it happen. */
export type DialogTimes = Readonly<Record<string, { early?: number; confirmed?: number; confirmedKnown?: boolean }>>;

export interface ColleagueWatch {
  presence: Watched<Pidf>;
  dialog: Watched<DialogInfo>;
  times: DialogTimes;
}

/**
 * Notes when dialogs were first seen ringing and connected. A call that was already connected in
 * the first document of a subscription started at a moment this desk does not know.
 */
export function noteDialogTimes(times: DialogTimes, info: DialogInfo, now: number, firstDocument: boolean): DialogTimes {
  const out: Record<string, { early?: number; confirmed?: number; confirmedKnown?: boolean }> = {};
  for (const d of info.dialogs) {
    if (d.state === 'terminated') continue;
    const t = { ...times[d.id] };
    if (d.state !== 'confirmed') t.early ??= now;
    if (d.state === 'confirmed' && t.confirmed === undefined) {
      t.confirmed = d.durationS !== null ? now - d.durationS * 1000 : now;
      t.confirmedKnown = d.durationS !== null || !firstDocument;
    }
    out[d.id] = t;
  }
  return out;
}

export type ColleagueStateKind = 'unknown' | 'offline' | 'available' | 'ringing' | 'on-call' | 'on-hold' | 'dnd' | 'away';

export interface ColleagueState {
  kind: ColleagueStateKind;
  /** Since when (epoch ms): the call's start, when known. */
  since: number | null;
  /** Away until (ISO 8601). */
  until: string | null;
  note: string | null;
  /** Why the state is unknown. */
  reason: string | null;
  /** Away, and not even registered (went home for the day). */
  offline?: boolean;
}

/** An early dialog older than this is taken to be a ring the PBX never reported the end of. */
export const staleRingMs = 120_000;

const awayActivities = new Set([
  'away',
  'appointment',
  'meeting',
  'vacation',
  'holiday',
  'travel',
  'in-transit',
  'permanent-absence',
  'meal',
  'breakfast',
  'dinner',
  'sleeping',
  'steering',
  'shopping',
  'looking-for-work',
]);

/** The reasons colleagueState gives itself, in English; the window says them in its language (presence.unknownWhy). */
const unknownReasons = { notWatched: 'not watched', asking: 'asking the PBX…', noPresence: 'no presence from the PBX' } as const;
const ownReason = new Map(Object.entries(unknownReasons).map(([key, text]) => [text as string, key as keyof typeof unknownReasons]));

const state = (kind: ColleagueStateKind, extra: Partial<ColleagueState> = {}): ColleagueState => ({ kind, since: null, until: null, note: null, reason: null, ...extra });

/**
 * A colleague's state at `now`, from what the PBX last said on both subscriptions. A call (from
 * the PBX's dialog-info or the colleague's own "on the phone") comes first, then ringing; then
 * registration (no open tuple: offline, unless away says more), do not disturb, away until a time
 * still ahead (an "until" that has passed is over: it clears itself), and otherwise available.
 * Unknown only when neither subscription works, with the reason.
 */
export function colleagueState(w: ColleagueWatch | undefined, now: number): ColleagueState {
  if (!w) return state('unknown', { reason: unknownReasons.notWatched });
  const { presence, dialog } = w;
  if (presence.status !== 'active' && dialog.status !== 'active') {
    const reason = presence.reason ?? dialog.reason ?? (presence.status === 'pending' || dialog.status === 'pending' ? unknownReasons.asking : unknownReasons.noPresence);
    return state('unknown', { reason });
  }
  const live = (dialog.status === 'active' ? (dialog.doc?.dialogs ?? []) : []).filter((d) => d.state !== 'terminated');
  const connected = live.filter((d) => d.state === 'confirmed');
  const outgoing = live.filter((d) => d.state !== 'confirmed' && d.direction === 'initiator');
  const ringing = live.filter((d) => d.state !== 'confirmed' && d.direction !== 'initiator' && now - (w.times[d.id]?.early ?? now) < staleRingMs);
  const pidf = presence.status === 'active' ? presence.doc : null;
  const activities = new Set(pidf?.activities ?? []);
  const onThePhone = activities.has('on-the-phone');

  if (connected.length > 0 || outgoing.length > 0 || onThePhone) {
    const starts = connected.filter((d) => w.times[d.id]?.confirmedKnown).map((d) => w.times[d.id]!.confirmed!);
    const published = onThePhone && pidf?.from ? Date.parse(pidf.from) : NaN;
    const since = Number.isFinite(published) ? published : starts.length > 0 ? Math.min(...starts) : null;
    const held = activities.has(`other:${onHoldActivity}`) || (connected.length > 0 && outgoing.length === 0 && connected.every((d) => d.held));
    return state(held ? 'on-hold' : 'on-call', { since });
  }
  if (ringing.length > 0) return state('ringing', { since: Math.min(...ringing.map((d) => w.times[d.id]?.early ?? now)) });

  const awayUntil = pidf?.until && Date.parse(pidf.until) > now ? pidf.until : null;
  const away = awayUntil && [...activities].some((a) => awayActivities.has(a));
  const note = pidf?.notes.find((n) => n.trim() && n !== 'Do not disturb') ?? null;
  const registered = pidf ? pidf.tuples.some((t) => t.basic === 'open') : presence.status !== 'active';
  if (!registered) return away ? state('away', { until: awayUntil, note, offline: true }) : state('offline');
  if (activities.has('busy') || activities.has('other:do-not-disturb') || activities.has('other:dnd')) return state('dnd');
  if (away) return state('away', { until: awayUntil, note });
  return state('available');
}

/** Whether a transfer to this colleague should stop and say so first ("absent first"). */
export const isAbsent = (s: ColleagueState): boolean => s.kind !== 'available' && s.kind !== 'unknown';

/** The words and the locale presence is told in: English unless the window passes its own. */
export interface PresenceWording {
  t: TFunction;
  locale: string;
}
const english = (): PresenceWording => ({ t: fixedT('en'), locale: 'en-GB' });

/** "15:00", "tomorrow 09:00", "Fri 7 Mar 09:00": an until time as the agent reads it, in their time zone. */
export function untilText(until: string, now: number, timeZone?: string, { t, locale }: PresenceWording = english()): string {
  const at = new Date(until);
  const time = dateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(at);
  const day = (d: Date) => dateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(d);
  if (day(at) === day(new Date(now))) return time;
  if (day(at) === day(new Date(now + 86_400_000))) return t('presence.tomorrowAt', { time });
  const date = dateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone }).format(at);
  return `${date} ${time}`;
}

function clock(ms: number, locale: string): string {
  return formatClock(ms, locale);
}

/** The state in words: "On a call, 3:12", "Out of office until 15:00: at a meeting", "Unknown: …". */
export function describeState(s: ColleagueState, now: number, timeZone?: string, wording: PresenceWording = english()): string {
  const { t, locale } = wording;
  const duration = s.since !== null ? `, ${clock(now - s.since, locale)}` : '';
  switch (s.kind) {
    case 'available':
      return t('presence.available');
    case 'ringing':
      return t('presence.ringing');
    case 'on-call':
      return `${t('presence.onCall')}${duration}`;
    case 'on-hold':
      return `${t('presence.onHold')}${duration}`;
    case 'dnd':
      return t('presence.dnd');
    case 'away':
      return `${s.until ? t('presence.awayUntil', { until: untilText(s.until, now, timeZone, wording) }) : t('presence.away')}${s.note ? `: ${s.note}` : ''}${s.offline ? ` ${t('presence.offlineMark')}` : ''}`;
    case 'offline':
      return t('presence.offline');
    case 'unknown':
      return t('presence.unknown', { reason: unknownReasonText(s.reason, t) });
  }
}

/** Why a colleague's state is unknown, in the window's language (the presence module's reasons come already said in it). */
function unknownReasonText(reason: string | null, t: TFunction): string {
  const own = reason === null ? 'noPresence' : ownReason.get(reason);
  return own ? t(`presence.unknownWhy.${own}`) : reason!;
}

/** What the receptionist is told before transferring to an absent colleague: "Sales is on a call (3:12)". */
export function absenceSentence(name: string, s: ColleagueState, now: number, timeZone?: string, wording: PresenceWording = english()): string {
  const { t, locale } = wording;
  const duration = s.since !== null ? ` (${clock(now - s.since, locale)})` : '';
  switch (s.kind) {
    case 'ringing':
      return t('presence.absent.ringing', { name });
    case 'on-call':
      return t('presence.absent.onCall', { name }) + duration;
    case 'on-hold':
      return t('presence.absent.onHold', { name }) + duration;
    case 'dnd':
      return t('presence.absent.dnd', { name });
    case 'away':
      return `${s.until ? t('presence.absent.awayUntil', { name, until: untilText(s.until, now, timeZone, wording) }) : t('presence.absent.away', { name })}${s.note ? `: ${s.note}` : ''}`;
    case 'offline':
      return t('presence.absent.offline', { name });
    default:
      return t('presence.absent.other', { name, state: describeState(s, now, timeZone, wording).toLocaleLowerCase(locale) });
  }
}
