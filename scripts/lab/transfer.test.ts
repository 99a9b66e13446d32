import { describe, expect, it } from 'vitest';
import { describeTransfers, type TransferAttempt } from './caller';
import { parseSippTrace } from './sipp';
import { inviteFinal, parseReferTo, parseSipfrag, referNotifies, refersReceived, refersSent, xferDoneRequest } from './transfer';

const sep = '----------------------------------------------- 2026-11-23\t11:16:51.970414';
function trace(...msgs: Array<['sent' | 'received', string]>): string {
  return msgs
    .map(([dir, text]) => {
      const msg = `${text.trim().split('\n').map((l) => l.trim()).join('\r\n')}\r\n`;
      const n = Buffer.byteLength(msg);
      return `${sep}\nUDP message ${dir === 'sent' ? `sent (${n} bytes):` : `received [${n}] bytes :`}\n\n${msg}\n`;
    })
    .join('');
}

const refer = (cseq: number, branch: string, referTo: string, extra = '') => `REFER sip:+74951234567@127.0.0.1:20001 SIP/2.0
  Via: SIP/2.0/UDP 127.0.0.1;branch=${branch}
  From: <sip:1000@lab.frontdesk.test>;tag=fd
  To: <sip:+74951234567@carrier.lab.test>;tag=cl
  Call-ID: c1
  CSeq: ${cseq} REFER
  Refer-To: ${referTo}
  ${extra}Content-Length: 0`;
const reply = (code: string, cseq: number, method: string, branch: string) => `SIP/2.0 ${code}
  Via: SIP/2.0/UDP 127.0.0.1;branch=${branch}
  Call-ID: c1
  CSeq: ${cseq} ${method}
  Content-Length: 0`;
const notify = (cseq: number, frag: string, state: string, event = 'refer;id=2') => `NOTIFY sip:1000@127.0.0.1 SIP/2.0
  Via: SIP/2.0/UDP 127.0.0.1;branch=n${cseq}
  Call-ID: c1
  CSeq: ${cseq} NOTIFY
  Event: ${event}
  Subscription-State: ${state}
  Content-Type: message/sipfrag;version=2.0
  Content-Length: ${frag.length + 2}

  ${frag}`;

describe('Refer-To', () => {
  it('splits the target from URL-encoded URI headers and decodes Replaces (as JsSIP encodes it)', () => {
    const replaces = 'abc@10.0.0.1;to-tag=9f;from-tag=x y';
    expect(parseReferTo(`<sip:1001@lab.frontdesk.test?Replaces=${encodeURIComponent(replaces)}>`)).toEqual({
      uri: `sip:1001@lab.frontdesk.test?Replaces=${encodeURIComponent(replaces)}`,
      target: 'sip:1001@lab.frontdesk.test',
      headers: { Replaces: replaces },
      replaces,
    });
    // lower-case name, other headers, a display name and header parameters
    const r = parseReferTo('"Sales" <sips:1001@lab.frontdesk.test;transport=tls?X-A=1&replaces=a%40b%3Bto-tag%3D1>;x=y');
    expect(r).toMatchObject({ target: 'sips:1001@lab.frontdesk.test;transport=tls', headers: { 'X-A': '1', replaces: 'a@b;to-tag=1' }, replaces: 'a@b;to-tag=1' });
  });

  it('takes a bare URI, keeps a malformed escape as it is, drops line breaks, and refuses what is not SIP', () => {
    expect(parseReferTo('sip:1001@lab.frontdesk.test')).toEqual({ uri: 'sip:1001@lab.frontdesk.test', target: 'sip:1001@lab.frontdesk.test', headers: {} });
    expect(parseReferTo('<sip:1001@h?Replaces=50%25%ZZ>')?.replaces).toBe('50%25%ZZ');
    expect(parseReferTo('<sip:1001@h?Replaces=a%0D%0AVia%3A%20x>')?.replaces).toBe('aVia: x');
    expect(parseReferTo('<tel:+74951234567>')).toBeUndefined();
    expect(parseReferTo('')).toBeUndefined();
  });

  it('reads a sipfrag status line', () => {
    expect(parseSipfrag('SIP/2.0 200 OK\r\n')).toEqual({ code: 200, reason: 'OK' });
    expect(parseSipfrag('SIP/2.0 486 Busy Here')).toEqual({ code: 486, reason: 'Busy Here' });
    expect(parseSipfrag('SIP/2.0 100')).toEqual({ code: 100, reason: '' });
    expect(parseSipfrag('INVITE sip:x SIP/2.0')).toBeUndefined();
  });
});

