import { describe, expect, it } from 'vitest';
import { arrivingCallerNumber } from './arrivingCaller';

const invite = (from: string, to = '<sip:1000@pbx.local>', line = 'INVITE sip:1000@127.0.0.1:5066;transport=ws SIP/2.0') =>
  [line, 'Via: SIP/2.0/WSS 127.0.0.1:8080;branch=z9hG4bK1', `From: ${from}`, `To: ${to}`, 'Call-ID: a@b', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n');

describe('the caller of a new call, read from the INVITE as it arrives', () => {
  it("is From's user part, as JsSIP reads it (decoded), in either form of the header", () => {
    expect(arrivingCallerNumber(invite('"Oleg Petrov" <sip:+74951234567@pbx.local;user=phone>;tag=abc'), 100)).toBe('+74951234567');
    expect(arrivingCallerNumber(invite('sip:1001@pbx.local;tag=abc'), 100)).toBe('1001');
    expect(arrivingCallerNumber(invite('<sip:%2B74951234567@pbx.local>;tag=x'), 100)).toBe('+74951234567');
    expect(arrivingCallerNumber(invite('<sip:1001@pbx.local>;tag=x').replace('From:', 'f :'), 100)).toBe('1001');
  });

  it('is nothing for a request inside a call, a response, another method or a From it cannot read', () => {
    expect(arrivingCallerNumber(invite('<sip:1001@pbx.local>;tag=x', '<sip:1000@pbx.local>;tag=y'), 100)).toBeNull();
    expect(arrivingCallerNumber(invite('<sip:1001@pbx.local>;tag=x').replace(/^INVITE .*?\r\n/, 'SIP/2.0 180 Ringing\r\n'), 100)).toBeNull();
    expect(arrivingCallerNumber(invite('<sip:1001@pbx.local>;tag=x').replace(/^INVITE/, 'OPTIONS'), 100)).toBeNull();
    expect(arrivingCallerNumber(invite('"Anonymous" <sip:anonymous.invalid>;tag=x'), 100)).toBeNull();
    expect(arrivingCallerNumber(invite('<sip:%E0%A4%A@pbx.local>;tag=x'), 100)).toBeNull();
  });

  it('cuts a very long number as the engine does', () => {
    const long = '1'.repeat(300);
    expect(arrivingCallerNumber(invite(`<sip:${long}@pbx.local>;tag=x`), 100)).toBe(`${'1'.repeat(99)}…`);
  });

  it('reads only the head: a body that mentions From: is not a header', () => {
    const raw = invite('<sip:1001@pbx.local>;tag=x').replace('Content-Length: 0\r\n\r\n', 'Content-Length: 30\r\n\r\nFrom: <sip:666@evil>\r\n');
    expect(arrivingCallerNumber(raw, 100)).toBe('1001');
  });
});
