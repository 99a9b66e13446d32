import { z } from 'zod';

/**
 * The call history: one record per call leg, written by the services when the renderer reports
 * that a call ended. Pure TypeScript (zod only): the services validate what they store, the
 * contract validates what crosses, and the renderer can use the same helpers (`digitsOf`,
 * `outcomeForEndReason`).
 */

export const CallDirectionSchema = z.enum(['inbound', 'outbound']);
export type CallDirection = z.infer<typeof CallDirectionSchema>;

/**
 * How a call ended, for the history. A closed set: every end reason of the call machine
 * (renderer/src/sip/callMachine.ts) maps to exactly one outcome (see `outcomeForEndReason`),
 * plus `transferred`, which the transfer issues will report.
 */
export const CallOutcomeSchema = z.enum([
  /** Talked, then either side hung up. */
  'answered',
  /** Inbound, never answered here: the caller gave up, or it rang out. Counts in the missed badge. */
  'missed',
  /** Inbound, the agent declined it (486/603). */
  'declined',
  /** Inbound, another device of this account took it. */
  'answered-elsewhere',
  /** Outbound, the far end refused it (busy, 403, 404, 603…): see endCause. */
  'rejected',
  /** Outbound, nobody answered before the timeout. */
  'no-answer',
  /** Outbound, the agent gave up before it was answered. */
  'cancelled',
  /** Handed on to someone else (transfer issues). */
  'transferred',
  /** Network, media or protocol failure: see endCause. */
  'failed',
  /**
   * Frontdesk stopped while the call was on (a crash, a kill, the power): the call is closed at the
   * last moment it was known to be going on, when Frontdesk starts again.
   */
  'interrupted',
]);
export type CallOutcome = z.infer<typeof CallOutcomeSchema>;

/** Outcomes a call can only have when nobody answered it here. */
const unansweredOutcomes: ReadonlySet<CallOutcome> = new Set(['missed', 'declined', 'answered-elsewhere', 'rejected', 'no-answer', 'cancelled']);
/** Which direction each direction-specific outcome belongs to. */
const outcomeDirection: Partial<Record<CallOutcome, CallDirection>> = {
  missed: 'inbound',
  declined: 'inbound',
  'answered-elsewhere': 'inbound',
  rejected: 'outbound',
  'no-answer': 'outbound',
  cancelled: 'outbound',
};

/** The call machine's end reasons (kept equal to `CallEndReason` in renderer/src/sip/callMachine.ts). */
export const callEndReasons = [
  'hangup-local',
  'hangup-remote',
  'declined',
  'missed',
  'answered-elsewhere',
  'rejected',
  'no-answer',
  'cancelled',
  'transferred',
  'replaced',
  'failed',
] as const;
export type CallEndReasonName = (typeof callEndReasons)[number];

/**
 * The history outcome for a call machine end reason. An inbound call that rang until a timeout
 * ("no-answer" on our side: JsSIP's no-answer timer or an expired INVITE) is a missed call.
 */
export function outcomeForEndReason(reason: CallEndReasonName, direction: CallDirection): CallOutcome {
  switch (reason) {
    case 'hangup-local':
    case 'hangup-remote':
      return 'answered';
    case 'no-answer':
      return direction === 'inbound' ? 'missed' : 'no-answer';
    case 'replaced':
      // A consultation call the transferred caller took over: it was a call that was answered.
      return 'answered';
    default:
      return reason;
  }
}

/** The digits of a phone number as typed or shown: "+7 (495) 123-45-67" → "74951234567". */
export function digitsOf(number: string): string {
  return number.replace(/\D+/g, '');
}

/** True when a search string is a phone number being typed (digits and separators only). */
export function isNumberLike(text: string): boolean {
  return /\d/.test(text) && /^[\d\s()+\-./]+$/.test(text);
}

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2025-01-31T09:30:00.000Z' });
/** Optional text: absent, null and blank all mean "none". */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullable()
    .default(null)
    .transform((v) => (v === '' ? null : v));
const ref = optionalText(200);

/** The mark a value cut to fit the history ends with. */
export const clippedMark = '…';

/** Text that may come from outside (a caller's display name, a SIP cause): what does not fit is cut and marked, never refused. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  // (never between the two halves of a surrogate pair)
  let end = max - clippedMark.length;
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return value.slice(0, end) + clippedMark;
}
const clippedText = (max: number) =>
  z
    .string()
    .transform((v) => clip(v.trim(), max))
    .nullable()
    .default(null)
    .transform((v) => (v === '' ? null : v));

/** One call in the history, as the services store and return it. */
export const CallRecordSchema = z.object({
  /** A UUID the service makes. */
  id: z.string().min(1),
  /** The same for every leg of one caller's journey (warm transfers link legs with it); defaults to `id`. */
  conversationId: z.string().min(1),
  direction: CallDirectionSchema,
  /** Our extension (the SIP user this PC is registered as). */
  localUser: z.string().min(1),
  /** The other party's number or SIP user, as the PBX gave it. */
  remoteNumber: z.string().min(1),
  remoteName: z.string().nullable(),
  /** The number/line the caller dialled (a receptionist answers several companies), when known. */
  dialledNumber: z.string().nullable(),
  sipCallId: z.string().nullable(),
  startedAt: isoTime,
  answeredAt: isoTime.nullable(),
  endedAt: isoTime,
  /** Time to answer in ms (answeredAt − startedAt); null when it was not answered. */
  ringMs: z.number().int().nonnegative().nullable(),
  /** Talk time in ms (endedAt − answeredAt); null when it was not answered. */
  durationMs: z.number().int().nonnegative().nullable(),
  outcome: CallOutcomeSchema,
  /** The SIP status or cause behind the end, e.g. "486 Busy Here". */
  endCause: z.string().nullable(),
  /** False for a missed call the agent has not looked at yet (the badge); true for every other call. */
  seen: z.boolean(),
  /** Links that later issues fill in (recording, message taken, client card, notes). */
  recordingId: z.string().nullable(),
  messageId: z.string().nullable(),
  clientId: z.string().nullable(),
  /**
   * The client card's name at the time of the call (the directory's card for the number, or the one
   * the wrap-up named); `remoteName` is what the caller ID said. Null when no one card was known.
   */
  clientName: z.string().nullable(),
  notes: z.string().nullable(),
  /** Transfers this caller had been through to reach this leg. */
  transfers: z.number().int().nonnegative(),
  /** Who handed the caller over to us ("Reception (1000)"), when the call came by transfer. */
  transferredFrom: z.string().nullable(),
  /** Who we handed the caller over to, when we transferred it. */
  transferredTo: z.string().nullable(),
  /** The handoff note that travelled with the transfer (either way), as text. */
  handoffNote: z.string().nullable(),
});
export type CallRecord = z.infer<typeof CallRecordSchema>;

