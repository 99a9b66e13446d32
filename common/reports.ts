import { z } from 'zod';
import { dateTimeFormat } from './i18n/intl';
import { check } from './said';

/**
 * Reports over the call history and the call scripts' runs: what crosses the contract, and the
 * pure date arithmetic they need. Pure TypeScript (zod and the language's own Intl only).
 *
 * Time zones, explicitly: a person picks local dates; a range is the half-open interval
 * [`from` 00:00, `to` 00:00) of the wall clock in `timeZone` (an IANA name such as
 * "Europe/Moscow"; the renderer sends its own). `to` is NOT included: the day 2025-03-01 alone is
 * { from: "2025-03-01", to: "2025-03-02" }; `from` equal to `to` is an empty range. A day that
 * starts late (a daylight-saving jump over midnight) starts at its first existing instant.
 * A call belongs to the range by the time it started (rang, or was dialled).
 */

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written "YYYY-MM-DD" (no 2025-02-30). */
export function isLocalDate(text: string): boolean {
  const m = datePattern.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1970 && y <= 9999 && t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** True when the runtime knows the IANA time zone name. */
export function isTimeZone(name: string): boolean {
  try {
    dateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const LocalDateSchema = z.string().refine(isLocalDate, check('localDate'));
export const TimeZoneSchema = z
  .string()
  .trim()
  .refine((name) => name.length > 0, check('noTimeZone'))
  .max(100)
  .refine(isTimeZone, check('timeZone'));

/** [from, to) in local dates of `timeZone`. */
export const ReportRangeSchema = z
  .strictObject({
    from: LocalDateSchema,
    /** The first day NOT included. */
    to: LocalDateSchema,
    timeZone: TimeZoneSchema,
  })
  .superRefine((r, ctx) => {
    if (isLocalDate(r.from) && isLocalDate(r.to) && r.to < r.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], ...check('toBeforeFrom', { from: r.from }) });
    }
  });
export type ReportRange = z.infer<typeof ReportRangeSchema>;

/** "2025-03-01" plus n days. */
export function addDays(date: string, days: number): string {
  const m = datePattern.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days)).toISOString().slice(0, 10);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms, read from Intl (slow: a few µs). */
function exactOffset(ms: number, timeZone: string): number {
  const p: Record<string, string> = {};
  for (const part of formatIn(timeZone).formatToParts(new Date(ms))) p[part.type] = part.value;
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute), Number(p.second));
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * Offsets per zone and quarter of an hour. A quarter whose two ends have the same offset has it
 * throughout (no zone changes its clocks twice within 15 minutes); one with a change in it is
 * marked NaN and read exactly. A report formats every call's time: this makes it a Map lookup.
 */
const offsetCache = new Map<string, Map<number, number>>();
const QUARTER = 900_000;
function offsetAt(ms: number, timeZone: string): number {
  let zone = offsetCache.get(timeZone);
  if (!zone || zone.size > 50_000) offsetCache.set(timeZone, (zone = new Map()));
  const quarter = Math.floor(ms / QUARTER);
  let offset = zone.get(quarter);
  if (offset === undefined) {
    const start = exactOffset(quarter * QUARTER, timeZone);
    offset = start === exactOffset(quarter * QUARTER + QUARTER - 1, timeZone) ? start : NaN;
    zone.set(quarter, offset);
  }
  return Number.isNaN(offset) ? exactOffset(ms, timeZone) : offset;
}

const two = (n: number) => String(n).padStart(2, '0');

