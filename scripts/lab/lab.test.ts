import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alawTone, alawWav, linearToAlaw } from './audio';
import { bdecode, bencode } from './bencode';
import { callOutcome, hangupRequest, receivedCalls, receivedTextMessages, sipHeaderLines } from './caller';
import { labAccounts, labDomain, labWsUrl } from './config';
import { generateKamailioConfig, kamailioBinary, writeKamailioConfig } from './kamailio';
import { labNetnsName } from './netns';
import { parseQuery } from './rtpengine';
import { parseNameAddr, parseSippTrace } from './sipp';

const sep = '----------------------------------------------- 2026-11-23\t11:16:51.970414';
function trace(...msgs: Array<['sent' | 'received', string]>): string {
  return msgs
    .map(([dir, text]) => {
      const msg = `${text.trim().split('\n').map((l) => l.trim()).join('\r\n')}\r\n\r\n`;
      const n = Buffer.byteLength(msg);
      return `${sep}\nUDP message ${dir === 'sent' ? `sent (${n} bytes):` : `received [${n}] bytes :`}\n\n${msg}\n`;
    })
    .join('');
}
const inviteFinal = (code: number, reason: string, extra = '') => `SIP/2.0 ${code} ${reason}
Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1
From: <sip:+74951234567@carrier.lab.test>;tag=a
To: <sip:1000@lab.frontdesk.test>;tag=b
Call-ID: c1
CSeq: 1 INVITE
${extra}Content-Length: 0`;
const req = (method: string, cseq = 2) => `${method} sip:x@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-2
Call-ID: c1
CSeq: ${cseq} ${method}
Content-Length: 0`;

describe('lab config', () => {
  it('exports the accounts and addresses the app tests use', () => {
    expect(labDomain).toBe('lab.frontdesk.test');
    expect(labWsUrl).toBe('ws://127.0.0.1:8080');
    expect(labAccounts.map((a) => [a.user, a.displayName])).toEqual([
      ['1000', 'Reception'],
      ['1001', 'Sales'],
      ['1002', 'Accounting'],
      ['1003', 'Support'],
      ['1004', 'Spare'],
    ]);
    for (const a of labAccounts) expect(a.password).toMatch(/^lab-\d{4}-secret$/);
  });

  it('takes the namespace name from FRONTDESK_LAB_NETNS and refuses odd names', () => {
    const old = process.env.FRONTDESK_LAB_NETNS;
    try {
      delete process.env.FRONTDESK_LAB_NETNS;
      expect(labNetnsName()).toBe('frontdesk-lab');
      process.env.FRONTDESK_LAB_NETNS = 'other-lab';
      expect(labNetnsName()).toBe('other-lab');
      process.env.FRONTDESK_LAB_NETNS = 'bad/name';
      expect(() => labNetnsName()).toThrow(/Invalid namespace/);
    } finally {
      if (old === undefined) delete process.env.FRONTDESK_LAB_NETNS;
      else process.env.FRONTDESK_LAB_NETNS = old;
    }
  });
});

