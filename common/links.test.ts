import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINK_LENGTH, linkForDisplay, parsePhoneLink, phoneLinkInArgv } from './links';
import { fixedT } from './i18n/translate';

const number = (raw: string) => {
  const r = parsePhoneLink(raw);
  return r.ok ? r.link.number : `refused: ${r.problem}`;
};

describe('phone links: what is dialled', () => {
  it('reads tel: numbers with visual separators, spaces and percent-encoding', () => {
    expect(number('tel:+7-495-123-45-67')).toBe('+74951234567');
    expect(number('tel:+7(495)123.45.67')).toBe('+74951234567');
    expect(number('tel:%2B7%20495%20123%2045%2067')).toBe('+74951234567');
    expect(number('TEL:+74951234567')).toBe('+74951234567');
    expect(number('tel://+74951234567')).toBe('+74951234567');
    expect(number('tel:+74951234567/')).toBe('+74951234567');
    expect(number('tel:8 (495) 123–45–67')).toBe('84951234567');
    expect(number('tel:１２３４')).toBe('1234'); // fullwidth digits as a phone's keyboard may give them
  });

  it('keeps service codes and reads %23 as #', () => {
    expect(number('tel:*21*1001%23')).toBe('*21*1001#');
    expect(number('tel:%2A67')).toBe('*67');
  });

  it('applies phone-context: a global prefix joins the number, a domain leaves it local', () => {
    expect(number('tel:123-4567;phone-context=+7-495')).toBe('+74951234567');
    expect(number('tel:1001;phone-context=pbx.example.com')).toBe('1001');
    expect(number('tel:+74951234567;phone-context=+1')).toBe('+74951234567'); // a global number needs none
    expect(number('tel:1001;phone-context=<script>')).toMatch(/^refused: .*phone-context/);
    expect(number('tel:*67;phone-context=+7')).toMatch(/^refused/);
  });

  it('keeps ;ext= apart and ignores other parameters', () => {
    const r = parsePhoneLink('tel:+74951234567;ext=204;isub=x;foo=bar');
    expect(r).toEqual({ ok: true, link: { scheme: 'tel', number: '+74951234567', extension: '204', host: null } });
    expect(number('tel:+74951234567;ext=abc')).toMatch(/^refused: .*extension/);
    expect(number('tel:+74951234567;ext=1;ext=2')).toMatch(/^refused: .*twice/);
  });

  it('takes the user part of a sip: link, never its headers or parameters', () => {
    expect(parsePhoneLink('sip:1001@pbx.example.com')).toEqual({ ok: true, link: { scheme: 'sip', number: '1001', extension: null, host: 'pbx.example.com' } });
    expect(parsePhoneLink('sip:+74951234567@GW.Example.com:5061;user=phone;transport=tls?Subject=hi&Call-Info=%3Chttp://evil%3E;answer-after=0')).toEqual({
      ok: true,
      link: { scheme: 'sip', number: '+74951234567', extension: null, host: 'gw.example.com' },
    });
    expect(number('sip:1001:secret@pbx.example.com')).toBe('1001');
    expect(number('sips:1001@pbx.example.com')).toBe('1001');
    expect(number('sip:alice@example.com')).toMatch(/^refused: .*not a phone number/);
    expect(number('sip:pbx.example.com')).toMatch(/^refused: .*names no user/);
    expect(number('sip:1001@evil.com>;x="')).toMatch(/^refused: .*host/);
  });

  it('reads callto: with or without slashes', () => {
    expect(number('callto:+74951234567')).toBe('+74951234567');
    expect(number('callto://+7 495 123 45 67')).toBe('+74951234567');
    expect(number('callto:+74951234567@skype')).toBe('+74951234567');
    expect(number('callto:echo123')).toMatch(/^refused/);
  });
});

