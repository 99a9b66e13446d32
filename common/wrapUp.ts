import { z } from 'zod';
import { en as uiEnglish } from './i18n/en';
import { formatDayMonth, nearDayWord, scriptLocale } from './i18n/format';
import { CallDirectionSchema, digitsOf, isNumberLike, type CallOutcome } from './callLog';
import { check, checkSaid, saidText } from './said';
import { fixedT } from './i18n/translate';
import type { TFunction } from 'i18next';

/**
 * Wrap-up and calling back (docs: /work/shared/product/call-handling.md, "Closing": agree the next
 * step, date, time, who). When a call with an outside party ends, the agent wraps it up: an outcome,
 * notes, and an optional next step with a date, which becomes a follow-up that comes back on that
 * date in the "Call back" list. Web leads (and, later, other sources) feed the same list.
 *
 * Pure TypeScript (zod only): the services validate what they store, the contract validates what
 * crosses, the renderer uses the same helpers (`needsWrapUp`, `followUpTiming`, `endOfLocalDay`).
 */

// ---------------------------------------------------------------------------------------------
// Outcomes
// ---------------------------------------------------------------------------------------------

/**
 * What came of a call, as the agent sums it up. A short fixed list for now; the database stores the
 * key as text (no CHECK), so an office-configurable list later needs no migration.
 */
export const wrapUpOutcomes = ['resolved', 'callback', 'sale', 'not-interested', 'wrong-number', 'message-taken'] as const;
export const WrapUpOutcomeSchema = z.enum(wrapUpOutcomes, { error: `must be one of ${wrapUpOutcomes.join(', ')}` });
export type WrapUpOutcome = z.infer<typeof WrapUpOutcomeSchema>;

export const wrapUpOutcomeLabels: Record<WrapUpOutcome, string> = uiEnglish.wrapUpOutcome;

/**
 * Where a follow-up came from: the next step of a wrap-up, a web lead (the CRM, an import, or a
 * missed call that carried a lead id), a missed call, or typed in by hand. The source picks the
 * outbound script ("you left a request on our site today…" for a web lead).
 */
export const followUpSources = ['wrap-up', 'web-lead', 'missed-call', 'manual'] as const;
export const FollowUpSourceSchema = z.enum(followUpSources, { error: `must be one of ${followUpSources.join(', ')}` });
export type FollowUpSource = z.infer<typeof FollowUpSourceSchema>;

/**
 * History outcomes of calls someone talked on here: answered, or failed after the answer (a transfer,
 * a decline, a missed call had no conversation to wrap up here).
 */
export const talkedOutcomes: ReadonlySet<CallOutcome> = new Set<CallOutcome>(['answered', 'failed', 'interrupted']);

/** Remote parties up to this many digits are extensions (colleagues), as the dialler reads them. */
export const MAX_EXTENSION_DIGITS = 6;

/**
 * Whether a call gets a wrap-up: it was answered (someone talked) and the other party is an outside
 * number, not a colleague's extension. Missed, declined and unreached calls have nothing to wrap up.
 */
export function needsWrapUp(call: { answered: boolean; remoteNumber: string }): boolean {
  return call.answered && digitsOf(call.remoteNumber.replace(/@.*$/, '')).length > MAX_EXTENSION_DIGITS;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces of the schemas
// ---------------------------------------------------------------------------------------------

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2025-01-31T09:30:00.000Z' });
const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
/** Optional text: absent, null and blank all mean "none". */
const optionalText = (max: number) =>
  text(max)
    .nullable()
    .default(null)
    .transform((v) => (v === '' ? null : v));
const requiredText = (max: number, what: string) => text(max).min(1, `must not be empty: ${what}`);
const idText = z.string().trim().min(1, 'must not be empty').max(200);
const PhoneNumberSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200)
  .refine(isNumberLike, check('phone'));

/** The next step agreed on a call: what, and when. An all-day step is due at any time that day. */
export const NextStepInputSchema = z.strictObject({
  what: requiredText(2000, 'say what the next step is (e.g. "send the quote and call back")'),
  /** When it is due. For an all-day step, the start of that day in the PC's local time. */
  dueAt: isoTime,
  allDay: z.boolean().default(false),
});
export type NextStepInput = z.input<typeof NextStepInputSchema>;

// ---------------------------------------------------------------------------------------------
// Wrap-ups
// ---------------------------------------------------------------------------------------------

/**
 * What the agent saves when they wrap a call up. The call is named by its SIP Call-ID (while it is up
 * or just ended, before the history has it) or by its history id (a pending wrap-up from the list).
 */
/**
 * What the agent has typed into a wrap-up form and not saved yet, kept in the services as it is
 * typed (the form's own fields, as text), so a crash, a restart or a closed window loses none of it.
 */