describe('kamailio.cfg generator', () => {
  const cfg = generateKamailioConfig();

  it('listens on the loopback only and never uses DNS', () => {
    const listens = cfg.split('\n').filter((l) => l.startsWith('listen='));
    expect(listens).toEqual(['listen=udp:LAB_IP:SIP_PORT', 'listen=tcp:LAB_IP:SIP_PORT', 'listen=tcp:LAB_IP:WS_PORT']);
    expect(cfg).toContain('#!substdef "!LAB_IP!127.0.0.1!g"');
    expect(cfg).toMatch(/^dns=no$/m);
    expect(cfg).toMatch(/^rev_dns=no$/m);
    expect(cfg).toMatch(/^dns_try_ipv6=no$/m);
    expect(cfg).toMatch(/^alias="LAB_DOMAIN"$/m);
  });

  it('fills the password table from the account list', () => {
    for (const a of labAccounts) expect(cfg).toContain(`$sht(accounts=>${a.user}) = "${a.password}";`);
    const custom = generateKamailioConfig({ accounts: [{ user: '2000', password: 'pw', displayName: 'X' }] });
    expect(custom).toContain('$sht(accounts=>2000) = "pw";');
    expect(custom).not.toContain('accounts=>1000');
  });

  it('refuses passwords that would break the config', () => {
    expect(() => generateKamailioConfig({ accounts: [{ user: '1', password: 'a"b', displayName: '' }] })).toThrow(/must not contain/);
    expect(() => generateKamailioConfig({ accounts: [{ user: '1 2', password: 'x', displayName: '' }] })).toThrow(/Invalid lab user/);
  });

  it('relays media through rtpengine with WebRTC flags towards WebSocket clients', () => {
    expect(cfg).toContain('#!define RTP_TO_WEBRTC "ICE=force RTP/SAVPF DTLS=passive rtcp-mux-offer SDES-off replace-origin replace-session-connection"');
    expect(cfg).toContain('#!define RTP_TO_PLAIN "ICE=remove RTP/AVP rtcp-mux-demux replace-origin replace-session-connection"');
    expect(cfg.match(/rtpengine_delete\(\)/g)?.length).toBe(3); // CANCEL, BYE, failed INVITE
  });

  it('runs a presence server for the dialog and presence events, with the PBX publishing registrations and calls', () => {
    const on = generateKamailioConfig({ presence: true, presenceDbDir: '/tmp/x' });
    for (const m of ['presence', 'presence_xml', 'presence_dialoginfo', 'pua', 'pua_dialoginfo', 'pua_usrloc', 'db_text']) expect(on).toContain(`loadmodule "${m}.so"`);
    expect(on).toContain('#!define WITH_PRESENCE');
    expect(on).toContain('#!define PRESENCE_DB "text:///tmp/x"');
    expect(on).toMatch(/handle_subscribe\(\);/);
    expect(on).toMatch(/handle_publish\(\);/);
    expect(on).toContain('pua_set_publish();');
    // a desk publishes its own state only; the PBX's own PUBLISH skips digest auth
    expect(on).toContain('$avp(authed_user) != $rU');
    expect(on).toContain('setflag(FLT_PUA_LOCAL)');
    const off = generateKamailioConfig({ presence: false });
    expect(off).not.toContain('#!define WITH_PRESENCE');
    expect(off).toContain('sl_send_reply("489", "Bad Event")');
  });

  const haveKamailio = spawnSync(kamailioBinary, ['-v'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!haveKamailio).each([true, false])('passes `kamailio -c` (presence %s)', (presence) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-cfg-'));
    try {
      const p = writeKamailioConfig(dir, { presence });
      const r = spawnSync(kamailioBinary, ['-c', '-f', p.cfg, '-Y', p.runDir], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stdout + r.stderr).toContain('config file ok');
      expect(fs.existsSync(path.join(dir, 'kamailio-db', 'presentity'))).toBe(presence);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bencode', () => {
  it('round-trips the ng protocol shapes', () => {
    const v = { command: 'query', 'call-id': 'abc@127.0.0.1', flags: ['a', 'b'], n: 42 };
    expect(bencode(v).toString()).toBe('d7:call-id13:abc@127.0.0.17:command5:query5:flagsl1:a1:be1:ni42ee');
    expect(bdecode(bencode(v)).value).toEqual(v);
    expect(bdecode(Buffer.from('d3:keyi-5ee')).value).toEqual({ key: -5 });
    expect(() => bdecode(Buffer.from('d3:key'))).toThrow();
  });
});

describe('rtpengine query parsing', () => {
  it('sums RTP per tagged leg and keeps unanswered fork branches apart', () => {
    const stream = (port: number, packets: number, flags: string[]) => ({
      'local port': port,
      endpoint: { family: 'IPv4', address: '127.0.0.1', port: port + 10000 },
      flags,
      stats: { packets, bytes: packets * 172, errors: 0 },
    });
    const stats = parseQuery('c1', {
      result: 'ok',
      created: 1795432721,
      tags: {
        caller: { tag: 'caller', medias: [{ index: 1, type: 'audio', protocol: 'RTP/AVP', streams: [stream(30000, 134, ['RTP', 'filled']), stream(30001, 2, ['RTCP'])] }] },
        callee: { tag: 'callee', 'via-branch': 'b0', medias: [{ index: 1, type: 'audio', protocol: 'RTP/SAVPF', streams: [stream(30010, 120, ['RTP', 'RTCP', 'filled'])] }] },
        '<untagged 2>': { tag: '', 'via-branch': 'b1', medias: [{ index: 1, type: 'audio', protocol: 'RTP/AVP', streams: [stream(30020, 0, ['RTP'])] }] },
      },
      totals: { RTP: { packets: 254, bytes: 1, errors: 0 }, RTCP: { packets: 2, bytes: 1, errors: 0 } },
    });
    expect(stats.legs.map((l) => [l.tag, l.packets, l.rtcp.packets])).toEqual([
      ['caller', 134, 2],
      ['callee', 120, 0],
    ]);
    expect(stats.unansweredBranches).toHaveLength(1);
    expect(stats.legs[0]!.medias[0]!.streams[0]!.endpoint).toEqual({ address: '127.0.0.1', port: 40000 });
    expect(stats.totals.rtp.packets).toBe(254);
  });
});

describe('SIPp trace parsing', () => {
  it('reads messages, headers and bodies', () => {
    const msgs = parseSippTrace(
      trace(['sent', `INVITE sip:1000@lab.frontdesk.test SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1
        f: "Ivan" <sip:+74951234567@carrier.lab.test>;tag=a
        i: c1
        CSeq: 1 INVITE
        Content-Type: application/sdp
        Content-Length: 10

        v=0`]),
    );
    expect(msgs).toHaveLength(1);
    const m = msgs[0]!;
    expect(m).toMatchObject({ direction: 'sent', method: 'INVITE', requestUri: 'sip:1000@lab.frontdesk.test', callId: 'c1', cseq: { seq: 1, method: 'INVITE' } });
    expect(m.headers.from).toEqual(['"Ivan" <sip:+74951234567@carrier.lab.test>;tag=a']);
    expect(m.body.trim()).toBe('v=0');
    expect(parseNameAddr(m.headers.from![0]!)).toEqual({ displayName: 'Ivan', uri: 'sip:+74951234567@carrier.lab.test', user: '+74951234567' });
  });

  it('classifies how a placed call ended', () => {
    const ok = inviteFinal(200, 'OK');
    expect(callOutcome(parseSippTrace(trace(['sent', req('INVITE', 1)], ['received', inviteFinal(180, 'Ringing')], ['received', ok], ['received', req('BYE')]))))
      .toMatchObject({ code: 200, ended: 'remote-bye', ringing: true });
    expect(callOutcome(parseSippTrace(trace(['sent', req('INVITE', 1)], ['received', ok], ['sent', req('BYE')]))).ended).toBe('local-bye');
    expect(callOutcome(parseSippTrace(trace(['sent', req('INVITE', 1)], ['received', inviteFinal(180, 'Ringing')], ['sent', req('CANCEL', 1)], ['received', inviteFinal(487, 'Request Terminated')]))))
      .toMatchObject({ code: 487, ended: 'cancelled' });
    expect(callOutcome(parseSippTrace(trace(['sent', req('INVITE', 1)], ['received', inviteFinal(486, 'Busy Here')])))).toMatchObject({ code: 486, ended: 'failed', ringing: false });
    // a 407 answered with credentials is not the outcome; a second one is
    expect(callOutcome(parseSippTrace(trace(['received', inviteFinal(407, 'Proxy Authentication Required')], ['received', ok], ['sent', req('BYE')]))).code).toBe(200);
    expect(callOutcome(parseSippTrace(trace(['received', inviteFinal(407, 'Proxy Authentication Required')], ['received', inviteFinal(407, 'Proxy Authentication Required')]))).code).toBe(407);
  });

  it('summarises calls an answerer received, with DTMF from SIP INFO', () => {
    const info = `INFO sip:pstn@127.0.0.1:5070 SIP/2.0
      Call-ID: c1
      CSeq: 3 INFO
      Content-Type: application/dtmf-relay
      Content-Length: 24

      Signal=5
      Duration=100`;
    const calls = receivedCalls(
      parseSippTrace(
        trace(
          ['received', `INVITE sip:+74951234567@127.0.0.1:5070 SIP/2.0
            From: "Sales" <sip:1001@lab.frontdesk.test>;tag=x
            To: <sip:+74951234567@lab.frontdesk.test>
            Call-ID: c1
            CSeq: 2 INVITE
            Content-Length: 0`],
          ['sent', inviteFinal(200, 'OK')],
          ['received', info],
          ['received', info.replace('Signal=5', 'Signal=#').replace('CSeq: 3 INFO', 'CSeq: 4 INFO')],
          ['received', req('BYE', 5)],
        ),
      ),
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ callId: 'c1', fromUser: '1001', fromName: 'Sales', requestUri: 'sip:+74951234567@127.0.0.1:5070', answer: 200, byeFrom: 'caller', dtmf: '5#' });
  });

  it('cuts a body to its Content-Length (line ends kept) and keeps header names as written', () => {
    const text = 'Привет\r\nмир';
    const m = parseSippTrace(
      trace(['received', `MESSAGE sip:1001@127.0.0.1:5091 SIP/2.0
        Call-ID: m1
        CSeq: 1 MESSAGE
        X-Frontdesk-Handoff: note-1
        Content-Type: text/plain;charset=UTF-8
        Content-Length: ${Buffer.byteLength(text)}

        ${text}`]),
    )[0]!;
    expect(m.body).toBe(text);
    expect(m.headerNames['x-frontdesk-handoff']).toBe('X-Frontdesk-Handoff');
    expect(m.headerNames['call-id']).toBe('Call-ID');
  });

  it('lists the text messages a phone received, once per transaction, with our answer', () => {
    const message = (branch: string, body: string) => `MESSAGE sip:1001@127.0.0.1:5091 SIP/2.0
      Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}
      From: "Reception" <sip:1000@lab.frontdesk.test>;tag=f1
      To: <sip:1001@lab.frontdesk.test>
      Call-ID: m-${branch}
      CSeq: 1 MESSAGE
      X-Frontdesk-Conversation: conv-7
      x-frontdesk-transfers: 2
      X-Frontdesk-Transfers: 3
      Content-Type: text/plain;charset=UTF-8
      Content-Length: ${Buffer.byteLength(body)}

      ${body}`;
    const ok = (branch: string) => `SIP/2.0 200 OK
      Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}
      Call-ID: m-${branch}
      CSeq: 1 MESSAGE
      Content-Length: 0`;
    const msgs = receivedTextMessages(
      parseSippTrace(trace(['received', message('b1', 'Звонок: Иван')], ['received', message('b1', 'Звонок: Иван')], ['sent', ok('b1')], ['received', message('b2', 'second')])),
    );
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatchObject({
      fromUser: '1000',
      to: '<sip:1001@lab.frontdesk.test>',
      callId: 'm-b1',
      contentType: 'text/plain;charset=UTF-8',
      body: 'Звонок: Иван',
      headers: { 'X-Frontdesk-Conversation': 'conv-7', 'x-frontdesk-transfers': '2, 3' },
      answer: 200,
    });
    expect(msgs[0]!.at).toMatch(/^2026-11-23T\d\d:16:51\.970Z$/);
    expect(msgs[1]).toMatchObject({ body: 'second', answer: 0 });
  });

  it('keeps the X- headers, Replaces and Referred-By of a received INVITE', () => {
    const calls = receivedCalls(
      parseSippTrace(
        trace(['received', `INVITE sip:1001@127.0.0.1:5091 SIP/2.0
          From: <sip:+74951234567@carrier.lab.test>;tag=x
          To: <sip:1001@lab.frontdesk.test>
          Call-ID: c9
          CSeq: 1 INVITE
          Replaces: abc@127.0.0.1;to-tag=t1;from-tag=f1
          Referred-By: <sip:1000@lab.frontdesk.test>
          X-Frontdesk-Handoff: Клиент ждёт
          Content-Length: 0`]),
      ),
    );
    expect(calls[0]).toMatchObject({
      headers: { 'X-Frontdesk-Handoff': 'Клиент ждёт' },
      replaces: 'abc@127.0.0.1;to-tag=t1;from-tag=f1',
      referredBy: '<sip:1000@lab.frontdesk.test>',
    });
  });

  it('builds the HANGUP control request the scenarios listen for', () => {
    const m = parseSippTrace(trace(['sent', hangupRequest('abc@127.0.0.1', 20001)]))[0]!;
    expect(m).toMatchObject({ method: 'HANGUP', callId: 'abc@127.0.0.1', requestUri: 'sip:hangup@127.0.0.1:20001' });
  });
});

describe('extra INVITE headers of the lab caller', () => {
  it('are "Name: value" lines for the scenario, none when there are none', () => {
    expect(sipHeaderLines({ 'X-IVR-Choice': '2', 'X-Queue': 'sales', 'X-Campaign': 'Весна 2026' })).toEqual(['X-IVR-Choice: 2', 'X-Queue: sales', 'X-Campaign: Весна 2026']);
    expect(sipHeaderLines({})).toEqual([]);
    expect(sipHeaderLines()).toEqual([]);
  });

  it('refuse anything that would add SIP lines or change what the scenario writes', () => {
    expect(() => sipHeaderLines({ 'X-Lead-Id': 'L-1\r\nVia: SIP/2.0/UDP evil' })).toThrow(/X-Lead-Id.*one line/);
    expect(() => sipHeaderLines({ 'X-Lead-Id': 'L-1\nBye' })).toThrow(/one line/);
    expect(() => sipHeaderLines({ 'X-Note': 'a\u0000b' })).toThrow(/control characters/);
    expect(() => sipHeaderLines({ 'X-Note': 'a\u2028b' })).toThrow(/one line/);
    expect(() => sipHeaderLines({ 'X-Note': ' padded' })).toThrow(/surrounding spaces/);
    expect(() => sipHeaderLines({ 'X-Note': '' })).toThrow(/X-Note/);
    expect(() => sipHeaderLines({ 'X-Note': 'x'.repeat(1001) })).toThrow(/1000/);
    expect(() => sipHeaderLines({ 'X-Bad: 1\r\nX-Other': '2' })).toThrow(/not a SIP token/);
    expect(() => sipHeaderLines({ 'X Queue': 'sales' })).toThrow(/not a SIP token/);
    expect(() => sipHeaderLines({ 'Call-ID': 'mine' })).toThrow(/written by the scenario/);
    expect(() => sipHeaderLines({ i: 'mine' })).toThrow(/written by the scenario/);
    expect(() => sipHeaderLines({ 'content-length': '0' })).toThrow(/written by the scenario/);
  });
});

describe('lab audio', () => {
  it('encodes G.711 A-law', () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
    expect(linearToAlaw(-1)).toBe(0x55);
  });

  it('writes a seamless A-law WAV tone', () => {
    const samples = alawTone({ seconds: 1 });
    expect(samples).toHaveLength(8000);
    const wav = alawWav(samples);
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.readUInt16LE(20)).toBe(6); // A-law
    expect(wav.subarray(50, 54).toString()).toBe('data');
    expect(wav.length).toBe(58 + 8000);
  });
});
