import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linearToAlaw, measureAudio, sine } from './audio';
import { mergeDtmf } from './caller';
import { MediaEndpoint, pickMediaPort } from './media';
import {
  buildRtp,
  encodeTelephoneEvent,
  infoDtmf,
  mediaPlans,
  parseRtp,
  parseSdp,
  parseTelephoneEvent,
  reinviteAnswers,
  Rfc4733Decoder,
  traceTimeMs,
  type RtpPacket,
} from './rtp';
import { parseSippTrace } from './sipp';

// ---------------------------------------------------------------- a SIPp trace of our own

let clock = Date.parse('2026-11-23T11:45:31.000');
function block(dir: 'sent' | 'received', text: string): string {
  const msg = `${text.trim().split('\n').map((l) => l.trim()).join('\r\n')}\r\n`;
  const n = Buffer.byteLength(msg);
  const d = new Date((clock += 10));
  const pad = (x: number, w = 2) => String(x).padStart(w, '0');
  const time = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
  return `----------------------------------------------- ${time}\nUDP message ${dir === 'sent' ? `sent (${n} bytes):` : `received [${n}] bytes :`}\n\n${msg}\n`;
}

function sdp(port: number, direction = 'sendrecv', pts = '8 126', extra = 'a=rtpmap:126 telephone-event/8000'): string {
  return `v=0
    o=- 1 1 IN IP4 127.0.0.1
    s=-
    c=IN IP4 127.0.0.1
    t=0 0
    m=audio ${port} RTP/AVP ${pts}
    a=rtpmap:8 PCMA/8000
    ${extra}
    a=${direction}`;
}

function sipMsg(start: string, cseq: string, opts: { branch?: string; toTag?: boolean; body?: string } = {}): string {
  const body = opts.body?.trim().split('\n').map((l) => l.trim()).join('\r\n');
  return `${start}
    Via: SIP/2.0/UDP 127.0.0.1;branch=${opts.branch ?? 'z9hG4bK-a'}
    From: <sip:1000@lab.frontdesk.test>;tag=from1
    To: <sip:+74951234567@lab.frontdesk.test>${opts.toTag === false ? '' : ';tag=to1'}
    Call-ID: call-1
    CSeq: ${cseq}
    ${body ? 'Content-Type: application/sdp\n' : ''}Content-Length: ${body ? Buffer.byteLength(body) + 2 : 0}

    ${body ?? ''}`;
}

/** The PSTN gateway's trace: a WebRTC-like offer (rtpengine at farPort), our answer naming ourPort. */
function uasTrace(farPort: number, ourPort: number): string {
  return [
    block('received', sipMsg('INVITE sip:+74951234567@127.0.0.1:5070 SIP/2.0', '10 INVITE', { toTag: false, branch: 'z9hG4bK-inv', body: sdp(farPort, 'sendrecv', '111 8 110 126', 'a=rtpmap:111 opus/48000/2\na=rtpmap:110 telephone-event/48000\na=rtpmap:126 telephone-event/8000') })),
    block('sent', sipMsg('SIP/2.0 180 Ringing', '10 INVITE', { branch: 'z9hG4bK-inv' })),
    block('sent', sipMsg('SIP/2.0 200 OK', '10 INVITE', { branch: 'z9hG4bK-inv', body: sdp(ourPort) })),
    block('received', sipMsg('ACK sip:pstn@127.0.0.1:5070 SIP/2.0', '10 ACK', { branch: 'z9hG4bK-ack' })),
  ].join('');
}

const hold = (farPort: number, code: number, branch: string, cseq = 11): string =>
  block('received', sipMsg('INVITE sip:pstn@127.0.0.1:5070 SIP/2.0', `${cseq} INVITE`, { branch, body: sdp(farPort, 'sendonly') })) +
  block('sent', sipMsg(code === 200 ? 'SIP/2.0 200 OK' : `SIP/2.0 ${code} Request Pending`, `${cseq} INVITE`, { branch, ...(code === 200 ? { body: sdp(1, 'recvonly') } : {}) }));

// ---------------------------------------------------------------- pure parts

const pkt = (over: Partial<RtpPacket> & { payload: Buffer }): RtpPacket => ({ marker: false, payloadType: 101, sequence: 1, timestamp: 1000, ssrc: 7, ...over });