describe('REFER in a trace', () => {
  it('lists the REFERs received (a retransmission once, a compact Refer-To too) with our answers', () => {
    const replaces = 'x@h;to-tag=1;from-tag=2';
    const msgs = parseSippTrace(
      trace(
        ['received', refer(2, 'b1', `<sip:1001@lab.frontdesk.test?Replaces=${encodeURIComponent(replaces)}>`, 'Referred-By: <sip:1000@lab.frontdesk.test>\n')],
        ['received', refer(2, 'b1', `<sip:1001@lab.frontdesk.test?Replaces=${encodeURIComponent(replaces)}>`, 'Referred-By: <sip:1000@lab.frontdesk.test>\n')],
        ['sent', reply('202 Accepted', 2, 'REFER', 'b1')],
        ['received', refer(3, 'b2', '<sip:1002@lab.frontdesk.test>').replace('Refer-To:', 'r:')],
        ['sent', reply('603 Decline', 3, 'REFER', 'b2')],
        ['received', refer(4, 'b3', '<tel:1003>')],
      ),
    );
    const rs = refersReceived(msgs);
    expect(rs.map((r) => [r.cseq, r.target, r.replaces, r.referredBy, r.reply])).toEqual([
      [2, 'sip:1001@lab.frontdesk.test', replaces, '<sip:1000@lab.frontdesk.test>', 202],
      [3, 'sip:1002@lab.frontdesk.test', undefined, undefined, 603],
      [4, '', undefined, undefined, 0],
    ]);
    expect(rs[0]!.key).toBe('c1|2|b1');
    expect(rs[0]!.referTo).toBe(`<sip:1001@lab.frontdesk.test?Replaces=${encodeURIComponent(replaces)}>`);
  });

  it('lists the REFERs sent with the answers, and the NOTIFYs received with their sipfrag (refer events only)', () => {
    const msgs = parseSippTrace(
      trace(
        ['sent', refer(3, 'r1', '<sip:1001@lab.frontdesk.test>')],
        ['received', reply('202 Accepted', 3, 'REFER', 'r1')],
        ['received', notify(1, 'SIP/2.0 100 Trying', 'active;expires=60')],
        ['received', notify(1, 'SIP/2.0 100 Trying', 'active;expires=60')],
        ['received', notify(2, 'SIP/2.0 486 Busy Here', 'terminated;reason=noresource')],
        ['received', notify(3, 'whatever', 'active', 'presence')],
        ['sent', refer(5, 'r2', '<sip:1002@lab.frontdesk.test>')],
      ),
    );
    expect(refersSent(msgs).map((r) => [r.cseq, r.referTo, r.reply])).toEqual([
      [3, '<sip:1001@lab.frontdesk.test>', 202],
      [5, '<sip:1002@lab.frontdesk.test>', 0],
    ]);
    expect(referNotifies(msgs).map((n) => [n.code, n.reason, n.subscriptionState, n.event])).toEqual([
      [100, 'Trying', 'active;expires=60', 'refer;id=2'],
      [486, 'Busy Here', 'terminated;reason=noresource', 'refer;id=2'],
    ]);
  });

  it('finds the final answer to a UAC\'s INVITE: a 407 counts only when nothing followed', () => {
    const final = (code: string, cseq: number) => reply(code, cseq, 'INVITE', 'i');
    const challenged = parseSippTrace(trace(['received', final('407 Proxy Authentication Required', 1)]));
    expect(inviteFinal(challenged, false)).toBeUndefined();
    expect(inviteFinal(challenged, true)).toEqual({ code: 407, reason: 'Proxy Authentication Required' });
    expect(inviteFinal(parseSippTrace(trace(['received', final('407 Proxy Authentication Required', 1)], ['received', final('180 Ringing', 2)], ['received', final('486 Busy Here', 2)])), false)).toEqual({
      code: 486,
      reason: 'Busy Here',
    });
  });

  it('builds the XFERDONE control request the scenarios wait for', () => {
    const m = parseSippTrace(trace(['sent', xferDoneRequest('c1', 20001, { code: 486, reason: 'Busy Here' })]))[0]!;
    expect(m).toMatchObject({ method: 'XFERDONE', callId: 'c1', requestUri: 'sip:xfer@127.0.0.1:20001' });
    expect(m.headers['x-status']).toEqual(['486 Busy Here']);
    expect(xferDoneRequest('c1', 1, { code: 200, reason: 'OK\r\nX: y' })).toContain('X-Status: 200 OKX: y\r\n');
  });

  it('says what happened to each transfer', () => {
    const base: TransferAttempt = { callId: 'c1', cseq: 2, referTo: '<sip:1001@d>', target: 'sip:1001@d', reply: 202, at: '' };
    expect(describeTransfers([])).toBe('no REFER arrived');
    expect(
      describeTransfers([
        { ...base, reply: 603 },
        { ...base, newCallId: 'n1' },
        { ...base, replaces: 'x', newCallId: 'n2', code: 486, reason: 'Busy Here' },
        { ...base, reply: 0 },
      ]),
    ).toBe(
      'REFER to sip:1001@d: refused with 603; REFER to sip:1001@d: accepted, new INVITE n1 has no final answer yet; ' +
        'REFER to sip:1001@d (with Replaces): accepted, new INVITE n2 → 486 Busy Here; REFER to sip:1001@d: not answered yet',
    );
  });
});
