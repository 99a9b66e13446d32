import { describe, expect, it } from 'vitest';
import { fixedT } from './i18n/translate';
import { formatNumber, parseDialString } from './phone';

describe('parseDialString', () => {
  it.each([
    ['+7 (495) 123-45-67', '+74951234567'],
    ['8 495 123 45 67', '+74951234567'],
    ['84951234567', '+74951234567'],
    ['4951234567', '+74951234567'],
    ['8 (916) 555-12-34', '+79165551234'],
  ])('reads %s as %s with region RU', (input, dial) => {
    expect(parseDialString(input, 'RU')).toMatchObject({ ok: true, kind: 'number', dial });
  });

  it('uses the region given', () => {
    expect(parseDialString('020 7946 0018', 'GB')).toMatchObject({ ok: true, dial: '+442079460018', display: '+44 20 7946 0018' });
  });

  it('keeps extensions and service codes as they are', () => {
    expect(parseDialString('1001', 'RU')).toEqual({ ok: true, kind: 'extension', dial: '1001', display: '1001' });
    expect(parseDialString('*98', 'RU')).toMatchObject({ ok: true, kind: 'service', dial: '*98' });
    expect(parseDialString('sip:desk@pbx.example.com', 'RU')).toMatchObject({ ok: true, kind: 'sip-uri' });
  });

  it('says what is wrong with text that is not a number', () => {
    expect(parseDialString('call Oleg', 'RU')).toEqual({ ok: false, problem: '"call Oleg" is not a phone number or an extension' });
    expect(parseDialString('   ', 'RU')).toEqual({ ok: false, problem: 'Type a number or an extension' });
  });

  it('says it in Russian when the window is in Russian', () => {
    expect(parseDialString('позвонить Олегу', 'RU', fixedT('ru'))).toEqual({ ok: false, problem: '«позвонить Олегу» — это не номер телефона и не внутренний номер' });
  });
});

describe('formatNumber', () => {
  it('formats E.164 numbers for reading and leaves extensions alone', () => {
    expect(formatNumber('+74951234567', 'RU')).toBe('+7 495 123 45 67');
    expect(formatNumber('1000', 'RU')).toBe('1000');
    expect(formatNumber('anonymous', 'RU')).toBe('anonymous');
  });
});
