import { describe, expect, it } from 'vitest';
import { formatLocale, resolveLanguage } from './index';
import { csvSeparatorFor, formatClock, formatDayMonth, nearDayWord } from './format';

describe('the UI language', () => {
  it('"auto" follows the most preferred of the system locales that is Russian or English, else English', () => {
    expect(resolveLanguage('auto', ['ru-RU', 'en-US'])).toBe('ru');
    expect(resolveLanguage('auto', ['ru'])).toBe('ru');
    expect(resolveLanguage('auto', ['ru_KZ'])).toBe('ru');
    expect(resolveLanguage('auto', ['en-US', 'ru-RU'])).toBe('en');
    expect(resolveLanguage('auto', ['de-DE', 'ru-RU'])).toBe('ru');
    expect(resolveLanguage('auto', ['de-DE', 'fr-FR'])).toBe('en');
    expect(resolveLanguage('auto', [])).toBe('en');
  });

  it('a chosen language wins over the system', () => {
    expect(resolveLanguage('ru', ['en-US'])).toBe('ru');
    expect(resolveLanguage('en', ['ru-RU'])).toBe('en');
  });

  it('formats in the system locale when it is in the UI language, else in the language usual one', () => {
    expect(formatLocale('en', ['en-GB'])).toBe('en-GB');
    expect(formatLocale('ru', ['en-GB', 'ru-KZ'])).toBe('ru-KZ');
    expect(formatLocale('ru', ['en-US'])).toBe('ru-RU');
    expect(formatLocale('en', ['ru-RU'])).toBe('en-US');
  });
});

describe('the CSV separator a locale expects', () => {
  it('is ";" where the decimal separator is a comma (as Intl.NumberFormat writes 1.5), "," elsewhere', () => {
    for (const locale of ['ru-RU', 'de-DE', 'fr-FR', 'uk-UA', 'es-ES']) expect(csvSeparatorFor(locale), locale).toBe(';');
    for (const locale of ['en-US', 'en-GB', 'ja-JP', 'zh-CN']) expect(csvSeparatorFor(locale), locale).toBe(',');
  });
});

describe('durations, dates and days through Intl', () => {
  it('a running call clock', () => {
    expect(formatClock(7_000, 'en-US')).toBe('0:07');
    expect(formatClock(754_000, 'ru-RU')).toBe('12:34');
    expect(formatClock(3_723_000, 'en-US')).toBe('1:02:03');
    expect(formatClock(-5, 'en-US')).toBe('0:00');
  });

  it('the month in words (Russian in the genitive, as a date reads)', () => {
    const date = new Date(2025, 1, 3, 12);
    expect(formatDayMonth(date, 'ru-RU')).toBe('3 февраля');
    expect(formatDayMonth(date, 'en-GB', { year: true })).toBe('3 February 2025');
    expect(formatDayMonth(date, 'ru-RU', { year: true })).toBe('3 февраля 2025');
  });

  it('today, yesterday and tomorrow, nothing further', () => {
    expect(nearDayWord(0, 'ru-RU')).toBe('сегодня');
    expect(nearDayWord(-1, 'en-GB')).toBe('yesterday');
    expect(nearDayWord(1, 'ru-RU')).toBe('завтра');
    expect(nearDayWord(2, 'ru-RU')).toBeNull();
  });
});