export const WrapUpDraftSchema = z.strictObject({
  outcome: WrapUpOutcomeSchema.nullable(),
  notes: z.string().max(20_000),
  step: z.string().max(1000),
  date: z.string().max(20),
  time: z.string().max(20),
});
export type WrapUpDraft = z.infer<typeof WrapUpDraftSchema>;

/** A draft of one form (by the form's key: the call's SIP Call-ID, or its history id); `draft: null` drops it. */
export const WrapUpDraftWriteSchema = z.strictObject({
  localUser: z.string().trim().min(1).max(200),
  key: z.string().min(1).max(600),
  draft: WrapUpDraftSchema.nullable(),
});
export const WrapUpDraftEntrySchema = z.strictObject({ key: z.string(), draft: WrapUpDraftSchema });

export const WrapUpInputSchema = z
  .strictObject({
    localUser: idText,
    sipCallId: z.string().trim().min(1).max(500).nullable().default(null),
    callId: idText.nullable().default(null),
    remoteNumber: requiredText(200, 'the other party\'s number'),
    remoteName: optionalText(200),
    /** The client card; when null the services link the one card that has the number, if exactly one does. */
    clientId: idText.nullable().default(null),
    outcome: WrapUpOutcomeSchema,
    notes: optionalText(20_000),
    nextStep: NextStepInputSchema.nullable().default(null),
    /** The follow-up this call was the call back for (from the Call back list): the wrap-up closes it. */
    followUpId: idText.nullable().default(null),
  })
  .superRefine((w, ctx) => {
    if (w.sipCallId === null && w.callId === null) {
      ctx.addIssue({ code: 'custom', path: ['sipCallId'], message: 'name the call: its SIP Call-ID or its history id' });
    }
    if (w.outcome === 'callback' && w.nextStep === null) {
      ctx.addIssue({ code: 'custom', path: ['nextStep'], ...check('callbackNeedsStep') });
    }
  });
export type WrapUpInput = z.input<typeof WrapUpInputSchema>;
export type ParsedWrapUpInput = z.output<typeof WrapUpInputSchema>;

/** A wrap-up as stored: pending (the call ended, nobody wrapped it up yet) or done. */
export const WrapUpSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'done']),
  localUser: z.string(),
  sipCallId: z.string().nullable(),
  /** The call in the history (null until the renderer has reported the call). */
  callId: z.string().nullable(),
  direction: CallDirectionSchema.nullable(),
  remoteNumber: z.string(),
  remoteName: z.string().nullable(),
  clientId: z.string().nullable(),
  callStartedAt: isoTime.nullable(),
  callEndedAt: isoTime.nullable(),
  /** Null while pending. */
  outcome: WrapUpOutcomeSchema.nullable(),
  notes: z.string().nullable(),
  /** The next step as agreed on this call, and the follow-up it became. */
  nextStep: z
    .object({ what: z.string(), dueAt: isoTime, allDay: z.boolean(), followUpId: z.string().nullable() })
    .nullable(),
  /** The follow-up this call was the call back for (closed by this wrap-up). */
  callbackOf: z.string().nullable(),
  /** When it was saved (null while pending). */
  wrappedAt: isoTime.nullable(),
});
export type WrapUp = z.infer<typeof WrapUpSchema>;

export const WrapUpRefSchema = z.union([
  z.strictObject({ localUser: idText, sipCallId: z.string().trim().min(1).max(500) }),
  z.strictObject({ callId: idText }),
]);
export type WrapUpRef = z.infer<typeof WrapUpRefSchema>;

/** The wrap-ups by date: those saved in [from, to), oldest first (for reports). */
export const WrapUpRangeSchema = z
  .strictObject({ from: isoTime, to: isoTime })
  .refine((r) => Date.parse(r.from) <= Date.parse(r.to), { path: ['to'], message: 'must not be before from' });
export type WrapUpRange = z.input<typeof WrapUpRangeSchema>;

export const WrapUpsChangedSchema = z.object({
  /** Calls waiting for their wrap-up. */
  pending: z.number().int().nonnegative(),
});
export type WrapUpsChanged = z.infer<typeof WrapUpsChangedSchema>;

// ---------------------------------------------------------------------------------------------
// Follow-ups
// ---------------------------------------------------------------------------------------------

export const FollowUpStatusSchema = z.enum(['open', 'done', 'cancelled']);
export type FollowUpStatus = z.infer<typeof FollowUpStatusSchema>;

