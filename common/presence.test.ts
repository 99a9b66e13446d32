import { describe, expect, it } from 'vitest';
import {
  absenceSentence,
  applyDialogInfo,
  AwaySchema,
  buildPidf,
  colleagueState,
  describeState,
  isAbsent,
  noteDialogTimes,
  parseDialogInfo,
  parsePidf,
  untilText,
  type ColleagueWatch,
  type DialogInfo,
  type Pidf,
} from './presence';
import { parseXml } from './xml';
import { fixedT } from './i18n/translate';

// What the lab's Kamailio (presence_dialoginfo + pua_dialoginfo) sent for a SIPp phone, 1002.
const kamailioEarly = `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="2" state="full" entity="sip:1002@lab.frontdesk.test">
  <dialog id="padi-6b15edce-1374-1" call-id="fdlab-mxcgt2z4-6f9d0e3149@127.0.0.1" local-tag="5076SIPpTag011" remote-tag="5078SIPpTag001" direction="recipient">
    <state>early</state>
    <remote>
      <identity>sip:+74951234567@carrier.lab.test</identity>
      <target uri="sip:+74951234567@127.0.0.1:28992;transport=UDP"/>
    </remote>
    <local>
      <identity>sip:1002@lab.frontdesk.test</identity>
      <target uri="sip:1002@127.0.0.1:5092;transport=UDP"/>
    </local>
  </dialog>
</dialog-info>`;
const kamailioConfirmed = kamailioEarly.replace('<state>early</state>', '<state>confirmed</state>').replace('version="2"', 'version="3"');
const kamailioOpen = `<?xml version="1.0"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:c="urn:ietf:params:xml:ns:pidf:cipid" entity="1002@lab.frontdesk.test">
  <tuple id="0x7fd565198178">
    <status>
      <basic>open</basic>
    </status>
  </tuple>
</presence>`;
const kamailioClosed = kamailioOpen.replace('open', 'closed');
// Asterisk (res_pjsip_dialog_info_body_generator) for a device on hold, prefixes and all.
const asteriskOnHold = `<?xml version="1.0" encoding="UTF-8"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="7" state="full" entity="sip:201@pbx.example.com">
 <dialog id="201" direction="recipient">
  <state>confirmed</state>
  <local><target uri="sip:201@pbx.example.com"><param pname="+sip.rendering" pval="no"/></target></local>
 </dialog>
</dialog-info>`;
// A softphone's own PIDF with RPID in prefixed elements of another spelling.
const bria = `<?xml version='1.0' encoding='UTF-8'?>
<pr:presence xmlns:pr="urn:ietf:params:xml:ns:pidf" xmlns:pp="urn:ietf:params:xml:ns:pidf:data-model" xmlns:es="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:300@example.com">
 <pr:tuple id="t1"><pr:status><pr:basic>open</pr:basic></pr:status></pr:tuple>
 <pp:person id="p1"><es:activities><es:busy/></es:activities><pp:note>Busy</pp:note></pp:person>
</pr:presence>`;

const now = Date.parse('2025-03-03T10:00:00Z');
const active = <T,>(doc: T | null) => ({ status: 'active' as const, doc, reason: null });
const watch = (presence: Pidf | null, dialog: DialogInfo | null, times: ColleagueWatch['times'] = {}): ColleagueWatch => ({
  presence: active(presence),
  dialog: active(dialog),
  times,
});

describe('XML reader', () => {
  it('resolves prefixes to namespaces, decodes entities and CDATA, skips comments and declarations', () => {
    const el = parseXml(`<?xml version="1.0"?><!DOCTYPE x><!-- c --><a:x xmlns:a="urn:a" xmlns="urn:d" k='v &amp; w'><y>1 &lt; 2 &#x41;<![CDATA[<raw>]]></y><a:z/></a:x>`);
    expect(el).toMatchObject({ name: 'x', ns: 'urn:a', attrs: { k: 'v & w' } });
    expect(el!.children.map((c) => [c.name, c.ns, c.text])).toEqual([
      ['y', 'urn:d', '1 < 2 A<raw>'],
      ['z', 'urn:a', ''],
    ]);
  });

  it('never throws: what is not well-formed is null', () => {
    for (const bad of ['', 'text', '<a>', '<a></b>', '<a x=1/>', '<a/><b/>', '<a x="1></a>', '<!-- open', 'x'.repeat(2_000_001)]) expect(parseXml(bad)).toBeNull();
  });
});

