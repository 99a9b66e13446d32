import type { TFunction } from 'i18next';
import { formatClock } from '../../../common/i18n';
import { followUpTiming, relativeDay } from '../../../common/wrapUp';
import { formatNumber } from '../../../common/phone';
import type { Call, CallPhase, Party } from '../sip/callMachine';
import { causeText } from '../sip/causes';
import { dateTimeFormat } from '../../../common/i18n/intl';

export { formatNumber };

/** A party as the agent reads it: "Accounting, 1002", "+7 495 123 45 67" (the name only when it says more than the number). */
export function partyText(party: Party, region: string): string {
  const number = formatNumber(party.number, region);
  return party.displayName && party.displayName !== party.number ? `${party.displayName}, ${number}` : number;
}

/** A running call's duration: "0:07", "12:34", "1:02:03". */
export const formatDuration = (ms: number, locale: string): string => formatClock(ms, locale);

/** A call's state in words. */
export const phaseLabel = (t: TFunction, phase: CallPhase): string => t(`phase.${phase}`);

/** How a call ended, with the PBX's or the engine's detail where it says more. */
export function endLabel(t: TFunction, call: Call): string {
  const base = call.endReason ? t(`end.${call.endReason}`) : t('phase.ended');
  if (call.endReason === 'transferred' && call.endCause) return call.endCause;
  if (!call.endCause || (call.endReason !== 'rejected' && call.endReason !== 'failed' && call.endReason !== 'no-answer')) return base;
  const cause = causeText(t, call.endCause);
  // "No answer (No Answer)" says it twice.
  return cause.toLocaleLowerCase() === base.toLocaleLowerCase() ? base : `${base} (${cause})`;
}

/** "15:05": the office's 24-hour clock, in the locale's digits. */
export const clockTime = (date: Date, locale: string): string => dateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);

/** "3 Mar, 15:05" / "3 мар., 15:05". */
export const shortDateTime = (date: Date, locale: string): string =>
  dateTimeFormat(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);

/** "today 15:00", "tomorrow (any time)": when a follow-up is due. */
export function dueWhen(t: TFunction, f: { dueAt: string; allDay: boolean }, now: Date, language: 'en' | 'ru', locale: string): string {
  const due = new Date(f.dueAt);
  const day = relativeDay(due, now, language);
  return f.allDay ? t('due.anyTime', { day }) : t('due.at', { day, time: clockTime(due, locale) });
}

/** dueWhen, with "overdue: " before it when it is. */
export function dueText(t: TFunction, f: { dueAt: string; allDay: boolean }, now: Date, language: 'en' | 'ru', locale: string): string {
  const when = dueWhen(t, f, now, language, locale);
  return followUpTiming(f, now) === 'overdue' ? t('due.overdue', { when }) : when;
}
