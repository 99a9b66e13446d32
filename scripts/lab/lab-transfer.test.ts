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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall, registerAsPhone, sendTextMessage } from './caller';
import { startLab, stopLab } from './lab';
import { defaultNetnsName, labNetnsName } from './netns';

const enabled = process.env.FRONTDESK_LAB_IT === '1';

describe.skipIf(!enabled)('lab transfer parties (real Kamailio + rtpengine)', () => {
  let started = false;
  beforeAll(async () => {
    if (labNetnsName() === defaultNetnsName || !process.env.FRONTDESK_LAB_DIR) {
      throw new Error(`Set FRONTDESK_LAB_NETNS (not ${defaultNetnsName}) and FRONTDESK_LAB_DIR for the lab integration tests`);
    }
    started = !(await startLab({ log: () => undefined })).alreadyRunning;
  }, 60_000);
  afterAll(async () => {
    if (started) await stopLab({ log: () => undefined });
  }, 60_000);

  it('routes an extension\'s out-of-dialog MESSAGE (UTF-8, X- headers) to a desk phone, over UDP and over WebSocket, without disturbing its call', async () => {
    const phone = await registerAsPhone({ user: '1001', port: 5091, ringMs: 200 });
    const call = placeCall({ from: '+74951234567', to: '1001', maxCallMs: 60_000 });
    try {
      await phone.waitForCalls(1);
      await expect.poll(() => phone.calls()[0]?.answer, { timeout: 5000 }).toBe(200);
      const note = 'Клиент: Иван Петров, ждёт ответа по счёту №42';
      const sent = await sendTextMessage({ asExtension: '1000', to: '1001', body: note, headers: { 'X-Frontdesk-Conversation': 'conv-1' } });
      expect(sent.code).toBe(200);
      const got = await phone.waitForTextMessage((m) => m.headers['X-Frontdesk-Conversation'] === 'conv-1');
      expect(got).toMatchObject({ fromUser: '1000', contentType: 'text/plain;charset=UTF-8', answer: 200 });
      expect(got.body).toBe(`${note}\r\n`); // (SIPp ends the body with CRLF)

      const ws = await sendTextMessage({ asExtension: '1000', to: '1001', body: 'Передаю звонок', transport: 'ws', headers: { 'X-Frontdesk-Handoff': '1' } });
      expect(ws.code).toBe(200);
      const viaWs = await phone.waitForTextMessage((m) => m.headers['X-Frontdesk-Handoff'] === '1');
      expect(viaWs).toMatchObject({ fromUser: '1000', body: 'Передаю звонок', contentType: 'text/plain;charset=UTF-8' });
      expect(phone.textMessages()).toHaveLength(2);

      // the call went on undisturbed
      const before = phone.rtp().packetsIn;
      await expect.poll(() => phone.rtp().packetsIn, { timeout: 5000 }).toBeGreaterThan(before + 20);
      expect(phone.calls()).toHaveLength(1);
      expect(phone.calls()[0]!.byeFrom).toBeUndefined();
    } finally {
      const r = await call.stop();
      await phone.stop();
      expect(r).toMatchObject({ code: 200, ended: 'local-bye' });
    }
  }, 60_000);

  it('a phone that never answers rings until the caller gives up; MESSAGE to an unregistered extension gets 480', async () => {
    const phone = await registerAsPhone({ user: '1002', port: 5092, answer: false });
    try {
      const r = await placeCall({ from: '+74951234567', to: '1002', cancelAfterMs: 2500, maxCallMs: 30_000 }).result;
      expect(r).toMatchObject({ code: 487, ended: 'cancelled', ringing: true });
      expect(phone.calls()[0]).toMatchObject({ cancelled: true, answer: 487, headers: {} });
      expect((await sendTextMessage({ asExtension: '1000', to: '1004', body: 'x' })).code).toBe(480);
    } finally {
      await phone.stop();
    }
  }, 60_000);
});
