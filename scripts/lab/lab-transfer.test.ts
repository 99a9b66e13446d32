/**
 * Integration tests of the lab's parties for call transfer (issue 4) against a real lab
 * (Kamailio + rtpengine), SIPp on both ends: the handoff note (out-of-dialog MESSAGE) reaching
 * a desk phone, a phone that never answers, and (below) REFER followed and sent.
 * Opt-in, and never in the default namespace (someone's lab may run there):
 *
 *   FRONTDESK_LAB_IT=1 FRONTDESK_LAB_NETNS=fd-lab-it FRONTDESK_LAB_DIR=/tmp/fd-lab-it npx vitest run scripts/lab/lab-transfer.test.ts
 *
 * Starts that lab if it is not running (and then stops it again).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { placeCall, registerAsPhone, sendTextMessage, type Phone, type PhoneOptions } from './caller';
import { labDomain } from './config';
import { labIntegrationEnabled, useLab } from './integration';
import { query } from './rtpengine';

const caller = '+74951234567';
const sales = `sip:1001@${labDomain}`;
/** Phones a test registered: stopped (unregistered) after it. */
const phones: Phone[] = [];
/**
 * Each phone gets a port of its own: the PBX may still retransmit a request of the previous
 * test's call (to a SIPp that has gone) for a few seconds, and it should not reach this test's phone.
 */
let nextPort = 5101;
async function phone(opts: Omit<PhoneOptions, 'port'>): Promise<Phone> {
  const p = await registerAsPhone({ ...opts, port: nextPort++ });
  phones.push(p);
  return p;
}
/** RTP keeps arriving: `more` packets beyond now (polled, not timed). */
async function flowing(read: () => number, more = 20): Promise<void> {
  const before = read();
  await expect.poll(read, { timeout: 5000 }).toBeGreaterThan(before + more);
}

