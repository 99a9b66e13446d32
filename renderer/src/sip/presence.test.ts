import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { colleagueState, describeState, parsePidf, type OwnPresence } from '../../../common/presence';
import { Presence, refusedRetryMs } from './presence';
import { uaWithPbx } from './testPbx';

/**
 * The presence module against JsSIP's own Subscriber and request code, on a socket where the test
 * is the PBX: what goes out (SUBSCRIBE, PUBLISH), and what the colleagues read after each answer.
 */

const pidf = (basic: 'open' | 'closed', person = '') =>
  `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:x@lab.frontdesk.test"><tuple id="t"><status><basic>${basic}</basic></status></tuple>${person}</presence>`;
const dialogInfo = (state: string) =>
  `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:x@lab.frontdesk.test"><dialog id="d1" call-id="c1" direction="recipient"><state>${state}</state></dialog></dialog-info>`;

function setUp(watch = ['1001', '1002', '1003']) {
  const pbx = uaWithPbx('1000', 'lab-1000-secret');
  let own: OwnPresence = { onCall: null, dnd: false, away: null };
  const stored = new Map<string, string>();
  const problems: string[] = [];
  const presence = new Presence({
    ua: () => pbx.ua,
    account: () => ({ user: '1000', domain: 'lab.frontdesk.test' }),
    own: () => own,
    now: () => Date.now(),
    onProblem: (p) => problems.push(p),
    storage: { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => void stored.set(k, v), removeItem: (k) => void stored.delete(k) },
  });
  presence.setWatched(watch);
  const subscribes = (event?: string, to?: string) =>
    pbx.requests('SUBSCRIBE').filter((m) => (!event || pbx.header(m, 'Event') === event) && (!to || m.startsWith(`SUBSCRIBE sip:${to}@`)));
  const state = (ext: string) => describeState(colleagueState(presence.getSnapshot().colleagues[ext], Date.now()), Date.now());
  /** The desk connects and the PBX accepts every subscription. */
  const connectAndAccept = () => {
    presence.connected();
    for (const s of subscribes()) pbx.answer(s, '200 OK', ['Contact: <sip:127.0.0.1:5060>', 'Expires: 600']);
  };
  cleanups.push(() => {
    presence.stop();
    pbx.ua.stop();
  });
  return { pbx, presence, subscribes, state, problems, stored, connectAndAccept, setOwn: (o: Partial<OwnPresence>) => (own = { ...own, ...o }) };
}

const cleanups: Array<() => void> = [];

