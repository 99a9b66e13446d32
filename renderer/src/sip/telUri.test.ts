import { describe, expect, it } from 'vitest';
import JsSIP from 'jssip';
import { telHeaderAsSip, telNumber } from './telUri';

describe('a tel: URI in a From or To header, read as the SIP URI RFC 3261 maps it to', () => {
  const domain = 'lab.frontdesk.test';

  it('keeps the display name and the header parameters, and puts the number in a sip: URI with user=phone', () => {
    expect(telHeaderAsSip('<tel:+74951234567>;tag=a1', domain)).toBe('<sip:+74951234567@lab.frontdesk.test;user=phone>;tag=a1');
    expect(telHeaderAsSip('"Иван Петров" <tel:+7-495-123-45-67;phone-context=+7>;tag=x', domain)).toBe('"Иван Петров" <sip:+74951234567@lab.frontdesk.test;user=phone>;tag=x');
    expect(telHeaderAsSip('Reception <TEL:+7(495)123.45.67>', domain)).toBe('Reception <sip:+74951234567@lab.frontdesk.test;user=phone>');
    // Without angle brackets what follows ";" is the header's (RFC 3261 20.10): brackets are added.
    expect(telHeaderAsSip('tel:+74951234567;tag=b2', domain)).toBe('<sip:+74951234567@lab.frontdesk.test;user=phone>;tag=b2');
    // A quoted display name may hold "<" and "tel:" itself.
    expect(telHeaderAsSip('"a <tel:1> \\" b" <tel:+74951234567>', domain)).toBe('"a <tel:1> \\" b" <sip:+74951234567@lab.frontdesk.test;user=phone>');
    // A local number (with its context) and service codes.
    expect(telHeaderAsSip('<tel:1234567;phone-context=example.com>', domain)).toBe('<sip:1234567@lab.frontdesk.test;user=phone>');
    expect(telHeaderAsSip('<tel:*21#;phone-context=+7>', domain)).toBe('<sip:*21%23@lab.frontdesk.test;user=phone>');
  });

  it('leaves alone what is not a tel: URI with a number', () => {
    expect(telHeaderAsSip('<sip:+74951234567@carrier>;tag=a', domain)).toBeNull();
    expect(telHeaderAsSip('"tel:+74951234567" <sip:x@y>', domain)).toBeNull();
    expect(telHeaderAsSip('<tel:>;tag=a', domain)).toBeNull();
    expect(telHeaderAsSip('<tel:+7495abc>', domain)).toBeNull();
    expect(telHeaderAsSip('<tel:%E0%A4%A>', domain)).toBeNull();
    expect(telHeaderAsSip('"unclosed <tel:+74951234567>', domain)).toBeNull();
    expect(telNumber('tel:+7 495')).toBeNull();
    expect(telNumber('tel:+7-495-123-45-67;ext=12')).toBe('+74951234567');
  });

  it('gives what JsSIP reads as a From with the number as the user, the display name and the tag', () => {
    const parsed = JsSIP.Grammar.parse(telHeaderAsSip('"Иван" <tel:+74951234567>;tag=a1', domain)!, 'From') as JsSIP.NameAddrHeader;
    expect(parsed).not.toBe(-1);
    expect(parsed.uri.user).toBe('+74951234567');
    expect(parsed.display_name).toBe('Иван');
    expect(parsed.getParam('tag')).toBe('a1');
  });
});
