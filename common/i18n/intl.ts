/**
 * Intl's formatters, made once per locale and options. Making one costs about a millisecond (the
 * locale's data is looked up and copied); formatting with one made costs microseconds. A call's
 * card, its timer (every second) and every list row format dates, times and numbers, so each
 * formatter is made once and kept: the first caller's card does not pay for them, and the calls
 * after it do not pay again.
 */
const made = new Map<string, unknown>();
/** More than any real use (a handful of locales, options and time zones): a bound, not a tuning. */
const most = 500;

function kept<T>(kind: string, locale: string | readonly string[] | undefined, options: object | undefined, make: () => T): T {
  const key = `${kind}|${String(locale ?? '')}|${options ? JSON.stringify(options) : ''}`;
  let f = made.get(key) as T | undefined;
  if (f === undefined) {
    f = make();
    if (made.size >= most) made.clear();
    made.set(key, f);
  }
  return f;
}

type Locale = string | readonly string[] | undefined;

export const numberFormat = (locale: Locale, options?: Intl.NumberFormatOptions): Intl.NumberFormat =>
  kept('number', locale, options, () => new Intl.NumberFormat(locale as string | string[] | undefined, options));

/** Throws, as Intl does, for an unknown time zone (and then keeps nothing). */
export const dateTimeFormat = (locale: Locale, options?: Intl.DateTimeFormatOptions): Intl.DateTimeFormat =>
  kept('date', locale, options, () => new Intl.DateTimeFormat(locale as string | string[] | undefined, options));

export const relativeTimeFormat = (locale: Locale, options?: Intl.RelativeTimeFormatOptions): Intl.RelativeTimeFormat =>
  kept('relative', locale, options, () => new Intl.RelativeTimeFormat(locale as string | string[] | undefined, options));

export const listFormat = (locale: Locale, options?: Intl.ListFormatOptions): Intl.ListFormat =>
  kept('list', locale, options, () => new Intl.ListFormat(locale as string | string[] | undefined, options));
