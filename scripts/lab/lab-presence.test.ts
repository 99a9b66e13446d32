/**
 * Integration tests of the lab's presence server against a real lab (Kamailio's presence,
 * presence_xml, presence_dialoginfo, pua_usrloc, pua_dialoginfo): what a desk watching over the
 * WebSocket (JsSIP, with Frontdesk's own code for what JsSIP lacks) learns of a plain SIP phone and
 * of a desk that publishes, and what the PBX refuses. Opt-in, never in the default namespace:
 *
 *   FRONTDESK_LAB_IT=1 FRONTDESK_LAB_NETNS=fd-lab-it FRONTDESK_LAB_DIR=/tmp/fd-lab-it npx vitest run --no-file-parallelism scripts/lab/lab-presence.test.ts
 *
 * Starts that lab if it is not running (and then stops it again).
 */
import { describe, expect, it } from 'vitest';
import { buildPidf } from '../../common/presence';
import { placeCall, registerAsPhone } from './caller';
import { labDomain } from './config';
import { restartKamailio } from './lab';
import { labIntegrationEnabled, useLab } from './integration';
import { publishPresence, watchPresence } from './presence';


describe.skipIf(!labIntegrationEnabled)('lab presence (real Kamailio)', () => {
  useLab({ freshKamailio: true });

  it("publishes a plain SIP phone's registration and calls: offline, available, ringing, on a call, available, offline", async () => {
    const watcher = watchPresence({ as: '1000', targets: ['1002'] });
    try {
      await watcher.waitForState('1002', 'offline');
      const phone = await registerAsPhone({ user: '1002', port: 5092, ringMs: 1500, hangupAfterMs: 2000 });
      try {
        await watcher.waitForState('1002', 'available');
        const call = placeCall({ from: '+74951234567', to: '1002' });
        const ringing = await watcher.waitForState('1002', 'ringing');
        const talking = await watcher.waitForState('1002', 'on-call');
        expect(talking).toBeGreaterThan(ringing);
        expect((await call.result).code).toBe(200);
        await watcher.waitForState('1002', 'available');
      } finally {
        await phone.stop();
      }
      await watcher.waitForState('1002', 'offline');
      expect(watcher.responses('1002', 'presence')[0]).toBe(200);
      expect(watcher.responses('1002', 'dialog')[0]).toBe(200);
    } finally {
      await watcher.stop();
    }
  }, 60_000);

  it('a desk publishes its own state, aggregated with its registration; nobody may publish for another extension', async () => {
    const watcher = watchPresence({ as: '1000', targets: ['1003'] });
    const desk = watchPresence({ as: '1003', targets: [] });
    try {
      await watcher.waitForState('1003', 'available');
      const body = buildPidf(`sip:1003@${labDomain}`, { onCall: null, dnd: false, away: { until: new Date(Date.now() + 3_600_000).toISOString(), note: 'at a meeting' } }, Date.now());
      expect(await publishPresence({ as: '1003', body, expiresS: 60 })).toMatchObject({ code: 200, etag: expect.any(String) });
      await watcher.waitForState('1003', 'away');
      expect(watcher.state('1003')).toMatchObject({ kind: 'away', note: 'at a meeting' });
      // 1001 publishing "do not disturb" for 1003: refused, nothing changes
      const forged = buildPidf(`sip:1003@${labDomain}`, { onCall: null, dnd: true, away: null }, Date.now() + 1000);
      expect((await publishPresence({ as: '1001', target: '1003', body: forged })).code).toBe(403);
      await new Promise((r) => setTimeout(r, 1000));
      expect(watcher.state('1003').kind).toBe('away');
    } finally {
      await desk.stop();
      await watcher.stop();
    }
  }, 60_000);

  it('a desk whose connection dies (no un-REGISTER) is published offline within seconds', async () => {
    const watcher = watchPresence({ as: '1000', targets: ['1001'] });
    const desk = watchPresence({ as: '1001', targets: [], expiresS: 600 });
    try {
      await watcher.waitForState('1001', 'available');
      const killed = Date.now();
      desk.kill();
      const offline = await watcher.waitForState('1001', 'offline', 30_000);
      // (Kamailio drops contacts of closed connections on its 10 s usrloc timer)
      expect(offline - killed).toBeLessThan(20_000);
    } finally {
      await watcher.stop();
    }
  }, 60_000);

  it('without presence, SUBSCRIBE and PUBLISH get 489 Bad Event', async () => {
    await restartKamailio({ presence: false, log: () => undefined });
    const watcher = watchPresence({ as: '1000', targets: ['1001'], register: false });
    try {
      await expect.poll(() => [watcher.responses('1001', 'presence'), watcher.responses('1001', 'dialog')], { timeout: 10_000 }).toEqual([[489], [489]]);
      expect((await publishPresence({ as: '1001', body: buildPidf(`sip:1001@${labDomain}`, { onCall: null, dnd: true, away: null }, Date.now()) })).code).toBe(489);
    } finally {
      await watcher.stop();
      await restartKamailio({ log: () => undefined });
    }
  }, 60_000);
});