describe('phone links: hostile input', () => {
  it('refuses other schemes', () => {
    for (const link of ['http://example.com/tel:123', 'javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,<b>', 'mailto:a@b.c', 'telnet:1234', 'sms:+74951234567']) {
      expect(parsePhoneLink(link).ok, link).toBe(false);
    }
    expect(number('not a link')).toMatch(/not a link/);
    expect(parsePhoneLink(42)).toEqual({ ok: false, problem: 'the link is not text' });
  });

  it('never lets a header or a command through the number', () => {
    for (const link of [
      'tel:+7495%0D%0AVia: SIP/2.0/UDP evil',
      'tel:+7495\r\nContact: <sip:x@evil>',
      'sip:1001%0d%0aX-Evil:%201@pbx',
      'tel:1001" --inspect=9229',
      'tel:1001;ext=1%00',
      'tel:+7495%E2%80%AE7654', // right-to-left override
      'tel:+7495\u200b1234', // zero-width space
      'tel:$(reboot)',
      'tel:1001`id`',
      'tel:1001<sip:x@evil>',
      'callto:1001&calc.exe',
    ]) {
      const r = parsePhoneLink(link);
      expect(r.ok, link).toBe(false);
    }
  });

  it('refuses percent-encodings that do not decode or were applied twice', () => {
    expect(number('tel:%2')).toMatch(/does not decode/);
    expect(number('tel:%zz1234')).toMatch(/does not decode/);
    expect(number('tel:%C0%AF')).toMatch(/does not decode/); // an overlong UTF-8 form
    expect(number('tel:%252B74951234567')).toMatch(/encoded twice/);
  });

  it('refuses very long links and numbers', () => {
    expect(number(`tel:+${'1'.repeat(MAX_LINK_LENGTH)}`)).toMatch(/longer than/);
    expect(number(`tel:+${'1'.repeat(33)}`)).toMatch(/more than 32 digits/);
    expect(number(`tel:+${'1'.repeat(32)}`)).toBe(`+${'1'.repeat(32)}`);
    expect(number(`tel:${'-'.repeat(1000)}`)).toMatch(/no number/);
  });

  it('whatever the input, what comes out is only dialable characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('tel:', 'sip:', 'callto://').chain((s) => fc.string().map((t) => s + t))), (text) => {
        const r = parsePhoneLink(text);
        if (r.ok) {
          expect(r.link.number).toMatch(/^\+?[0-9*#]{1,33}$/);
          if (r.link.extension !== null) expect(r.link.extension).toMatch(/^[0-9*#]+$/);
        } else {
          expect(r.problem.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('phone links on the command line', () => {
  it('finds the link among Electron and Chromium switches', () => {
    expect(phoneLinkInArgv(['/opt/Frontdesk/frontdesk', '--no-sandbox', 'tel:+74951234567'])).toBe('tel:+74951234567');
    expect(phoneLinkInArgv(['Frontdesk.exe', '--allow-file-access-from-files', '--provisioning=x', 'callto:1001'])).toBe('callto:1001');
    expect(phoneLinkInArgv(['frontdesk', '--', 'SIP:1001@pbx'])).toBe('SIP:1001@pbx');
    expect(phoneLinkInArgv(['frontdesk', 'http://x', '/tmp/tel:1'])).toBeNull();
    expect(phoneLinkInArgv(['frontdesk', '--tel:1'])).toBeNull();
  });
  it('shows a link without control characters and cut to 200 characters', () => {
    expect(linkForDisplay('tel:1\r\n2')).toBe('tel:1\ufffd\ufffd2');
    expect(linkForDisplay(`tel:${'1'.repeat(500)}`)).toHaveLength(200);
  });
});

describe('refusals in the UI language', () => {
  it('tells why in Russian when given the Russian t', () => {
    expect(parsePhoneLink('tel:+7;;ext=x', fixedT('ru'))).toEqual({ ok: false, problem: 'добавочный номер в ссылке (;ext=) — не число' });
    expect(parsePhoneLink('mailto:a@b.c', fixedT('ru'))).toEqual({ ok: false, problem: 'ссылки mailto: — не телефонные (нужны tel:, sip: или callto:)' });
  });
});