/** The wall clock in a time zone at an instant: "2025-03-01 09:05:07". */
export function formatLocalDateTime(ms: number, timeZone: string): string {
  const d = new Date(ms + offsetAt(ms, timeZone));
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** The local date in a time zone at an instant: "2025-03-01". */
export const localDateAt = (ms: number, timeZone: string): string => formatLocalDateTime(ms, timeZone).slice(0, 10);

/**
 * The first instant (ms since the epoch) whose local date in `timeZone` is `date` or later: local
 * midnight, or the end of a daylight-saving gap that swallowed midnight. Found by bisection over
 * the whole seconds of the hours that can hold it (offsets run from −12:00 to +14:00), so it
 * needs no table of offsets.
 */
export function startOfLocalDay(date: string, timeZone: string): number {
  const m = datePattern.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  let lo = (wall - 15 * 3600_000) / 1000; // local date still before `date` (offsets are at most +14:00)
  let hi = (wall + 13 * 3600_000) / 1000; // local date already `date` or later (offsets are at least −12:00)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDateAt(mid * 1000, timeZone) >= date) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/** The range as instants: calls with fromMs ≤ start < toMs. */
export function rangeInstants(range: ReportRange): { fromMs: number; toMs: number } {
  return { fromMs: startOfLocalDay(range.from, range.timeZone), toMs: startOfLocalDay(range.to, range.timeZone) };
}

// ---------------------------------------------------------------------------------------------
// What crosses the contract
// ---------------------------------------------------------------------------------------------

/** The scripts a person can pick: every script of the library, and any other script used in the range. */
export const ReportScriptsSchema = z.object({
  /** Calls in the range (all of them, with a script or not). */
  calls: z.number().int().nonnegative(),
  scripts: z.array(
    z.object({
      scriptId: z.string(),
      /** Null when the script is no longer in the library. */
      title: z.string().nullable(),
      /** Calls in the range on which the script was used (at least one answer or page turn). */
      calls: z.number().int().nonnegative(),
    }),
  ),
});
export type ReportScripts = z.infer<typeof ReportScriptsSchema>;

export const FunnelRequestSchema = z.strictObject({
  range: ReportRangeSchema,
  scriptId: z.string().trim().min(1, 'pick a script').max(64),
});
export type FunnelRequest = z.input<typeof FunnelRequestSchema>;

const NextStepSchema = z.object({
  /** The page the call went to next; "end" when the script ended there; null when the call stopped on that page. */
  pageId: z.string().nullable(),
  title: z.string().nullable(),
  count: z.number().int().nonnegative(),
});
export type FunnelNextStep = z.infer<typeof NextStepSchema>;

const FunnelAnswerSchema = z.object({
  /** "option": a choice or yes/no; "typed": an open question's text; "no-suitable": what the client actually said. */
  kind: z.enum(['option', 'typed', 'no-suitable']),
  optionId: z.string().nullable(),
  /** As the agent saw it: the option's label, "Typed answer", "No suitable answer". */
  label: z.string(),
  count: z.number().int().nonnegative(),
  next: z.array(NextStepSchema),
});
export type FunnelAnswer = z.infer<typeof FunnelAnswerSchema>;

const FunnelQuestionSchema = z.object({
  questionId: z.string(),
  /**
   * As written in the script, its placeholders shown as names (`С чем обращается «клиент»?`,
   * common/callScript.ts readableTemplate); null when the question is no longer in it.
   */
  text: z.string().nullable(),
  answered: z.number().int().nonnegative(),
  /** Calls that reached the question's page and left it unanswered. */
  unanswered: z.number().int().nonnegative(),
  answers: z.array(FunnelAnswerSchema),
});
export type FunnelQuestion = z.infer<typeof FunnelQuestionSchema>;

export const FunnelNoteSchema = z.object({
  /** What the client actually said. */
  text: z.string(),
  /** When it was typed (ISO 8601). */
  at: z.string(),
  /** The call it was typed on (null when only the notes file knows the note). */
  callId: z.string().nullable(),
  remoteNumber: z.string().nullable(),
  /** What the caller ID said. */
  remoteName: z.string().nullable(),
  /** The client card's name at the time of the call (null when the call had no one card). */
  clientName: z.string().nullable(),
  /** The call's SIP Call-ID, by which its recording is found (null when only the notes file knows the note). */
  sipCallId: z.string().nullable().default(null),
  /** The call was recorded: a reviewer can listen to what the client said. */
  recorded: z.boolean().default(false),
});
export type FunnelNote = z.infer<typeof FunnelNoteSchema>;

export const ScriptFunnelSchema = z.object({
  scriptId: z.string(),
  /** Null when the script is no longer in the library. */
  title: z.string().nullable(),
  range: ReportRangeSchema,
  /** Calls in the range on which the script was used: the 100 % of the funnel. */
  calls: z.number().int().nonnegative(),
  /** Of those, the calls that went through to the script's end. */
  finished: z.number().int().nonnegative(),
  /** The script's pages in its order (then pages no longer in it): how many calls reached each. */
  steps: z.array(
    z.object({
      pageId: z.string(),
      /** Null when the page is no longer in the script. */
      title: z.string().nullable(),
      reached: z.number().int().nonnegative(),
      questions: z.array(FunnelQuestionSchema),
    }),
  ),
  /** Answers to questions that are no longer in the script. */
  retiredQuestions: z.array(FunnelQuestionSchema),
  /** "No suitable answer": what clients actually said, per question (the script's order), oldest first. */
  notes: z.array(
    z.object({
      questionId: z.string(),
      /** The question as the funnel shows it (placeholders as names); null when it is no longer in the script. */
      text: z.string().nullable(),
      notes: z.array(FunnelNoteSchema),
    }),
  ),
});
export type ScriptFunnel = z.infer<typeof ScriptFunnelSchema>;

export const CsvExportRequestSchema = z.strictObject({
  range: ReportRangeSchema,
  /** Only the calls on which this script was used; null: every call in the range. */
  scriptId: z.string().trim().min(1).max(64).nullable().default(null),
  /** "," as RFC 4180 says; ";" for Excel set to a language that uses the comma in numbers (Russian, German…). */
  separator: z.enum([',', ';']).default(','),
});
export type CsvExportRequest = z.input<typeof CsvExportRequestSchema>;

export const CsvExportResultSchema = z.discriminatedUnion('delivery', [
  /** The desktop app asked where to save it and saved it there. */
  z.object({ delivery: z.literal('saved'), path: z.string(), fileName: z.string(), rows: z.number().int().nonnegative(), calls: z.number().int().nonnegative() }),
  /** The person closed the save dialog. */
  z.object({ delivery: z.literal('cancelled') }),
  /** No save dialog here (the browser host): the page downloads `csv` itself as `fileName`. */
  z.object({
    delivery: z.literal('download'),
    fileName: z.string(),
    csv: z.string(),
    rows: z.number().int().nonnegative(),
    calls: z.number().int().nonnegative(),
  }),
]);
export type CsvExportResult = z.infer<typeof CsvExportResultSchema>;