describe('dialog-info (RFC 4235)', () => {
  it("reads the lab PBX's document: the dialog, its state, direction and call id", () => {
    expect(parseDialogInfo(kamailioEarly)).toEqual({
      version: 2,
      full: true,
      entity: 'sip:1002@lab.frontdesk.test',
      dialogs: [{ id: 'padi-6b15edce-1374-1', callId: 'fdlab-mxcgt2z4-6f9d0e3149@127.0.0.1', direction: 'recipient', state: 'early', held: false, durationS: null }],
    });
  });

  it("reads Asterisk's hold (+sip.rendering=no on the local target)", () => {
    expect(parseDialogInfo(asteriskOnHold)!.dialogs[0]).toMatchObject({ state: 'confirmed', held: true });
  });

  it('a partial document updates only the dialogs it names', () => {
    const two = parseDialogInfo(kamailioEarly.replace('</dialog-info>', '<dialog id="b"><state>confirmed</state></dialog></dialog-info>'))!;
    const partial = parseDialogInfo('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="partial" entity="x"><dialog id="b"><state>terminated</state></dialog></dialog-info>')!;
    expect(applyDialogInfo(two, partial).dialogs.map((d) => [d.id, d.state])).toEqual([
      ['padi-6b15edce-1374-1', 'early'],
      ['b', 'terminated'],
    ]);
  });

  it('is null for anything else', () => {
    expect(parseDialogInfo(kamailioOpen)).toBeNull();
    expect(parseDialogInfo('<dialog-info/>')).toBeNull();
  });
});

describe('PIDF with RPID', () => {
  it("reads the PBX's registration tuple", () => {
    expect(parsePidf(kamailioOpen)).toMatchObject({ tuples: [{ id: '0x7fd565198178', basic: 'open' }], activities: [], notes: [] });
  });

  it('reads activities and notes whatever the prefixes', () => {
    expect(parsePidf(bria)).toMatchObject({ tuples: [{ basic: 'open' }], activities: ['busy'], notes: ['Busy'] });
  });

  it("Frontdesk's own document round-trips: away until a time with its note, on a call with its start and hold, DND", () => {
    const until = '2025-03-03T15:00:00+03:00';
    const away = parsePidf(buildPidf('sip:1003@lab.frontdesk.test', { onCall: null, dnd: false, away: { until, note: 'at a meeting & lunch <3' } }, now))!;
    expect(away).toMatchObject({ entity: 'sip:1003@lab.frontdesk.test', tuples: [], activities: ['away'], until, notes: ['at a meeting & lunch <3'] });
    const call = parsePidf(buildPidf('sip:1001@x', { onCall: { since: now - 5000, held: true }, dnd: false, away: null }, now))!;
    expect(call).toMatchObject({ activities: ['on-the-phone', 'other:on-hold'], from: new Date(now - 5000).toISOString() });
    expect(parsePidf(buildPidf('sip:1001@x', { onCall: null, dnd: true, away: null }, now))!.activities).toEqual(['busy']);
    // an away whose time has passed is not published
    expect(parsePidf(buildPidf('sip:1001@x', { onCall: null, dnd: false, away: { until: '2025-03-03T09:00:00Z', note: 'x' } }, now))!.activities).toEqual([]);
  });

  it('of several person elements (a publication a vanished desk left behind), the newest speaks; without timestamps, all do', () => {
    const person = (inner: string, at?: string) => `<dm:person id="p">${inner}${at ? `<dm:timestamp>${at}</dm:timestamp>` : ''}</dm:person>`;
    const doc = (...persons: string[]) => kamailioOpen.replace('</presence>', `${persons.join('')}</presence>`);
    const stale = person('<rpid:activities><rpid:busy/></rpid:activities><dm:note>Do not disturb</dm:note>', '2025-03-03T09:00:00Z');
    const fresh = person('', '2025-03-03T09:30:00Z');
    expect(parsePidf(doc(stale, fresh))).toMatchObject({ activities: [], notes: [], tuples: [{ basic: 'open' }] });
    expect(parsePidf(doc(fresh.replace('09:30', '08:30'), stale))).toMatchObject({ activities: ['busy'] });
    expect(parsePidf(doc(person('<rpid:activities><rpid:busy/></rpid:activities>'), person('<rpid:activities><rpid:meeting/></rpid:activities>')))!.activities).toEqual(['busy', 'meeting']);
    // Frontdesk stamps what it publishes with the time of the change
    expect(buildPidf('sip:1001@x', { onCall: null, dnd: false, away: null }, now)).toContain(`<dm:timestamp>${new Date(now).toISOString()}</dm:timestamp>`);
  });

  it('the away setting must name a time with its offset and a short note', () => {
    expect(AwaySchema.safeParse({ until: '2025-03-03T15:00:00+03:00', note: 'at a meeting' }).success).toBe(true);
    expect(AwaySchema.safeParse({ until: '15:00', note: '' }).success).toBe(false);
    expect(AwaySchema.safeParse({ until: '2025-03-03T15:00:00Z', note: 'x'.repeat(101) }).success).toBe(false);
  });
});

