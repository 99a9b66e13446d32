import { describe, expect, it } from 'vitest';
import { dateTimeFormat, numberFormat } from './intl';

describe('Intl formatters are made once per locale and options', () => {
  it('gives the same formatter for the same locale and options, another for others, formatting as Intl does', () => {
    const a = dateTimeFormat('ru-RU', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
    expect(dateTimeFormat('ru-RU', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' })).toBe(a);
    expect(dateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' })).not.toBe(a);
    expect(a.format(new Date('2025-03-03T15:05:00Z'))).toBe('15:05');
    expect(numberFormat('ru-RU').format(12345.5)).toBe(new Intl.NumberFormat('ru-RU').format(12345.5));
    expect(numberFormat('ru-RU', { minimumIntegerDigits: 2 })).not.toBe(numberFormat('ru-RU'));
  });

  it('throws for an unknown time zone, as Intl does, every time', () => {
    expect(() => dateTimeFormat('en', { timeZone: 'Mars/Olympus' })).toThrow(RangeError);
    expect(() => dateTimeFormat('en', { timeZone: 'Mars/Olympus' })).toThrow(RangeError);
  });
});
