/**
 * Integration tests of the lab's SIPp parties against a real lab (Kamailio + rtpengine):
 * RFC 4733 DTMF both ways through rtpengine, and a desk phone that collides on re-INVITE.
 * Opt-in, and never in the default namespace (someone's lab may run there):
 *
 *   FRONTDESK_LAB_IT=1 FRONTDESK_LAB_NETNS=fd-lab-it FRONTDESK_LAB_DIR=/tmp/fd-lab-it npx vitest run scripts/lab/lab-calls.test.ts
 *
 * Starts that lab if it is not running (and then stops it again). Run from outside the
 * namespace it also covers the media helper process (media-main.ts).
 */
import { describe, expect, it } from 'vitest';
import { testTones } from './audio';
import { placeCall, registerAsPhone } from './caller';
import { labIntegrationEnabled, useLab } from './integration';
import { query } from './rtpengine';

const legPackets = async (callId: string) => (await query(callId)).legs.map((l) => l.packets);

describe.skipIf(!labIntegrationEnabled)('lab calls (real Kamailio + rtpengine)', () => {
  useLab();

  it('carries audio both ways and RFC 4733 DTMF both ways through rtpengine', async () => {
    const phone = await registerAsPhone({ user: '1003', port: 5093, ringMs: 200 });
    const call = placeCall({ from: '+74951234567', to: '1003', maxCallMs: 60_000 });
    try {
      await phone.waitForCalls(1);
      await expect.poll(() => call.rtp().packetsIn, { timeout: 10_000 }).toBeGreaterThan(20);
      const before = await legPackets(call.callId);

      await call.sendDtmf('159#');
      expect(await phone.waitForDtmf('159#')).toBe('159#');
      await phone.sendDtmf('*0AD');
      expect(await call.waitForDtmf('*0AD')).toBe('*0AD');

      const after = await legPackets(call.callId);
      expect(after).toHaveLength(2);
      after.forEach((n, i) => expect(n - before[i]!).toBeGreaterThan(20));
      // and what each hears is the other's 440 Hz tone (through the media helper's JSON when run from outside the namespace)
      expect(phone.rtp().heard).toMatchObject({ toneHz: testTones.outside });
      expect(call.rtp().heard).toMatchObject({ toneHz: testTones.outside });
      expect(call.rtp().heard.rmsDbfs).toBeGreaterThan(-20);
      const ev = phone.dtmfEvents();
      expect(ev.every((e) => e.via === 'rfc4733' && e.ended && e.payloadType === 101 && e.durationMs === 100)).toBe(true);
      expect(phone.rtp().byPayloadType[101]).toBe(4 * 7); // 4 updates + 3 end packets per digit
      expect(phone.rtp().byPayloadType[8]).toBeGreaterThan(20);
      expect(call.rtp().byPayloadType[101]).toBe(4 * 7);
    } finally {
      const r = await call.stop();
      await phone.stop();
      expect(r).toMatchObject({ code: 200, ended: 'local-bye', dtmf: '*0AD' });
    }
  }, 60_000);

  it('a phone that answers the first re-INVITE with 491 keeps the call, then accepts hold and resume', async () => {
    const phone = await registerAsPhone({ user: '1004', port: 5094, ringMs: 200, reinviteReply: 491 });
    const call = placeCall({ from: '+74951234567', to: '1004', scenario: 'reinvite-uac.xml', maxCallMs: 30_000 });
    try {
      // the first re-INVITE (hold) is refused …
      await expect.poll(() => phone.reinvites().length, { timeout: 10_000 }).toBe(1);
      const atGlare = await legPackets(call.callId);
      // … and audio still flows both ways (polled: a loaded machine may stall a sender for a moment)
      await expect
        .poll(async () => Math.min(...(await legPackets(call.callId)).map((n, i) => n - atGlare[i]!)), { timeout: 5000 })
        .toBeGreaterThan(10);

      const r = await call.result;
      expect(r).toMatchObject({ code: 200, ended: 'local-bye' });
      expect(phone.reinvites().map((x) => [x.direction, x.code, x.answerDirection])).toEqual([
        ['sendonly', 491, undefined],
        ['sendonly', 200, 'recvonly'],
        ['sendrecv', 200, 'sendrecv'],
      ]);
      expect(phone.calls()[0]).toMatchObject({ answer: 200, byeFrom: 'caller', reinvites: 3 });
    } finally {
      await call.stop();
      await phone.stop();
    }
  }, 60_000);
});