/** Lets JsSIP's and the module's queued work run. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await Promise.resolve();
};

describe('colleague presence over SIP', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    vi.useRealTimers();
  });

  it('asks the PBX about one colleague per event first, then the others; each NOTIFY is what the colleague reads, an empty one clears', async () => {
    const { pbx, presence, subscribes, state } = setUp();
    expect(state('1001')).toBe('Unknown: this desk is not connected to the PBX');
    presence.connected();
    expect(subscribes().map((m) => `${pbx.header(m, 'Event')} ${m.split(' ')[1]}`)).toEqual(['dialog sip:1001@lab.frontdesk.test', 'presence sip:1001@lab.frontdesk.test']);
    expect(pbx.header(subscribes('dialog')[0]!, 'Accept')).toBe('application/dialog-info+xml');
    expect(pbx.header(subscribes('presence')[0]!, 'Accept')).toBe('application/pidf+xml');
    expect(pbx.header(subscribes()[0]!, 'Expires')).toBe('600');

    pbx.answer(subscribes('dialog')[0]!, '200 OK', ['Contact: <sip:127.0.0.1:5060>', 'Expires: 600']);
    pbx.answer(subscribes('presence')[0]!, '200 OK', ['Contact: <sip:127.0.0.1:5060>', 'Expires: 600']);
    // the others follow once the PBX has shown it offers each event
    expect(subscribes().length).toBe(6);

    pbx.notify(subscribes('presence', '1001')[0]!, 1, { body: pidf('open') });
    pbx.notify(subscribes('dialog', '1001')[0]!, 1);
    expect(state('1001')).toBe('Available');
    pbx.notify(subscribes('dialog', '1001')[0]!, 2, { body: dialogInfo('early') });
    expect(state('1001')).toBe('Ringing');
    pbx.notify(subscribes('dialog', '1001')[0]!, 3, { body: dialogInfo('confirmed') });
    vi.advanceTimersByTime(65_000);
    expect(state('1001')).toBe('On a call, 1:05');
    pbx.notify(subscribes('dialog', '1001')[0]!, 4);
    expect(state('1001')).toBe('Available');
    pbx.notify(subscribes('presence', '1001')[0]!, 2);
    expect(state('1001')).toBe('Offline (not registered)');
    expect(state('1002')).toBe('Unknown: asking the PBX…');
  });

  it('under Russian, the colleagues read why in Russian, and the log stays English', async () => {
    const { i18n } = await import('../i18n');
    await i18n.changeLanguage('ru');
    try {
      const { pbx, presence, subscribes, problems } = setUp(['1001']);
      presence.connected();
      pbx.answer(subscribes('dialog')[0]!, '489 Bad Event');
      pbx.answer(subscribes('presence')[0]!, '489 Bad Event');
      pbx.answer(pbx.requests('PUBLISH')[0]!, '489 Bad Event');
      await settle();
      const ru = { t: i18n.t, locale: 'ru-RU' };
      expect(describeState(colleagueState(presence.getSnapshot().colleagues['1001'], Date.now()), Date.now(), undefined, ru)).toMatch(/^[^A-Za-z]*АТС не передаёт (статус присутствия|состояние линии) \(489 Bad Event\)$/);
      expect(presence.getSnapshot().publication.reason).toMatch(/^АТС не принимает статусы от рабочих мест \(489 Bad Event\)/);
      expect(problems).toContain('the PBX does not offer presence (489 Bad Event)');
    } finally {
      await i18n.changeLanguage('en');
    }
  });

  it('a PBX without presence: one 489 per event, every colleague unknown with the reason, then nothing for ten minutes but one probe each', async () => {
    const { pbx, presence, subscribes, state, problems } = setUp();
    presence.connected();
    pbx.answer(subscribes('dialog')[0]!, '489 Bad Event');
    pbx.answer(subscribes('presence')[0]!, '489 Bad Event');
    const publish = pbx.requests('PUBLISH');
    expect(publish).toHaveLength(1);
    pbx.answer(publish[0]!, '489 Bad Event');
    await settle();
    for (const ext of ['1001', '1002', '1003']) expect(state(ext)).toBe('Unknown: the PBX does not offer presence (489 Bad Event)');
    expect(presence.getSnapshot().publication).toMatchObject({ state: 'refused', reason: expect.stringContaining('the PBX does not accept presence from desks (489 Bad Event)') });
    expect(problems.length).toBeGreaterThan(0);

    vi.advanceTimersByTime(refusedRetryMs * 0.75);
    expect(subscribes()).toHaveLength(2);
    expect(pbx.requests('PUBLISH')).toHaveLength(1);

    // An hour of a PBX that refuses everything it is asked: one probe per event every ~10 minutes.
    const answered = new Set<string>();
    for (let s = 0; s < 3600; s++) {
      vi.advanceTimersByTime(1000);
      for (const m of [...subscribes(), ...pbx.requests('PUBLISH')]) {
        if (answered.has(m)) continue;
        answered.add(m);
        pbx.answer(m, '489 Bad Event');
      }
      await settle();
    }
    const perEvent = (e: string) => subscribes(e).length;
    for (const e of ['dialog', 'presence']) {
      expect(perEvent(e)).toBeGreaterThanOrEqual(6);
      expect(perEvent(e)).toBeLessThanOrEqual(9);
    }
    expect(pbx.requests('PUBLISH').length).toBeLessThanOrEqual(9);
    for (const ext of ['1001', '1002', '1003']) expect(state(ext)).toBe('Unknown: the PBX does not offer presence (489 Bad Event)');
  });

  it("this desk's state: published on connect, changes with SIP-If-Match, refreshed without a body before it expires, afresh after 412, withdrawn on stop", async () => {
    const { pbx, presence, setOwn, stored } = setUp([]);
    presence.connected();
    const [first] = pbx.requests('PUBLISH');
    expect(pbx.header(first!, 'Event')).toBe('presence');
    expect(pbx.header(first!, 'SIP-If-Match')).toBe('');
    expect(parsePidf(first!.slice(first!.indexOf('\r\n\r\n') + 4))).toMatchObject({ entity: 'sip:1000@lab.frontdesk.test', activities: [] });
    pbx.answer(first!, '200 OK', ['SIP-ETag: e1', 'Expires: 600']);
    expect(presence.getSnapshot().publication.state).toBe('published');
    expect([...stored.values()]).toEqual(['e1']);

    setOwn({ away: { until: new Date(Date.now() + 3_600_000).toISOString(), note: 'at a meeting' } });
    presence.ownChanged();
    const [, second] = pbx.requests('PUBLISH');
    expect(pbx.header(second!, 'SIP-If-Match')).toBe('e1');
    expect(parsePidf(second!.slice(second!.indexOf('\r\n\r\n') + 4))).toMatchObject({ activities: ['away'], notes: ['at a meeting'] });
    pbx.answer(second!, '200 OK', ['SIP-ETag: e2', 'Expires: 600']);
    presence.ownChanged(); // nothing new: nothing sent
    expect(pbx.requests('PUBLISH')).toHaveLength(2);

    vi.advanceTimersByTime(481_000);
    const [, , refresh] = pbx.requests('PUBLISH');
    expect(pbx.header(refresh!, 'SIP-If-Match')).toBe('e2');
    expect(pbx.header(refresh!, 'Content-Type')).toBe('');
    pbx.answer(refresh!, '412 Conditional Request Failed');
    const again = pbx.requests('PUBLISH')[3]!;
    expect(pbx.header(again, 'SIP-If-Match')).toBe('');
    expect(parsePidf(again.slice(again.indexOf('\r\n\r\n') + 4))).toMatchObject({ activities: ['away'] });
    pbx.answer(again, '200 OK', ['SIP-ETag: e3', 'Expires: 600']);

    // the away ends at its time: published again without it (the refreshes meanwhile answered)
    const body = (m: string) => parsePidf(m.slice(m.indexOf('\r\n\r\n') + 4));
    const answered = new Set(pbx.requests('PUBLISH'));
    const awayEnds = Date.now() - 481_000 + 3_600_000;
    let cleared: string | undefined;
    while (!cleared && Date.now() < awayEnds + 10_000) {
      vi.advanceTimersByTime(1000);
      for (const m of pbx.requests('PUBLISH')) {
        if (answered.has(m)) continue;
        answered.add(m);
        if (pbx.header(m, 'Content-Type') && body(m)?.activities.length === 0) cleared = m;
        pbx.answer(m, '200 OK', [`SIP-ETag: e${answered.size}`, 'Expires: 600']);
      }
    }
    expect(Math.abs(Date.now() - awayEnds)).toBeLessThan(2000);
    expect(pbx.header(cleared!, 'SIP-If-Match')).toMatch(/^e\d+$/);

    presence.stop();
    const withdrawn = pbx.requests('PUBLISH').at(-1)!;
    expect([pbx.header(withdrawn, 'Expires'), pbx.header(withdrawn, 'SIP-If-Match')]).toEqual(['0', `e${answered.size}`]);
    expect(stored.size).toBe(0);
  });

  it('the connection goes: unknown with the reason; it comes back: every subscription afresh, the old ones ended', async () => {
    const { pbx, presence, subscribes, state, connectAndAccept } = setUp(['1001']);
    connectAndAccept();
    pbx.notify(subscribes('presence')[0]!, 1, { body: pidf('open') });
    expect(state('1001')).toBe('Available');
    presence.disconnected();
    expect(state('1001')).toBe('Unknown: this desk is not connected to the PBX');
    const before = subscribes().length;
    presence.connected();
    expect(subscribes().length).toBe(before + 2);
    // the old subscriptions were ended (an un-SUBSCRIBE in their dialogs)
    expect(subscribes().filter((m) => pbx.header(m, 'Expires') === '0')).toHaveLength(2);
  });

  it('a subscription the PBX ends (deactivated) is renewed at once, and the colleague keeps their state meanwhile', async () => {
    const { pbx, subscribes, state, connectAndAccept } = setUp(['1001']);
    connectAndAccept();
    pbx.notify(subscribes('presence')[0]!, 1, { body: pidf('open', '<dm:person id="p"><rpid:activities><rpid:busy/></rpid:activities></dm:person>') });
    expect(state('1001')).toBe('Do not disturb');
    pbx.notify(subscribes('presence')[0]!, 2, { state: 'terminated;reason=deactivated' });
    await settle();
    expect(state('1001')).toBe('Do not disturb');
    vi.advanceTimersByTime(10);
    expect(subscribes('presence')).toHaveLength(2);
  });
});