export const FollowUpSchema = z.object({
  id: z.string(),
  source: FollowUpSourceSchema,
  status: FollowUpStatusSchema,
  /** Who to call, as the list shows it (the card's name, the caller's name), when known. */
  name: z.string().nullable(),
  number: z.string(),
  clientId: z.string().nullable(),
  /** What to call about: the next step, or the request the web lead left. */
  reason: z.string(),
  dueAt: isoTime,
  allDay: z.boolean(),
  /** When it arose: the call's wrap-up, or when the lead was left on the site. */
  createdAt: isoTime,
  updatedAt: isoTime,
  /** The call and wrap-up it came from, and that wrap-up's notes ({followUp.note} in scripts). */
  originCallId: z.string().nullable(),
  originWrapUpId: z.string().nullable(),
  originNote: z.string().nullable(),
  /** The lead's id in the CRM (or another system's id): the same one is never added twice. */
  externalId: z.string().nullable(),
  /** Calls made from the list for it, and how the last one ended (null while unknown or in progress). */
  attempts: z.number().int().nonnegative(),
  lastAttemptAt: isoTime.nullable(),
  lastAttemptOutcome: z.string().nullable(),
  doneAt: isoTime.nullable(),
  /** The wrap-up of the call back that closed it, or null when "Done" was pressed. */
  doneByWrapUpId: z.string().nullable(),
  doneNote: z.string().nullable(),
});
export type FollowUp = z.infer<typeof FollowUpSchema>;

/**
 * A follow-up from outside a wrap-up: a web lead from the CRM or an import, a missed call, one typed
 * in by hand. Adding one with an `externalId` that is already there returns the one there.
 */
export const FollowUpAddSchema = z.strictObject({
  source: FollowUpSourceSchema.exclude(['wrap-up'], { error: 'must be web-lead, missed-call or manual ("wrap-up" ones come from a wrap-up\'s next step)' }),
  number: PhoneNumberSchema,
  name: optionalText(300),
  clientId: idText.nullable().default(null),
  reason: requiredText(4000, 'say what to call about (the lead\'s request, the reason to call back)'),
  /** Default: now (due at once). */
  dueAt: isoTime.optional(),
  allDay: z.boolean().default(false),
  /** When the lead was left (default: now): "you left a request on our site today…". */
  createdAt: isoTime.optional(),
  externalId: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .default(null),
});
export type FollowUpAdd = z.input<typeof FollowUpAddSchema>;
export type ParsedFollowUpAdd = z.output<typeof FollowUpAddSchema>;

/** The list: open follow-ups due at or before `dueBy` (all open ones without it), soonest first. */
export const FollowUpQuerySchema = z.strictObject({
  dueBy: isoTime.optional(),
  limit: z.number().int().min(1).max(500).default(200),
});
export type FollowUpQuery = z.input<typeof FollowUpQuerySchema>;

export const FollowUpListSchema = z.object({
  items: z.array(FollowUpSchema),
  /** Open follow-ups due after `dueBy` (they come back on their date). */
  later: z.number().int().nonnegative(),
});
export type FollowUpList = z.infer<typeof FollowUpListSchema>;

export const FollowUpRescheduleSchema = z.strictObject({
  id: idText,
  dueAt: isoTime,
  allDay: z.boolean().default(false),
  /** A new reason, when it changed. */
  reason: requiredText(4000, 'say what to call about').optional(),
});
export type FollowUpReschedule = z.input<typeof FollowUpRescheduleSchema>;

export const FollowUpDoneSchema = z.strictObject({ id: idText, note: optionalText(2000) });
export type FollowUpDone = z.input<typeof FollowUpDoneSchema>;

/** "Call <name>" was pressed: the call made for the follow-up, so its wrap-up closes it. */
export const FollowUpAttemptSchema = z.strictObject({
  id: idText,
  localUser: idText,
  sipCallId: z.string().trim().min(1).max(500),
});
export type FollowUpAttempt = z.input<typeof FollowUpAttemptSchema>;

export const FollowUpsChangedSchema = z.object({
  /** Open follow-ups (due or not). */
  open: z.number().int().nonnegative(),
});
export type FollowUpsChanged = z.infer<typeof FollowUpsChangedSchema>;

// ---------------------------------------------------------------------------------------------
// Time: what is due, what is overdue
// ---------------------------------------------------------------------------------------------

/** The last millisecond of the local day of `now`: the list shows what is due by then. */
export function endOfLocalDay(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate(), 23, 59, 59, 999);
}

/** The start of a local day given as "YYYY-MM-DD" (with an optional "HH:MM"), or null when it is not a date. */
export function localDateTime(date: string, time?: string | null): Date | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!d) return null;
  const t = time?.trim() ? /^(\d{1,2}):(\d{2})$/.exec(time.trim()) : ['', '0', '0'];
  if (!t) return null;
  const [y, m, day, h, min] = [Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2])];
  if (h > 23 || min > 59) return null;
  const out = new Date(y, m - 1, day, h, min);
  return out.getFullYear() === y && out.getMonth() === m - 1 && out.getDate() === day ? out : null;
}