describe.skipIf(!labIntegrationEnabled)('lab transfer parties (real Kamailio + rtpengine)', () => {
  useLab();
  afterEach(async () => {
    // stop every phone even if one fails (a SIPp left behind would answer the next test's calls)
    const failures = (await Promise.allSettled(phones.splice(0).map((p) => p.stop()))).filter((r) => r.status === 'rejected');
    if (failures.length > 0) throw (failures[0] as PromiseRejectedResult).reason;
  }, 30_000);

  it('routes an extension\'s out-of-dialog MESSAGE (UTF-8, X- headers) to a desk phone, over UDP and over WebSocket, without disturbing its call', async () => {
    const desk = await phone({ user: '1001', ringMs: 200 });
    const call = placeCall({ from: caller, to: '1001', maxCallMs: 60_000 });
    try {
      await desk.waitForCalls(1);
      await expect.poll(() => desk.calls()[0]?.answer, { timeout: 5000 }).toBe(200);
      const note = 'Клиент: Иван Петров, ждёт ответа по счёту №42';
      const sent = await sendTextMessage({ asExtension: '1000', to: '1001', body: note, headers: { 'X-Frontdesk-Conversation': 'conv-1' } });
      expect(sent.code).toBe(200);
      const got = await desk.waitForTextMessage((m) => m.headers['X-Frontdesk-Conversation'] === 'conv-1');
      expect(got).toMatchObject({ fromUser: '1000', contentType: 'text/plain;charset=UTF-8', answer: 200 });
      expect(got.body).toBe(`${note}\r\n`); // (SIPp ends the body with CRLF)

      const ws = await sendTextMessage({ asExtension: '1000', to: '1001', body: 'Передаю звонок', transport: 'ws', headers: { 'X-Frontdesk-Handoff': '1' } });
      expect(ws.code).toBe(200);
      const viaWs = await desk.waitForTextMessage((m) => m.headers['X-Frontdesk-Handoff'] === '1');
      expect(viaWs).toMatchObject({ fromUser: '1000', body: 'Передаю звонок', contentType: 'text/plain;charset=UTF-8' });
      expect(desk.textMessages()).toHaveLength(2);

      // the call went on undisturbed
      await flowing(() => desk.rtp().packetsIn);
      expect(desk.calls()).toHaveLength(1);
      expect(desk.calls()[0]!.byeFrom).toBeUndefined();
    } finally {
      const r = await call.stop();
      expect(r).toMatchObject({ code: 200, ended: 'local-bye' });
    }
  }, 60_000);

  it('a phone that never answers rings until the caller gives up; MESSAGE to an unregistered extension is stored (202) and arrives, header and all, when it registers', async () => {
    const desk = await phone({ user: '1002', answer: false });
    const r = await placeCall({ from: caller, to: '1002', cancelAfterMs: 2500, maxCallMs: 30_000 }).result;
    expect(r).toMatchObject({ code: 487, ended: 'cancelled', ringing: true });
    expect(desk.calls()[0]).toMatchObject({ cancelled: true, answer: 487, headers: {} });
    expect((await sendTextMessage({ asExtension: '1000', to: '1004', body: 'Перезвоните', headers: { 'X-Frontdesk-Message': 'abc' } })).code).toBe(202);
    const spare = await phone({ user: '1004' });
    const stored = await spare.waitForTextMessage((m) => m.fromUser === '1000');
    expect(stored.body).toBe('Перезвоните\r\n'); // SIPp's sender ends the body with CRLF
    expect(stored.headers).toMatchObject({ 'X-Frontdesk-Message': 'abc' });
  }, 60_000);

  // ---------------------------------------------------------------- the outside caller follows a REFER (#1)

  it('an outside caller follows a blind REFER: 202, NOTIFY 100/200, a new call to the target with audio and DTMF both ways through rtpengine', async () => {
    const target = await phone({ user: '1001', ringMs: 300 });
    const transferor = await phone({ user: '1003', ringMs: 200, referTo: sales, referAfterMs: 1500 });
    const call = placeCall({ from: caller, to: '1003', followRefer: true, maxCallMs: 60_000 });
    try {
      const t = await call.waitForTransfer(15_000);
      expect(t).toMatchObject({ callId: call.callId, target: sales, reply: 202, code: 200, referredBy: `<sip:1003@${labDomain}>` });
      expect(t.replaces).toBeUndefined();
      expect(t.newCallId).toBeDefined();
      expect(t.newCallId).not.toBe(call.callId);
      expect(call.currentCallId()).toBe(t.newCallId);
      expect(call.legs()).toEqual([call.callId, t.newCallId]);

      // the transferor heard 202, NOTIFY 100 then 200, and hung up its dialog
      await expect.poll(() => transferor.calls()[0]?.byeFrom, { timeout: 5000 }).toBe('us');
      expect(transferor.referReplies()).toEqual([202]);
      expect(transferor.notifyFrags()).toEqual([100, 200]);

      // the new call: from the caller's number, Referred-By copied, audio both ways through rtpengine
      const [leg] = await target.waitForCalls(1);
      expect(leg).toMatchObject({ callId: t.newCallId, fromUser: caller, answer: 200, referredBy: `<sip:1003@${labDomain}>` });
      await expect.poll(() => call.rtp().packetsIn, { timeout: 5000 }).toBeGreaterThan(20);
      await expect.poll(() => target.rtp(t.newCallId).packetsIn, { timeout: 5000 }).toBeGreaterThan(20);
      const engine = await query(t.newCallId!);
      expect(engine.legs).toHaveLength(2);
      engine.legs.forEach((l) => expect(l.packets).toBeGreaterThan(10));
      expect(call.rtpOf(call.callId).packetsIn).toBeGreaterThan(0);
      await call.sendDtmf('5#');
      expect(await target.waitForDtmf('5#', { callId: t.newCallId! })).toBe('5#');
      await target.sendDtmf('7', { callId: t.newCallId! });
      expect(await call.waitForDtmf('7')).toBe('7');
    } finally {
      const r = await call.stop();
      expect(r.legs.map((l) => [l.code, l.ended])).toEqual([
        [200, 'remote-bye'],
        [200, 'local-bye'],
      ]);
      expect(r).toMatchObject({ code: 200, ended: 'local-bye', transfers: [{ reply: 202, code: 200 }] });
      expect(r.rtp.packetsIn).toBeGreaterThan(20);
    }
  }, 90_000);

  it('an attended transfer: the new INVITE carries the Refer-To URI\'s Replaces (decoded); a phone with byeReplaced hangs up the consultation; a transferor that hangs up before the outcome does not stop it', async () => {
    // the consultation: someone already talks to 1001 in a dialog the Replaces names
    const target = await phone({ user: '1001', ringMs: 200, byeReplaced: true });
    const consultId = `consult-${Date.now().toString(36)}@127.0.0.1`;
    const consult = placeCall({ from: '+74950000001', to: '1001', callId: consultId, maxCallMs: 60_000 });
    await expect.poll(() => target.calls()[0]?.answer, { timeout: 10_000 }).toBe(200);
    const replaces = `${consultId};to-tag=a b;from-tag=c%d`;
    const transferor = await phone({
      user: '1003',
      ringMs: 200,
      referTo: `${sales}?Replaces=${encodeURIComponent(replaces)}`,
      referAfterMs: 1000,
      referHangup: 'on-accept',
    });
    const call = placeCall({ from: caller, to: '1003', followRefer: true, maxCallMs: 60_000 });
    try {
      const t = await call.waitForTransfer(15_000);
      expect(t).toMatchObject({ replaces, target: sales, code: 200 });
      const calls = await target.waitForCalls(2);
      expect(calls[1]).toMatchObject({ callId: t.newCallId, replaces, answer: 200 });
      expect(transferor.referReplies()).toEqual([202]);
      // the target hung up the dialog the Replaces named; the new call goes on
      await expect.poll(() => target.calls()[0]!.byeFrom, { timeout: 5000 }).toBe('us');
      expect((await consult.result).ended).toBe('remote-bye');
      await flowing(() => call.rtp().packetsIn);
      expect(target.calls()[1]!.byeFrom).toBeUndefined();
    } finally {
      await consult.stop();
      const r = await call.stop();
      expect(r.legs[0]).toMatchObject({ ended: 'remote-bye' });
      // the old dialog was gone before the outcome: the final NOTIFY still went out
      const notifies = new Map(r.messages.filter((m) => m.direction === 'sent' && m.method === 'NOTIFY').map((m) => [m.cseq.seq, m.body.trim()]));
      expect([...notifies.values()]).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
    }
  }, 90_000);

  it('a transfer whose target is busy: NOTIFY 486 (terminated), waitForTransfer says so, and the old call goes on', async () => {
    await phone({ user: '1001', ringMs: 200, rejectCode: 486 });
    const transferor = await phone({ user: '1003', ringMs: 200, referTo: sales, referAfterMs: 1000 });
    const call = placeCall({ from: caller, to: '1003', followRefer: true, maxCallMs: 60_000 });
    try {
      await expect(call.waitForTransfer(15_000)).rejects.toThrow(/transfer failed: REFER to sip:1001@lab\.frontdesk\.test: accepted, new INVITE .* → 486 Busy Here/);
      expect(call.transfers()).toMatchObject([{ reply: 202, code: 486 }]);
      await expect.poll(() => transferor.notifyFrags(), { timeout: 5000 }).toEqual([100, 486]);
      expect(call.currentCallId()).toBe(call.callId);
      await flowing(() => call.rtp().packetsIn);
      expect(transferor.calls()[0]!.byeFrom).toBeUndefined();
    } finally {
      const r = await call.stop();
      expect(r).toMatchObject({ code: 200, ended: 'local-bye' });
      expect(r.legs.map((l) => l.code)).toEqual([200, 486]);
    }
  }, 90_000);

  it('a caller that refuses the REFER (referReply 603) keeps the call', async () => {
    const transferor = await phone({ user: '1003', ringMs: 200, referTo: sales, referAfterMs: 800 });
    const call = placeCall({ from: caller, to: '1003', followRefer: true, referReply: 603, maxCallMs: 60_000 });
    try {
      await expect(call.waitForTransfer(10_000)).rejects.toThrow(/refused with 603/);
      expect(transferor.referReplies()).toEqual([603]);
      expect(transferor.notifyFrags()).toEqual([]);
      expect(call.legs()).toEqual([call.callId]);
      await flowing(() => call.rtp().packetsIn);
    } finally {
      const r = await call.stop();
      expect(r).toMatchObject({ ended: 'local-bye', transfers: [{ reply: 603 }] });
    }
  }, 60_000);

  // ---------------------------------------------------------------- a colleague's phone transfers its call (#3)

  it('an extension REFERs the call it placed: the transferee follows, the transferor answers each NOTIFY and hangs up after 200', async () => {
    const target = await phone({ user: '1001', ringMs: 300 });
    const transferee = await phone({ user: '1003', ringMs: 200, followRefer: true });
    const r = await placeCall({ from: '', asExtension: '1002', to: '1003', referTo: sales, referAfterMs: 1500, maxCallMs: 60_000 }).result;
    expect(r).toMatchObject({ code: 200, ended: 'local-bye', referReplies: [202], notifyFrags: [100, 200] });
    const t = await transferee.waitForTransfer(5000);
    expect(t).toMatchObject({ target: sales, reply: 202, code: 200, referredBy: `<sip:1002@${labDomain}>` });
    const [leg] = await target.waitForCalls(1);
    // the transferee's new call: its own extension (digest auth), Referred-By the transferor
    expect(leg).toMatchObject({ callId: t.newCallId, fromUser: '1003', answer: 200, referredBy: `<sip:1002@${labDomain}>` });
    await expect.poll(() => transferee.rtp(t.newCallId).packetsIn, { timeout: 5000 }).toBeGreaterThan(20);
    await expect.poll(() => target.rtp(t.newCallId).packetsIn, { timeout: 5000 }).toBeGreaterThan(20);
  }, 90_000);

  it('an extension REFERs to a busy target: NOTIFY 486 arrives and the transferor keeps the call', async () => {
    await phone({ user: '1001', ringMs: 200, rejectCode: 486 });
    const transferee = await phone({ user: '1003', ringMs: 200, followRefer: true });
    const call = placeCall({ from: '', asExtension: '1002', to: '1003', referTo: sales, referAfterMs: 1000, maxCallMs: 60_000 });
    try {
      await expect.poll(() => call.notifyFrags(), { timeout: 15_000 }).toEqual([100, 486]);
      expect(call.referReplies()).toEqual([202]);
      expect(transferee.transfers()).toMatchObject([{ reply: 202, code: 486 }]);
      await flowing(() => call.rtp().packetsIn);
    } finally {
      const r = await call.stop();
      expect(r).toMatchObject({ ended: 'local-bye', referReplies: [202], notifyFrags: [100, 486] });
    }
  }, 60_000);
});