describe("a colleague's state", () => {
  const open = parsePidf(kamailioOpen);
  const early = parseDialogInfo(kamailioEarly)!;
  const confirmed = parseDialogInfo(kamailioConfirmed)!;

  it('registered and idle: available; not registered (closed, or nothing published): offline', () => {
    expect(colleagueState(watch(open, null), now).kind).toBe('available');
    expect(colleagueState(watch(parsePidf(kamailioClosed), null), now).kind).toBe('offline');
    expect(colleagueState(watch(null, null), now).kind).toBe('offline');
  });

  it('ringing, then on a call since this desk saw it connect; a call already going on when watching began has no start', () => {
    let times = noteDialogTimes({}, early, now - 8000, false);
    expect(colleagueState(watch(open, early, times), now)).toMatchObject({ kind: 'ringing' });
    times = noteDialogTimes(times, confirmed, now - 5000, false);
    const s = colleagueState(watch(open, confirmed, times), now);
    expect(s).toMatchObject({ kind: 'on-call', since: now - 5000 });
    expect(describeState(s, now)).toBe('On a call, 0:05');
    const first = noteDialogTimes({}, confirmed, now, true);
    expect(describeState(colleagueState(watch(open, confirmed, first), now), now)).toBe('On a call');
  });

  it('a ring the PBX never ended is not ringing for ever', () => {
    const times = noteDialogTimes({}, early, now - 200_000, false);
    expect(colleagueState(watch(open, early, times), now).kind).toBe('available');
  });

  it("a Frontdesk colleague's own word: on the phone since, on hold, DND, out of office until a time that clears itself", () => {
    const pidf = (own: Parameters<typeof buildPidf>[1]) => {
      const mine = parsePidf(buildPidf('sip:1001@x', own, now))!;
      return { ...mine, tuples: open!.tuples };
    };
    expect(colleagueState(watch(pidf({ onCall: { since: now - 192_000, held: false }, dnd: false, away: null }), null), now)).toMatchObject({ kind: 'on-call', since: now - 192_000 });
    expect(describeState(colleagueState(watch(pidf({ onCall: { since: now - 192_000, held: true }, dnd: false, away: null }), confirmed), now), now)).toBe('On hold, 3:12');
    expect(colleagueState(watch(pidf({ onCall: null, dnd: true, away: null }), null), now).kind).toBe('dnd');
    const away = watch(pidf({ onCall: null, dnd: false, away: { until: '2025-03-03T15:00:00Z', note: 'at a meeting' } }), null);
    expect(describeState(colleagueState(away, now), now, 'UTC')).toBe('Out of office until 15:00: at a meeting');
    expect(colleagueState(away, Date.parse('2025-03-03T15:00:01Z')).kind).toBe('available');
  });

  it('away and gone home: away says more than offline', () => {
    const mine = parsePidf(buildPidf('sip:1003@x', { onCall: null, dnd: false, away: { until: '2025-03-04T09:00:00Z', note: 'back tomorrow' } }, now))!;
    const s = colleagueState(watch({ ...mine, tuples: [{ id: 'r', basic: 'closed' }] }, null), now);
    expect(describeState(s, now, 'UTC')).toBe('Out of office until tomorrow 09:00: back tomorrow (offline)');
    expect(isAbsent(s)).toBe(true);
  });

  it('Asterisk-style hold from the dialog alone', () => {
    expect(colleagueState(watch(null, parseDialogInfo(asteriskOnHold)), now).kind).toBe('on-hold');
  });

  it('unknown only when neither subscription works, with the reason; one working subscription is enough', () => {
    const refused = { status: 'unavailable' as const, doc: null, reason: 'the PBX does not offer presence (489 Bad Event)' };
    const s = colleagueState({ presence: refused, dialog: { ...refused, reason: 'x' }, times: {} }, now);
    expect(s).toMatchObject({ kind: 'unknown', reason: 'the PBX does not offer presence (489 Bad Event)' });
    expect(describeState(s, now)).toBe('Unknown: the PBX does not offer presence (489 Bad Event)');
    expect(isAbsent(s)).toBe(false);
    expect(colleagueState({ presence: refused, dialog: active(confirmed), times: {} }, now).kind).toBe('on-call');
    expect(colleagueState({ presence: refused, dialog: active(null), times: {} }, now).kind).toBe('available');
  });

  it('says an absence as the receptionist will say it', () => {
    expect(absenceSentence('Sales', { kind: 'on-call', since: now - 75_000, until: null, note: null, reason: null }, now)).toBe('Sales is on a call (1:15)');
    expect(absenceSentence('Support', { kind: 'away', since: null, until: '2025-03-05T09:30:00Z', note: 'on leave', reason: null }, now, 'UTC')).toBe('Support is out of office until Wed 5 Mar 09:30: on leave');
    expect(untilText('2025-03-03T23:30:00Z', now, 'Europe/Moscow')).toBe('tomorrow 02:30');
  });
});