describe('RTP and RFC 4733', () => {
  it('builds and parses RTP, skipping CSRCs, a header extension and padding', () => {
    const b = buildRtp({ payloadType: 8, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true, payload: Buffer.from([1, 2, 3]) });
    expect(parseRtp(b)).toEqual({ marker: true, payloadType: 8, sequence: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, payload: Buffer.from([1, 2, 3]) });
    // CC=1, X=1 (one extension word), P=1 (2 bytes of padding)
    const fancy = Buffer.concat([Buffer.from([0xb1, 101, 0, 1, 0, 0, 0, 9, 0, 0, 0, 5]), Buffer.alloc(4), Buffer.from([0xbe, 0xde, 0, 1, 0, 0, 0, 0]), encodeTelephoneEvent({ event: 11, end: true, volume: 10, duration: 800 }), Buffer.from([0, 2])]);
    const p = parseRtp(fancy)!;
    expect(p.payloadType).toBe(101);
    expect(parseTelephoneEvent(p.payload)).toEqual({ event: 11, end: true, volume: 10, duration: 800 });
    expect(parseRtp(Buffer.from([0x80, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined(); // RTCP SR (muxed)
    expect(parseRtp(Buffer.alloc(5))).toBeUndefined();
  });

  it('decodes one digit per event: updates and the three end packets share a timestamp', () => {
    const d = new Rfc4733Decoder();
    const ev = (event: number, end: boolean, duration: number, timestamp = 1000, ssrc = 7) =>
      d.push(pkt({ timestamp, ssrc, payload: encodeTelephoneEvent({ event, end, volume: 10, duration }) }), duration);
    ev(1, false, 160);
    ev(1, false, 320);
    for (let i = 0; i < 3; i++) ev(1, true, 800);
    ev(1, false, 160, 2000); // the same key again: a new event (new timestamp)
    ev(1, true, 640, 2000);
    ev(11, true, 640, 3000, 8); // '#' from another SSRC, only its end packet seen
    ev(16, true, 640, 4000); // not DTMF
    expect(d.events.map((e) => [e.digit, e.ended, e.duration, e.packets, e.at])).toEqual([
      ['1', true, 800, 5, 160],
      ['1', true, 640, 2, 160],
      ['#', true, 640, 1, 640],
    ]);
  });

  it('reads the audio stream of an SDP: address, port, direction, telephone-events', () => {
    const s = parseSdp(`v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\na=sendonly\r\nm=audio 30000 RTP/AVP 111 8 110 126\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=recvonly\r\n`)!;
    expect(s).toMatchObject({ address: '127.0.0.9', port: 30000, payloadTypes: [111, 8, 110, 126], direction: 'sendonly' });
    expect(s.telephoneEvents).toEqual([{ payloadType: 110, clockRate: 48000 }, { payloadType: 126, clockRate: 8000 }]);
    expect(parseSdp('v=0\nc=IN IP4 127.0.0.1\nm=audio 0 RTP/AVP 8\na=sendrecv')!.direction).toBe('inactive');
    expect(parseSdp('v=0\nm=audio 4000 RTP/AVP 8\nc=IN IP4 127.0.0.2\na=inactive')).toMatchObject({ address: '127.0.0.2', direction: 'inactive' });
    expect(parseSdp('hello')).toBeUndefined();
  });

  it('reads SIPp trace times as local wall-clock time', () => {
    expect(traceTimeMs('2026-11-23 11:45:31.518939')).toBe(new Date('2026-11-23T11:45:31.518').getTime());
    expect(traceTimeMs('2026-11-23\t11:45:31.5')).toBe(new Date('2026-11-23T11:45:31.500').getTime());
    expect(traceTimeMs('nonsense')).toBeNaN();
  });
});

describe('what a trace says about a call', () => {
  it('follows offers we accepted, ignores re-INVITEs we refused, and stops at BYE', () => {
    let t = uasTrace(30010, 61000);
    let [p] = mediaPlans(parseSippTrace(t));
    expect(p).toMatchObject({ callId: 'call-1', remote: { address: '127.0.0.1', port: 30010 }, remoteDirection: 'sendrecv', answered: true, ended: false, sending: true, localPort: 61000 });
    expect(p!.telephoneEvents).toEqual([{ payloadType: 110, clockRate: 48000 }, { payloadType: 126, clockRate: 8000 }]);

    t += hold(30010, 491, 'z9hG4bK-h1'); // glare: refused, nothing changes
    [p] = mediaPlans(parseSippTrace(t));
    expect(p).toMatchObject({ remoteDirection: 'sendrecv', sending: true });

    t += hold(30010, 200, 'z9hG4bK-h2'); // the retry (same CSeq, new transaction) is accepted: we are held
    [p] = mediaPlans(parseSippTrace(t));
    expect(p).toMatchObject({ remoteDirection: 'sendonly', sending: false });

    const answers = reinviteAnswers(parseSippTrace(t + hold(30010, 200, 'z9hG4bK-h2'))); // + a retransmission
    expect(answers.map((a) => [a.cseq, a.direction, a.code, a.answerDirection])).toEqual([
      [11, 'sendonly', 491, undefined],
      [11, 'sendonly', 200, 'recvonly'],
    ]);

    t += block('received', sipMsg('BYE sip:pstn@127.0.0.1:5070 SIP/2.0', '12 BYE', { branch: 'z9hG4bK-bye' }));
    [p] = mediaPlans(parseSippTrace(t));
    expect(p).toMatchObject({ ended: true, sending: false });
  });

  it('a caller sends once the 200 arrives, to the address in it (never off the loopback)', () => {
    const invite = block('sent', sipMsg('INVITE sip:1000@lab.frontdesk.test SIP/2.0', '1 INVITE', { toTag: false, body: sdp(61002) }));
    const challenged = invite + block('received', sipMsg('SIP/2.0 407 Proxy Authentication Required', '1 INVITE'));
    const again = challenged + block('sent', sipMsg('INVITE sip:1000@lab.frontdesk.test SIP/2.0', '2 INVITE', { toTag: false, body: sdp(61002) }));
    expect(mediaPlans(parseSippTrace(again))[0]).toMatchObject({ answered: false, ended: false, sending: false });
    const answered = again + block('received', sipMsg('SIP/2.0 200 OK', '2 INVITE', { body: sdp(30020) }));
    expect(mediaPlans(parseSippTrace(answered))[0]).toMatchObject({ answered: true, sending: true, remote: { port: 30020 } });
    const offLoopback = again + block('received', sipMsg('SIP/2.0 200 OK', '2 INVITE', { body: sdp(30020).replace('c=IN IP4 127.0.0.1', 'c=IN IP4 192.0.2.1') }));
    expect(mediaPlans(parseSippTrace(offLoopback))[0]).toMatchObject({ answered: true, sending: false });
  });

  it('ignores a half-written last message', () => {
    const t = uasTrace(30010, 61000);
    const cut = t.slice(0, t.lastIndexOf('m=audio 61000') + 'm=audio 610'.length);
    const msgs = parseSippTrace(cut);
    expect(msgs.map((m) => m.startLine)).toEqual(['INVITE sip:+74951234567@127.0.0.1:5070 SIP/2.0', 'SIP/2.0 180 Ringing']);
    expect(mediaPlans(msgs)[0]).toMatchObject({ answered: false, sending: false });
  });

  it('merges INFO and RFC 4733 digits in arrival order', () => {
    const info = (cseq: number, signal: string) =>
      block('received', `INFO sip:pstn@127.0.0.1:5070 SIP/2.0
        Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-i${cseq}
        Call-ID: call-1
        CSeq: ${cseq} INFO
        Content-Type: application/dtmf-relay
        Content-Length: 24

        Signal=${signal}
        Duration=100`);
    const msgs = parseSippTrace(info(20, '1') + info(21, '#') + info(21, '#'));
    const infos = infoDtmf(msgs);
    expect(infos.map((i) => i.digit)).toEqual(['1', '#']);
    const merged = mergeDtmf(infos, {
      callId: 'call-1',
      rtp: { packetsIn: 0, packetsOut: 0, bytesIn: 0, byPayloadType: {}, heard: measureAudio([], 8000) },
      events: [{ digit: '5', payloadType: 126, at: infos[0]!.at + 5, ended: true, durationMs: 100, packets: 7 }],
    });
    expect(merged.map((e) => `${e.digit}:${e.via}`)).toEqual(['1:info', '5:rfc4733', '#:info']);
  });
});

// ---------------------------------------------------------------- the endpoint on a real UDP socket (127.0.0.1)

describe('media endpoint', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-media-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  /** A far end (rtpengine's port in the lab): a UDP socket on 127.0.0.1 that keeps the RTP it gets. */
  const farEnd = async () => {
    const sock = dgram.createSocket('udp4');
    cleanup.push(() => new Promise<void>((r) => sock.close(() => r())));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const got: RtpPacket[] = [];
    sock.on('message', (m) => {
      const pk = parseRtp(m);
      if (pk) got.push(pk);
    });
    return { sock, port: sock.address().port, got };
  };

  /** An endpoint on a free media port, following `messagesFile`; `writeTraces(port)` writes the traces that name it. */
  const startEndpoint = async (messagesFile: string, writeTraces: (port: number) => void) => {
    for (let i = 0; i < 5; i++) {
      const port = pickMediaPort();
      writeTraces(port);
      const candidate = new MediaEndpoint({ port, messagesFile, maxLifeMs: 20_000, pollMs: 20 });
      try {
        await candidate.start();
        cleanup.push(() => candidate.stop());
        return { ep: candidate, port };
      } catch {
        /* port taken on this machine: try another */
      }
    }
    throw new Error('no free media port');
  };

  it('sends A-law audio to the far end, counts what arrives and decodes a Chromium-like RFC 4733 sender', async () => {
    const messagesFile = path.join(tempDir(), 'messages.log');
    const { sock: far, port: farPort, got } = await farEnd();
    const { ep, port } = await startEndpoint(messagesFile, (p) => fs.writeFileSync(messagesFile, uasTrace(farPort, p)));

    // audio both ways: the endpoint sends PCMA every 20 ms, we send some too
    const send = (b: Buffer) => far.send(b, port, '127.0.0.1');
    for (let i = 0; i < 10; i++) send(buildRtp({ payloadType: 8, sequence: i, timestamp: i * 160, ssrc: 42, payload: Buffer.alloc(160, 0xd5) }));
    await new Promise((r) => setTimeout(r, 300));
    const audio = got.filter((p) => p.payloadType === 8);
    expect(audio.length).toBeGreaterThanOrEqual(8);
    expect(audio.every((p) => p.payload.length === 160)).toBe(true);

    // a sender like Chromium's RTCDTMFSender: PT 126 (telephone-event/8000), updates, then 3 end packets
    let seq = 100;
    for (const [digit, ts] of [[1, 8000], [11, 16000]] as const) {
      for (const dur of [160, 320, 480, 640, 800]) send(buildRtp({ payloadType: 126, sequence: seq++, timestamp: ts, ssrc: 42, marker: dur === 160, payload: encodeTelephoneEvent({ event: digit, end: false, volume: 10, duration: dur }) }));
      for (let i = 0; i < 3; i++) send(buildRtp({ payloadType: 126, sequence: seq++, timestamp: ts, ssrc: 42, payload: encodeTelephoneEvent({ event: digit, end: true, volume: 10, duration: 960 }) }));
    }
    // an event on a payload type that no SDP of the call declares as telephone-event is counted, not decoded
    send(buildRtp({ payloadType: 99, sequence: seq++, timestamp: 24000, ssrc: 42, payload: encodeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 }) }));
    await new Promise((r) => setTimeout(r, 200));

    const st = ep.state();
    expect(st.error).toBeUndefined();
    const call = st.calls[0]!;
    expect(call.callId).toBe('call-1');
    expect(call.rtp.byPayloadType).toEqual({ 8: 10, 126: 16, 99: 1 });
    expect(call.rtp.packetsIn).toBe(27);
    expect(call.rtp.sendingTo).toBe(`127.0.0.1:${farPort}`);
    // what arrived was A-law silence (0xd5): heard, but no tone in it
    expect(call.rtp.heard).toMatchObject({ samples: 1600, toneHz: null });
    expect(call.rtp.heard.peak).toBeLessThan(0.001);
    expect(call.events.map((e) => [e.digit, e.ended, e.durationMs, e.packets, e.payloadType])).toEqual([
      ['1', true, 120, 8, 126],
      ['#', true, 120, 8, 126],
    ]);

    // and the other way: the endpoint's own RFC 4733 sender
    await ep.sendDtmf('5*', { durationMs: 60, gapMs: 40 });
    await new Promise((r) => setTimeout(r, 100));
    const dec = new Rfc4733Decoder();
    const tes = got.filter((p) => p.payloadType === 126);
    for (const p of tes) dec.push(p);
    expect(dec.events.map((e) => [e.digit, e.ended, e.duration])).toEqual([
      ['5', true, 480],
      ['*', true, 480],
    ]);
    expect(tes.filter((p) => p.marker)).toHaveLength(2);
    expect(call.rtp.packetsOut).toBeGreaterThan(0);
    const out = ep.state().calls[0]!.rtp.packetsOut;
    expect(out).toBeGreaterThanOrEqual(got.length); // (one may still be on its way)
    expect(out).toBeLessThanOrEqual(got.length + 3);

    // held (we accepted a sendonly offer): no more audio from us
    fs.appendFileSync(messagesFile, hold(farPort, 200, 'z9hG4bK-h'));
    await new Promise((r) => setTimeout(r, 100));
    const before = got.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(got.length).toBe(before);
    expect(ep.state().calls[0]!.rtp.sendingTo).toBeUndefined();
    await expect(ep.sendDtmf('1')).rejects.toThrow(/not sending media/);
  });

  it('hears what arrives: the level and the tone of the last second of G.711 audio', async () => {
    const messagesFile = path.join(tempDir(), 'messages.log');
    const { sock: far, port: farPort } = await farEnd();
    const { ep, port } = await startEndpoint(messagesFile, (p) => fs.writeFileSync(messagesFile, uasTrace(farPort, p)));
    const tone = Buffer.from(Array.from(sine(1000, 8000, 0.5, 0.5), (x) => linearToAlaw(x * 32767)));
    for (let i = 0; i < 25; i++) {
      far.send(buildRtp({ payloadType: 8, sequence: i, timestamp: i * 160, ssrc: 7, payload: tone.subarray(i * 160, (i + 1) * 160) }), port, '127.0.0.1');
    }
    await expect.poll(() => ep.state().calls[0]?.rtp.heard.samples).toBe(4000);
    const heard = ep.state().calls[0]!.rtp.heard;
    expect(heard.toneHz).toBe(1000);
    expect(heard.toneShare).toBeGreaterThan(0.9);
    expect(heard.rmsDbfs).toBeGreaterThan(-10);
    // a second later it is all in the past: nothing heard now
    await expect.poll(() => ep.state().calls[0]!.rtp.heard.samples, { timeout: 3000 }).toBe(0);
  });

  it('follows a second SIPp run\'s trace (a transfer\'s new leg): each call is counted and served apart', async () => {
    const dir = tempDir();
    const fars = await Promise.all([farEnd(), farEnd()]);
    const first = path.join(dir, 'messages.log');
    const second = path.join(dir, 'leg2', 'messages.log');
    fs.mkdirSync(path.dirname(second));
    const { ep, port } = await startEndpoint(first, (p) => {
      fs.writeFileSync(first, uasTrace(fars[0]!.port, p));
      fs.writeFileSync(second, uasTrace(fars[1]!.port, p).replace(/Call-ID: call-1/g, 'Call-ID: call-2'));
    });
    expect(ep.state().calls.map((c) => c.callId)).toEqual(['call-1']);
    ep.follow(second);
    expect(ep.state().calls.map((c) => c.callId)).toEqual(['call-1', 'call-2']);

    fars.forEach((f, n) => {
      for (let i = 0; i < 5 + 2 * n; i++) f.sock.send(buildRtp({ payloadType: 8, sequence: i, timestamp: i * 160, ssrc: 50 + n, payload: Buffer.alloc(160, 0xd5) }), port, '127.0.0.1');
    });
    await new Promise((r) => setTimeout(r, 300));
    const [c1, c2] = ep.state().calls;
    expect([c1!.rtp.packetsIn, c2!.rtp.packetsIn]).toEqual([5, 7]);
    expect([c1!.rtp.sendingTo, c2!.rtp.sendingTo]).toEqual([`127.0.0.1:${fars[0]!.port}`, `127.0.0.1:${fars[1]!.port}`]);
    expect(fars[0]!.got.length).toBeGreaterThan(5);
    expect(fars[1]!.got.length).toBeGreaterThan(5);
    // two streams: each far end gets its own SSRC
    expect(new Set(fars[0]!.got.map((x) => x.ssrc)).size).toBe(1);
    expect(fars[0]!.got[0]!.ssrc).not.toBe(fars[1]!.got[0]!.ssrc);
  });

  it('reports an SDP that names another port than the endpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-media-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const messagesFile = path.join(dir, 'messages.log');
    const port = pickMediaPort();
    fs.writeFileSync(messagesFile, uasTrace(30010, 40000));
    const ep = new MediaEndpoint({ port, messagesFile, maxLifeMs: 5000 });
    await ep.start().catch(() => undefined);
    cleanup.push(() => ep.stop());
    expect(ep.state().error).toMatch(/SDP names port 40000/);
  });
});
