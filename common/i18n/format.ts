/** Dates, times, durations and separators through Intl, for any locale: no word tables. */
import { dateTimeFormat, numberFormat, relativeTimeFormat } from './intl';

/** The locale a text in a script or message language is written in ("3 February 2025" in English). */
export const scriptLocale = { ru: 'ru-RU', en: 'en-GB' } as const;

/**
 * The CSV separator a spreadsheet in this locale expects: ";" where the comma is the decimal
 * separator (Russian, German, French…, so Excel there splits on ";"), "," elsewhere.
 */
export function csvSeparatorFor(locale: string): ',' | ';' {
  const decimal = numberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value;
  return decimal === ',' ? ';' : ',';
}

/**
 * A duration as a running call shows it: "0:07", "12:34", "1:02:03" (digits in the locale's own
 * numbering system, through Intl).
 */
export function formatClock(ms: number, locale: string): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const n = (value: number, digits: number) => numberFormat(locale, { minimumIntegerDigits: digits, useGrouping: false }).format(value);
  return h ? `${n(h, 1)}:${n(m, 2)}:${n(s, 2)}` : `${n(m, 1)}:${n(s, 2)}`;
}

/** "3 February" / "3 февраля" (with the year when given): a date in words, the month from Intl. */
export function formatDayMonth(date: Date, locale: string, options: { year?: boolean; timeZone?: string } = {}): string {
  const dayMonth = dateTimeFormat(locale, { day: 'numeric', month: 'long', ...(options.timeZone ? { timeZone: options.timeZone } : {}) }).format(date);
  if (!options.year) return dayMonth;
  const year = dateTimeFormat(locale, { year: 'numeric', ...(options.timeZone ? { timeZone: options.timeZone } : {}) }).formatToParts(date).find((p) => p.type === 'year')?.value;
  return `${dayMonth} ${year}`;
}

/** "today", "yesterday", "tomorrow" / "сегодня", "вчера", "завтра" for a day offset, else null (Intl.RelativeTimeFormat). */
export function nearDayWord(days: number, locale: string): string | null {
  if (days < -1 || days > 1) return null;
  return relativeTimeFormat(locale, { numeric: 'auto' }).format(days, 'day');
}