describe("why a colleague's state is unknown, in the UI language", () => {
  const ru = { t: fixedT('ru'), locale: 'ru-RU' };
  it("says colleagueState's own reasons in Russian under Russian, and a reason already said as it is", () => {
    const pending = { status: 'pending' as const, doc: null, reason: null };
    const unavailable = { status: 'unavailable' as const, doc: null, reason: null };
    expect(describeState(colleagueState({ presence: pending, dialog: pending, times: {} }, 0), 0, undefined, ru)).toBe(`${fixedT('ru')('presence.unknown', { reason: 'запрашиваем у АТС…' })}`);
    expect(describeState(colleagueState({ presence: unavailable, dialog: unavailable, times: {} }, 0), 0, undefined, ru)).toMatch(/АТС не сообщает статус/);
    expect(describeState(colleagueState(undefined, 0), 0, undefined, ru)).toMatch(/нет наблюдения/);
    expect(describeState(colleagueState(undefined, 0), 0)).toBe('Unknown: not watched');
    const said = { status: 'unavailable' as const, doc: null, reason: 'АТС не передаёт статус присутствия (489 Bad Event)' };
    expect(describeState(colleagueState({ presence: said, dialog: unavailable, times: {} }, 0), 0, undefined, ru)).toMatch(/АТС не передаёт статус присутствия \(489 Bad Event\)/);
  });
});
