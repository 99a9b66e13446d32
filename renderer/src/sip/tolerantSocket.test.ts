import { describe, expect, it } from 'vitest';
import * as Parser from 'jssip/lib/Parser';
import { TolerantWebSocket, withCrlfHead } from './tolerantSocket';

const lfOnly = [
  'INVITE sip:1000@lab.frontdesk.test SIP/2.0',
  'Via: SIP/2.0/WS 127.0.0.1:8080;branch=z9hG4bK-1',
  'From: <sip:+74951234567@carrier>;tag=a',
  'To: <sip:1000@lab.frontdesk.test>',
  'Call-ID: lf-1',
  'CSeq: 1 INVITE',
  'Contact: <sip:caller@127.0.0.1:5999>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\n');

const parse = (text: string) => Parser.parseMessage(text, {}) as { call_id?: string; body?: string } | undefined;

describe('messages whose head ends lines with bare LF', () => {
  it('JsSIP drops one without a word (what the socket guards against)', () => {
    expect(parse(lfOnly)).toBeUndefined();
  });

  it('rewritten with CRLF in the head, JsSIP reads it, and the body (counted by Content-Length) is untouched', () => {
    const fixed = withCrlfHead(lfOnly);
    expect(fixed.split('\r\n\r\n')[1]).toBe('v=0\n');
    const m = parse(fixed);
    expect(m?.call_id).toBe('lf-1');
    expect(m?.body).toBe('v=0\n');
  });

  it('a proper message passes through as it is', () => {
    const crlf = withCrlfHead(lfOnly);
    expect(withCrlfHead(crlf)).toBe(crlf);
  });

  it('the socket is a JsSIP Socket that hands JsSIP the mended text', () => {
    const socket = new TolerantWebSocket('ws://127.0.0.1:8080');
    expect(socket.url).toBe('ws://127.0.0.1:8080');
    expect(socket.via_transport).toBe('WS');
    expect(socket.sip_uri).toBe('sip:127.0.0.1:8080;transport=ws');
    const got: unknown[] = [];
    socket.ondata = (d) => got.push(d);
    ((socket as unknown as { inner: { ondata(d: string): void } }).inner).ondata(lfOnly);
    expect(got).toEqual([withCrlfHead(lfOnly)]);
  });

  it('shows every message sent and received to the SIP trace, as it travelled', () => {
    const trace: [string, string][] = [];
    const socket = new TolerantWebSocket('ws://127.0.0.1:8080', (direction, text) => trace.push([direction, text]));
    socket.ondata = () => undefined;
    ((socket as unknown as { inner: { ondata(d: string): void } }).inner).ondata(lfOnly);
    const inner = (socket as unknown as { inner: { send(m: string): boolean } }).inner;
    inner.send = () => true;
    socket.send('OPTIONS sip:x SIP/2.0\r\n\r\n');
    expect(trace).toEqual([
      ['in', lfOnly],
      ['out', 'OPTIONS sip:x SIP/2.0\r\n\r\n'],
    ]);
  });
});