/**
 * What the renderer reports when a call ends. The service adds the id, `seen`, and derives
 * `ringMs`/`durationMs` from the timestamps, so they can never disagree.
 */
export const CallRecordInputSchema = z
  .strictObject({
    conversationId: optionalText(200),
    direction: CallDirectionSchema,
    localUser: z.string().trim().min(1, 'must not be empty').max(200),
    // What the PBX or the caller put on the INVITE is cut to fit, never a reason to lose the call.
    remoteNumber: z
      .string()
      .trim()
      .min(1, 'must not be empty (use "anonymous" for a withheld number)')
      .transform((v) => clip(v, 200)),
    remoteName: clippedText(200),
    dialledNumber: clippedText(200),
    sipCallId: clippedText(500),
    startedAt: isoTime,
    answeredAt: isoTime.nullable().default(null),
    endedAt: isoTime,
    outcome: CallOutcomeSchema,
    endCause: clippedText(500),
    recordingId: ref,
    messageId: ref,
    clientId: ref,
    /** The client card's name at the time of the call; the services fill it (and clientId) in from the directory when absent. */
    clientName: optionalText(500),
    notes: optionalText(20_000),
    transfers: z.number().int().min(0).max(99).default(0),
    transferredFrom: clippedText(300),
    transferredTo: clippedText(300),
    handoffNote: clippedText(5000),
  })
  .superRefine((r, ctx) => {
    const started = Date.parse(r.startedAt);
    const ended = Date.parse(r.endedAt);
    if (ended < started) ctx.addIssue({ code: 'custom', path: ['endedAt'], message: 'must not be before startedAt' });
    if (r.answeredAt !== null) {
      const answered = Date.parse(r.answeredAt);
      if (answered < started) ctx.addIssue({ code: 'custom', path: ['answeredAt'], message: 'must not be before startedAt' });
      if (answered > ended) ctx.addIssue({ code: 'custom', path: ['answeredAt'], message: 'must not be after endedAt' });
      if (unansweredOutcomes.has(r.outcome)) {
        ctx.addIssue({ code: 'custom', path: ['answeredAt'], message: `must be null for a "${r.outcome}" call (it was not answered here)` });
      }
    } else if (r.outcome === 'answered') {
      ctx.addIssue({ code: 'custom', path: ['answeredAt'], message: 'is required for an answered call' });
    }
    const only = outcomeDirection[r.outcome];
    if (only && only !== r.direction) {
      ctx.addIssue({ code: 'custom', path: ['outcome'], message: `"${r.outcome}" only applies to ${only} calls` });
    }
  });
export type CallRecordInput = z.input<typeof CallRecordInputSchema>;

/** Closes the calls a previous run of the page left open (its crash), as "interrupted". */
export const CloseOpenCallsSchema = z.strictObject({ localUser: z.string().trim().min(1).max(200) });
export type ParsedCallRecordInput = z.output<typeof CallRecordInputSchema>;

/** A page of the history, newest first. */
export const CallLogQuerySchema = z.strictObject({
  /** Matches the remote number's digits ("+7 (495) 123" finds "+74951234567") or the name, case-insensitive. */
  search: z.string().max(200).optional(),
  outcome: CallOutcomeSchema.optional(),
  limit: z.number().int().min(1).max(500).default(100),
  /** Cursor: only calls that started before this time (pass the last record's startedAt for the next page). */
  before: isoTime.optional(),
});
export type CallLogQuery = z.input<typeof CallLogQuerySchema>;

export const CallLogPageSchema = z.object({
  records: z.array(CallRecordSchema),
  /** Missed calls not yet looked at: the badge. */
  missedUnseen: z.number().int().nonnegative(),
});
export type CallLogPage = z.infer<typeof CallLogPageSchema>;

/** Marks missed calls as seen; `through` limits it to calls that started at or before that time. */
export const MarkMissedSeenSchema = z.strictObject({
  through: isoTime.optional(),
});
export type MarkMissedSeen = z.input<typeof MarkMissedSeenSchema>;

/** The event the services send whenever the history changes. */
export const CallLogChangedSchema = z.object({
  missedUnseen: z.number().int().nonnegative(),
});
export type CallLogChanged = z.infer<typeof CallLogChangedSchema>;

/** Zod issues as one readable line: "answeredAt: must not be before startedAt; remoteNumber: …". */
export const describeIssues = (error: z.ZodError): string =>
  error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
