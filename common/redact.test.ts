import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactValue } from './redact';

const register = [
  'REGISTER sip:lab.frontdesk.test SIP/2.0',
  'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK2345',
  'From: <sip:1000@lab.frontdesk.test>;tag=abc',
  'Authorization: Digest algorithm=MD5, username="1000", realm="lab.frontdesk.test", nonce="Zx1yAAAAAA", uri="sip:lab.frontdesk.test", response="6629fae49393a05397450978507c4ef1", qop=auth, cnonce="q8d8q8", nc=00000001',
  'Proxy-Authorization: Digest username="1000", realm="x", nonce="n", uri="sip:1001@x", response=deadbeefdeadbeefdeadbeefdeadbeef',
  'Content-Length: 0',
].join('\r\n');

describe('redaction', () => {
  it('hides the digest response of Authorization and Proxy-Authorization, keeping the rest readable', () => {
    const out = redact(register);
    expect(out).not.toContain('6629fae49393a05397450978507c4ef1');
    expect(out).not.toContain('deadbeefdeadbeef');
    expect(out).toContain(`response="${REDACTED}"`);
    // what support needs stays: who, which realm, which nonce, the algorithm
    expect(out).toContain('username="1000"');
    expect(out).toContain('nonce="Zx1yAAAAAA"');
    expect(out).toContain('REGISTER sip:lab.frontdesk.test SIP/2.0');
  });

  it('hides the digest response of a SIP message JSON-escaped into a log line, and of a lower-cased one', () => {
    const logged = redact(JSON.stringify({ sip: register }));
    expect(logged).not.toContain('6629fae49393a05397450978507c4ef1');
    expect(logged).not.toContain('deadbeefdeadbeef');
    expect(logged).toContain(`response=\\"${REDACTED}\\"`);
    // Still JSON: support can read it back.
    expect(JSON.parse(logged).sip).toContain('REGISTER sip:lab.frontdesk.test');
    expect(redact(register.toLowerCase())).not.toContain('6629fae49393a05397450978507c4ef1');
  });

  it('hides known secrets wherever they appear, also encoded', () => {
    const password = 'lab-1000-secret';
    const token = 'Bearer crm-T0ken/with+chars';
    const text = [
      `wsUrl ok, password ${password}`,
      `encoded: ${encodeURIComponent(token)}`,
      `json: ${JSON.stringify({ note: `pw="${password}"` })}`,
      'base64: bGFiLTEwMDAtc2VjcmV0' /* base64 of the password */,
      'the table is ready',
    ].join('\n');
    const out = redact(text, [password, token, 'ab' /* too short to replace by value */]);
    expect(out).not.toContain(password);
    expect(out).not.toContain(encodeURIComponent(token));
    expect(out).not.toContain('bGFiLTEwMDAtc2VjcmV0');
    expect(out.split(REDACTED).length).toBeGreaterThanOrEqual(5);
    expect(out).toContain('the table is ready'); // a secret this short is not hunted by value
  });

  it('hides a non-ASCII secret in its UTF-8 encodings too', () => {
    const password = 'пароль-секрет';
    const out = redact(
      ['plain пароль-секрет', 'url %D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C-%D1%81%D0%B5%D0%BA%D1%80%D0%B5%D1%82', 'b64 0L/QsNGA0L7Qu9GMLdGB0LXQutGA0LXRgg=='].join('\n'),
      [password],
    );
    expect(out).toBe(['plain', 'url', 'b64'].map((w) => `${w} ${REDACTED}`).join('\n').replace(`b64 ${REDACTED}`, `b64 ${REDACTED}==`));
  });

  it('hides Bearer and Basic credentials, password fields, cookies and URL passwords by their shape', () => {
    const cases: [string, string][] = [
      ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc', 'eyJhbGciOiJIUzI1NiJ9'],
      ['authorization=Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
      ['{"account":{"user":"1000","password":"s3cr3t!"}}', 's3cr3t!'],
      ['{"headers":{"Authorization":"Token abc123def"}}', 'abc123def'],
      ['{"smtp":{"pass":"mail-pass"}}', 'mail-pass'],
      ['{"apiKey": "k-12345"}', 'k-12345'],
      ['log: {\\"password\\":\\"esc-pass\\"}', 'esc-pass'],
      ['Cookie: fd_session=abcdef123456', 'abcdef123456'],
      ['connecting to wss://1000:hunter22@pbx.example.com/ws', 'hunter22'],
      ['GET /recordings/x.webm?key=0123456789abcdef HTTP/1.1', '0123456789abcdef'],
      ['GET /bridge?token=feedfacecafe', 'feedfacecafe'],
      ['smtp password=hunter2 user=frontdesk', 'hunter2'],
      ['X-Api-Key: top-secret-key', 'top-secret-key'],
    ];
    for (const [text, secret] of cases) {
      const out = redact(text);
      expect(out, text).not.toContain(secret);
      expect(out, text).toContain(REDACTED);
    }
    expect(redact('smtp password=hunter2 user=frontdesk')).toContain('user=frontdesk');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Call from +7 495 123-45-67 answered; INVITE sip:1001@lab SIP/2.0; the key to the office is under the mat; tokens of appreciation';
    expect(redact(text)).toBe(text);
  });

  it('redacts values of secret-named keys in a JSON value, whatever their type', () => {
    const value = {
      account: { user: '1000', password: 'p', wsUrl: 'wss://pbx' },
      crm: { headers: { Authorization: 'Bearer x', Accept: 'application/json' } },
      messages: { smtp: { password: 12345, requireValidCertificate: true } },
      trace: [`response="abc"`, 'ok'],
      token: null,
    };
    expect(redactValue(value)).toEqual({
      account: { user: '1000', password: REDACTED, wsUrl: 'wss://pbx' },
      crm: { headers: { Authorization: REDACTED, Accept: 'application/json' } },
      messages: { smtp: { password: REDACTED, requireValidCertificate: true } },
      trace: [`response="${REDACTED}"`, 'ok'],
      token: null,
    });
  });
});