/** The due time a date input and an optional time input give (all day without a time), or what is wrong with them, in the words of `t`. */
export function dueFromInputs(date: string, time: string, t: TFunction = fixedT('en')): { due: Date; allDay: boolean } | { problem: string } {
  const due = localDateTime(date, time);
  if (due) return { due, allDay: !time.trim() };
  return { problem: saidText(checkSaid(localDateTime(date) ? 'dueTime' : 'dueDate'), t) };
}

/** "YYYY-MM-DD" of a date in local time (for a date input). */
export function localDateText(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

const dayNumber = (d: Date) => Math.round(new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 86_400_000);

/**
 * Where a follow-up stands at `now`: overdue (its time has passed; an all-day one once its day is
 * over), due (today, not yet overdue) or later (a later day).
 */
export function followUpTiming(f: { dueAt: string; allDay: boolean }, now: Date): 'overdue' | 'due' | 'later' {
  const due = new Date(f.dueAt);
  const days = dayNumber(due) - dayNumber(now);
  if (f.allDay) return days < 0 ? 'overdue' : days === 0 ? 'due' : 'later';
  if (due.getTime() < now.getTime()) return 'overdue';
  return days === 0 ? 'due' : 'later';
}

/**
 * Soonest first: by due time; an all-day follow-up counts as due at the start of its day; equal
 * times keep the order they arose in.
 */
export function compareFollowUps(a: Pick<FollowUp, 'dueAt' | 'createdAt' | 'id'>, b: Pick<FollowUp, 'dueAt' | 'createdAt' | 'id'>): number {
  return Date.parse(a.dueAt) - Date.parse(b.dueAt) || Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id);
}

const two = (n: number) => String(n).padStart(2, '0');
const clock = (d: Date) => `${two(d.getHours())}:${two(d.getMinutes())}`;

/**
 * A day as a phrase relative to `now`: "today", "yesterday", "tomorrow", "on 3 February"
 * ("сегодня", "вчера", "завтра", "3 февраля"); the year is added when it is another year.
 */
export function relativeDay(date: Date, now: Date, language: 'en' | 'ru' = 'en'): string {
  const locale = scriptLocale[language];
  const near = nearDayWord(dayNumber(date) - dayNumber(now), locale);
  if (near) return near;
  const day = formatDayMonth(date, locale, { year: date.getFullYear() !== now.getFullYear() });
  return language === 'ru' ? day : `on ${day}`;
}

/** "today 15:00", "overdue: yesterday 10:00", "tomorrow (any time)" — how the list says when. */
export function describeDue(f: { dueAt: string; allDay: boolean }, now: Date): string {
  const due = new Date(f.dueAt);
  const day = relativeDay(due, now);
  const when = f.allDay ? `${day} (any time)` : `${day} ${clock(due)}`;
  return followUpTiming(f, now) === 'overdue' ? `overdue: ${when}` : when;
}

// ---------------------------------------------------------------------------------------------
// Web leads from calls
// ---------------------------------------------------------------------------------------------

/**
 * A web lead that called and was not answered here (the PBX put its lead id on the INVITE) goes on
 * the Call back list at once, with the request it left when the CRM knows it. Returns null for a call
 * that needs none (answered here: its wrap-up decides; outbound; no lead id; no number to call).
 */
export function webLeadFromUnansweredCall(call: {
  direction: 'inbound' | 'outbound';
  answered: boolean;
  remoteNumber: string;
  remoteName: string | null;
  leadId: string | undefined;
  /** What the CRM says about the lead, when it could be looked up. */
  lead?: { request?: string | undefined; createdAt?: string | undefined } | null;
  now: Date;
}): ParsedFollowUpAdd | null {
  if (call.direction !== 'inbound' || call.answered || !call.leadId) return null;
  if (!isNumberLike(call.remoteNumber) || digitsOf(call.remoteNumber).length <= MAX_EXTENSION_DIGITS) return null;
  const created = call.lead?.createdAt && !Number.isNaN(Date.parse(call.lead.createdAt)) ? new Date(call.lead.createdAt) : null;
  const request = call.lead?.request?.trim();
  return FollowUpAddSchema.parse({
    source: 'web-lead',
    number: call.remoteNumber,
    name: call.remoteName,
    reason: request ? request.slice(0, 4000) : `Web lead ${call.leadId} called and was not answered`,
    dueAt: call.now.toISOString(),
    ...(created && created.getTime() <= call.now.getTime() ? { createdAt: created.toISOString() } : {}),
    externalId: `lead:${call.leadId}`,
  });
}
