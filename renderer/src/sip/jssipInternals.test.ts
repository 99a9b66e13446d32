import { describe, expect, it, vi } from 'vitest';
import JsSIP from 'jssip';
import RTCSessionClass, { type RTCSession } from 'jssip/lib/RTCSession';
import * as SIPMessage from 'jssip/lib/SIPMessage';
import { uaWithPbx } from './testPbx';
import { answerPrepared, applyJsSipFixes, canPrepareAnswer, guardReplacedTermination, prepareAnswer, isLocallyHeld, normaliseIncomingInvite, observeSubscriber, sdpPartOf, sendReinvite, sendRequest, setLocalHold, sipCallIdOf, verifiedJsSipVersion, sampleInvite, warmUpParser, type SentRequestResponse } from './jssipInternals';

/**
 * What Frontdesk relies on in JsSIP's internals, checked by running JsSIP's own code (no network:
 * a stub user agent and a stub peer connection). When a JsSIP upgrade breaks one of these, this
 * file says which, before a caller hears silence or loses a call.
 */

const RTCSessionCtor = RTCSessionClass as unknown as new (ua: unknown) => RTCSession;
const stubUa = { configuration: { session_timers: false, session_timers_refresh_method: 'UPDATE' } };

interface FakeTrack {
  kind: 'audio';
  enabled: boolean;
}
interface FakeSender {
  track: FakeTrack | null;
}

/** A JsSIP session in the confirmed state over a stub peer connection with one audio sender. */
function confirmedSession(connection: Partial<RTCPeerConnection> = {}) {
  const session = new RTCSessionCtor(stubUa);
  const track: FakeTrack = { kind: 'audio', enabled: true };
  const sender: FakeSender = { track };
  const raw = session as unknown as Record<string, unknown>;
  raw._status = (RTCSessionClass as unknown as { C: { STATUS_CONFIRMED: number } }).C.STATUS_CONFIRMED;
  raw._dialog = { uac_pending_reply: false, uas_pending_reply: false };
  raw._connection = { getSenders: () => [sender], ...connection };
  return { session, track, sender };
}

describe('JsSIP internals Frontdesk relies on', () => {
  it(`is the JsSIP these were verified with (${verifiedJsSipVersion}); after an upgrade, re-check each below and then this version`, () => {
    expect(JsSIP.version).toBe(verifiedJsSipVersion);
  });

  it('setLocalHold: sets the hold flag, emits hold/unhold (local) synchronously, and the next offer says sendonly while held', () => {
    const { session } = confirmedSession();
    const events: string[] = [];
    session.on('hold', (e: { originator: string }) => events.push(`hold:${e.originator}`));
    session.on('unhold', (e: { originator: string }) => events.push(`unhold:${e.originator}`));
    setLocalHold(session, true);
    expect(events).toEqual(['hold:local']);
    expect(isLocallyHeld(session)).toBe(true);
    const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=sendrecv\r\n';
    const mangle = (sdp: string) => (session as unknown as { _mangleOffer(s: string): string })._mangleOffer(sdp);
    expect(mangle(offer)).toMatch(/a=sendonly/);
    setLocalHold(session, false);
    expect(events).toEqual(['hold:local', 'unhold:local']);
    expect(isLocallyHeld(session)).toBe(false);
    expect(mangle(offer)).toMatch(/a=sendrecv/);
  });

  it('what JsSIP does to the microphone: hold disables the track a sender has, and resume re-enables only a track that is attached then', () => {
    const { session, track, sender } = confirmedSession();
    let enabledWhenHoldEmitted: boolean | null = null;
    session.on('hold', () => (enabledWhenHoldEmitted = track.enabled));
    setLocalHold(session, true);
    // JsSIP disables the track before it emits 'hold': the gate sees it disabled and detaches it.
    expect(enabledWhenHoldEmitted).toBe(false);
    sender.track = null; // Frontdesk detaches the track while held
    setLocalHold(session, false);
    // JsSIP's resume missed the detached track: re-attached as it is, it would send silence.
    expect(track.enabled).toBe(false);
    // mute()/unmute() flip the attached track too, and unmute() leaves it alone while held.
    sender.track = track;
    track.enabled = true;
    session.mute({ audio: true });
    expect(track.enabled).toBe(false);
    setLocalHold(session, true);
    session.unmute({ audio: true });
    expect(track.enabled).toBe(false);
    // a far end's hold disables it as well (JsSIP's _setLocalMediaStatus on 'hold', remote)
    setLocalHold(session, false);
    expect(track.enabled).toBe(true);
    (session as unknown as { _remoteHold: boolean; _onhold(o: string): void })._remoteHold = true;
    (session as unknown as { _onhold(o: string): void })._onhold('remote');
    expect(track.enabled).toBe(false);
  });

  it('sendReinvite: a failure reaches our handler and JsSIP does not end the call', async () => {
    const { session } = confirmedSession({ createOffer: () => Promise.reject(new Error('no offer')) as never });
    const failed = await new Promise<unknown>((resolve) => sendReinvite(session, { succeeded: () => resolve('succeeded'), failed: (r) => resolve(r ?? 'failed') }));
    expect(failed).toBe('failed');
    expect(session.isEstablished()).toBe(true);
    expect(session.isEnded()).toBe(false);
  });

  it('sipCallIdOf: the Call-ID of the request a session was made from', () => {
    const session = new RTCSessionCtor(stubUa);
    expect(sipCallIdOf(session)).toBeNull();
    (session as unknown as { _request: { call_id: string } })._request = { call_id: 'abc@host' };
    expect(sipCallIdOf(session)).toBe('abc@host');
  });

  it('guardReplacedTermination: JsSIP ends the replaced call from a confirmed listener that throws once that call is over; the guard keeps the throw from skipping ours', () => {
    const { session: replaced } = confirmedSession();
    const created: RTCSession[] = [];
    const proto = (RTCSessionClass as unknown as { prototype: unknown }).prototype as { init_incoming(this: RTCSession): void };
    const original = proto.init_incoming;
    proto.init_incoming = function (this: RTCSession) {
      created.push(this);
    };
    try {
      replaced.on('replaces', ((e: { accept(): void }) => e.accept()) as never);
      (replaced as unknown as { _receiveReplaces(r: unknown): void })._receiveReplaces({ reply: () => undefined });
    } finally {
      proto.init_incoming = original;
    }
    expect(created).toHaveLength(1);
    const replacing = created[0]! as unknown as RTCSession & { listeners(e: string): unknown[]; emit(e: string): void };
    expect(replacing.listeners('confirmed')).toHaveLength(1);
    // The replaced call ends first (the transferor's BYE): JsSIP's terminate() now throws.
    (replaced as unknown as { _status: number })._status = (RTCSessionClass as unknown as { C: { STATUS_TERMINATED: number } }).C.STATUS_TERMINATED;
    expect(() => replacing.emit('confirmed')).toThrow();
    guardReplacedTermination(replacing);
    let ours = false;
    replacing.on('confirmed', () => (ours = true));
    expect(() => replacing.emit('confirmed')).not.toThrow();
    expect(ours).toBe(true);
  });

  it("applyJsSipFixes: an INVITE from a tel: caller (JsSIP alone drops it unanswered) rings with the number from the tel URI, and the replies echo the caller's From as sent", () => {
    // Why the fix exists: JsSIP's grammar reads no tel: URI, and its parser drops a request whose From it cannot read.
    expect(JsSIP.Grammar.parse('<tel:+74951234567>;tag=a1', 'From')).toBe(-1);
    applyJsSipFixes();
    vi.stubGlobal('window', { RTCPeerConnection: class {} }); // what JsSIP checks before it takes an INVITE
    const { ua, sent, socket } = uaWithPbx('1000', 'x', { session_timers: false });
    const rang: RTCSession[] = [];
    ua.on('newRTCSession', (e: { originator: string; session: RTCSession }) => e.originator === 'remote' && rang.push(e.session));
    try {
      const invite = (from: string, callId: string, to = '<sip:1000@lab.frontdesk.test>') =>
        [
          'INVITE sip:1000@lab.frontdesk.test SIP/2.0',
          `Via: SIP/2.0/WS 127.0.0.1:8080;branch=z9hG4bK-${callId}`,
          'Max-Forwards: 70',
          `From: ${from}`,
          `To: ${to}`,
          `Call-ID: ${callId}`,
          'CSeq: 1 INVITE',
          'Contact: <sip:gw@127.0.0.1:5060>',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
      socket.ondata(invite('"Иван" <tel:+7-495-123-45-67>;tag=a1', 'tel-from-1'));
      expect(rang).toHaveLength(1);
      expect(rang[0]!.remote_identity.uri.user).toBe('+74951234567');
      expect(rang[0]!.remote_identity.display_name).toBe('Иван');
      const ringing = sent.find((m) => m.startsWith('SIP/2.0 180'));
      expect(ringing).toContain('\r\nFrom: "Иван" <tel:+7-495-123-45-67>;tag=a1\r\n');
      // Without angle brackets, the form some gateways use.
      socket.ondata(invite('tel:+74951234567;tag=b2', 'tel-from-2'));
      expect(rang).toHaveLength(2);
      expect(rang[1]!.remote_identity.uri.user).toBe('+74951234567');
      expect(sent.filter((m) => m.startsWith('SIP/2.0 180')).at(-1)).toContain('\r\nFrom: tel:+74951234567;tag=b2\r\n');
      // A gateway that names the dialled line by a tel: URI in To as well.
      socket.ondata(invite('<tel:+74951234567>;tag=c3', 'tel-to-3', '<tel:1000>'));
      expect(rang).toHaveLength(3);
      expect(sent.filter((m) => m.startsWith('SIP/2.0 180')).at(-1)).toMatch(/\r\nTo: <tel:1000>;tag=\S+\r\n/);
    } finally {
      for (const session of rang) session.terminate();
      ua.stop();
      vi.unstubAllGlobals();
    }
  });

  it('applyJsSipFixes: a request re-sent with a new CSeq number carries it in its CSeq header', () => {
    applyJsSipFixes();
    const OutgoingRequest = (SIPMessage as unknown as { OutgoingRequest: new (...args: unknown[]) => { cseq: number; toString(): string } }).OutgoingRequest;
    const uri = JsSIP.URI.parse('sip:1001@lab.frontdesk.test')!;
    const ua = { configuration: { uri, display_name: 'Reception', hack_via_tcp: false }, contact: { toString: () => '<sip:x@y>' } } as unknown;
    const request = new OutgoingRequest('INVITE', uri, ua, { call_id: 'c1', cseq: 7907, from_tag: 'f', to_uri: uri, from_uri: uri }, []);
    expect(request.toString()).toMatch(/\r\nCSeq: 7907 INVITE\r\n/);
    request.cseq += 1; // what JsSIP's 491 re-attempt does
    expect(request.toString()).toMatch(/\r\nCSeq: 7908 INVITE\r\n/);
  });
});

describe("the first INVITE after start (point 11)", () => {
  it("the warm-up's sample INVITE is one JsSIP reads whole, headers a PBX adds included, and nothing is sent", async () => {
    const Parser = await import('jssip/lib/Parser');
    const { ua, sent } = uaWithPbx();
    const before = sent.length;
    expect(warmUpParser(ua)).toBe(true);
    const parsed = Parser.parseMessage(sampleInvite, ua) as { method: string; getHeaders(n: string): string[]; from: { display_name: string } };
    expect(parsed.method).toBe('INVITE');
    expect(parsed.from.display_name).toBe('Ivan Petrov');
    expect(parsed.getHeaders('Record-Route')).toHaveLength(2);
    expect(sent.length).toBe(before);
  });
});

describe('a new INVITE, mended before JsSIP reads it', () => {
  const request = (headers: Record<string, string>, body?: string) => {
    const h = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const replies: [number, string | undefined][] = [];
    return {
      body,
      replies,
      hasHeader: (n: string) => h.has(n.toLowerCase()),
      getHeader: (n: string) => h.get(n.toLowerCase()),
      setHeader: (n: string, v: string) => void h.set(n.toLowerCase(), v),
      reply: (code: number, reason?: string) => void replies.push([code, reason]),
    };
  };
  const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n';

  it('what JsSIP does unmended: 415 for a multipart body, 500 for a missing Contact', () => {
    const session = new RTCSessionCtor({ configuration: stubUa.configuration, contact: { toString: () => '<sip:x@y>' } });
    const current = (RTCSessionClass as unknown as { prototype: { init_incoming: ((r: unknown) => void) & { jssipOriginal?: (r: unknown) => void } } }).prototype.init_incoming;
    // (applyJsSipFixes wraps init_incoming; JsSIP's own code is what it wraps)
    const multipart = request({ 'Content-Type': 'multipart/mixed;boundary=b', Contact: '<sip:a@b>' }, `--b\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--b--\r\n`);
    (current.jssipOriginal ?? current).call(session, multipart);
    expect(multipart.replies).toEqual([[415, undefined]]);
    const noContact = request({ 'Content-Type': 'application/sdp' }, sdp);
    const ua = { configuration: stubUa.configuration, contact: { toString: () => '<sip:x@y>' }, destroyRTCSession: () => undefined, newDialog: () => undefined, destroyDialog: () => undefined };
    (current.jssipOriginal ?? current).call(new RTCSessionCtor(ua), Object.assign(noContact, { from_tag: 'f', call_id: 'c', to_tag: undefined }));
    expect(noContact.replies[0]).toEqual([500, 'Missing Contact header field']);
  });

  it('a multipart/mixed body with an SDP part becomes that SDP', () => {
    const body = `--b1\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\nIAM\r\n--b1\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--b1--\r\n`;
    const r = request({ 'Content-Type': 'multipart/mixed; boundary="b1"', Contact: '<sip:a@b>' }, body);
    expect(normaliseIncomingInvite(r)).toBe(true);
    expect(r.body).toBe(sdp);
    expect(r.getHeader('Content-Type')).toBe('application/sdp');
    expect(sdpPartOf('multipart/mixed;boundary=x', '--x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--x--')).toBe('v=0\r\n');
    expect(sdpPartOf('multipart/mixed;boundary=x', '--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--')).toBeNull();
    expect(sdpPartOf('multipart/mixed', 'whatever')).toBeNull();
  });

  it('an INVITE without a Contact is refused with 400 and goes no further', () => {
    const r = request({ 'Content-Type': 'application/sdp' }, sdp);
    expect(normaliseIncomingInvite(r)).toBe(false);
    expect(r.replies).toEqual([[400, 'Missing Contact header field']]);
  });

  it('applyJsSipFixes puts the mending in front of JsSIP\'s own init_incoming', () => {
    applyJsSipFixes();
    const session = new RTCSessionCtor(stubUa);
    const r = request({ 'Content-Type': 'application/sdp' }, sdp);
    (session as unknown as { init_incoming(r: unknown): void }).init_incoming(r);
    expect(r.replies).toEqual([[400, 'Missing Contact header field']]);
  });
});


describe('JsSIP internals for presence', () => {
  it('sendRequest: a PUBLISH goes out with our headers and body, the digest challenge is answered, the final response comes back', () => {
    const { ua, sent, header, answer } = uaWithPbx();
    try {
      const responses: SentRequestResponse[] = [];
      sendRequest(ua, 'PUBLISH', 'sip:1003@lab.frontdesk.test', { extraHeaders: ['Event: presence', 'Expires: 600', 'Content-Type: application/pidf+xml'], body: '<presence/>' }, {
        response: (r) => responses.push(r),
        failed: (cause) => responses.push({ status_code: -1, reason_phrase: cause, getHeader: () => undefined }),
      });
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/^PUBLISH sip:1003@lab\.frontdesk\.test SIP\/2\.0\r\n/);
      expect(header(sent[0]!, 'Event')).toBe('presence');
      expect(sent[0]).toMatch(/\r\n\r\n<presence\/>$/);
      answer(sent[0]!, '407 Proxy Authentication Required', ['Proxy-Authenticate: Digest realm="lab.frontdesk.test", nonce="n1", qop="auth"']);
      expect(sent).toHaveLength(2);
      expect(header(sent[1]!, 'Proxy-Authorization')).toMatch(/^Digest .*username="1003"/);
      expect(responses).toEqual([]);
      answer(sent[1]!, '200 OK', ['SIP-ETag: e1', 'Expires: 600']);
      expect(responses.map((r) => [r.status_code, r.getHeader('SIP-ETag')])).toEqual([[200, 'e1']]);
    } finally {
      ua.stop();
    }
  });

  it("observeSubscriber: the code a SUBSCRIBE was refused with (JsSIP's 'terminated' says only \"non-OK\")", () => {
    const { ua, sent, answer } = uaWithPbx();
    try {
      const s = ua.subscribe('sip:1001@lab.frontdesk.test', 'dialog', 'application/dialog-info+xml', { expires: 600, contentType: 'application/dialog-info+xml' });
      const seen: unknown[] = [];
      observeSubscriber(s, { response: (...r) => seen.push(r), notify: (n) => seen.push(n) });
      (s as unknown as { on(e: string, f: (...a: unknown[]) => void): void }).on('terminated', (code) => seen.push(`terminated ${String(code)}`));
      s.subscribe();
      answer(sent[0]!, '489 Bad Event', ['Retry-After: 60']);
      expect(seen).toEqual([[489, 'Bad Event', 60], 'terminated 2']);
    } finally {
      ua.stop();
    }
  });

  it('observeSubscriber: every NOTIFY JsSIP accepted, with or without a body (JsSIP emits no "notify" for an empty one); not one it refused', () => {
    const { ua, sent, answer, notify } = uaWithPbx();
    try {
      const s = ua.subscribe('sip:1001@lab.frontdesk.test', 'presence', 'application/pidf+xml', { expires: 600, contentType: 'application/pidf+xml' });
      const seen: unknown[] = [];
      const jssipNotifies: unknown[] = [];
      observeSubscriber(s, { response: (code) => seen.push(code), notify: (n) => seen.push(n) });
      (s as unknown as { on(e: string, f: (...a: unknown[]) => void): void }).on('notify', (_final, _request, body) => jssipNotifies.push(body));
      s.subscribe();
      answer(sent[0]!, '200 OK', ['Contact: <sip:127.0.0.1:5060>', 'Expires: 600']);
      notify(sent[0]!, 1);
      notify(sent[0]!, 2, { body: '<presence/>' });
      const replies = () => sent.filter((m) => m.startsWith('SIP/2.0')).map((m) => m.split('\r\n')[0]);
      expect(replies()).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
      expect(jssipNotifies).toEqual(['<presence/>']);
      expect(seen).toEqual([200, { body: null, contentType: null, final: false }, { body: '<presence/>', contentType: 'application/pidf+xml', final: false }]);
      notify(sent[0]!, 3, { event: 'dialog' });
      expect(replies().at(-1)).toBe('SIP/2.0 489 Bad Event');
      expect(seen).toHaveLength(3);
    } finally {
      ua.stop();
    }
  });

  describe('answering prepared while the call rings (point 10)', () => {
    const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 30000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:111 opus/48000/2\r\na=sendrecv\r\n';
    const answerSdp = 'v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:111 opus/48000/2\r\na=sendrecv\r\n';

    class FakeTrack {
      kind = 'audio' as const;
      enabled = true;
      readyState: 'live' | 'ended' = 'live';
      stop() {
        this.readyState = 'ended';
      }
    }
    class FakeSender {
      constructor(public track: FakeTrack | null) {}
      replaceTrack(track: FakeTrack | null) {
        this.track = track;
        return Promise.resolve();
      }
    }
    /** A peer connection that answers at once with `answerSdp` and has gathered its candidates. */
    class FakePc {
      static made: FakePc[] = [];
      static failRemote = false;
      senders: FakeSender[] = [];
      remoteDescription: RTCSessionDescriptionInit | null = null;
      localDescription: RTCSessionDescriptionInit | null = null;
      iceGatheringState = 'complete';
      closed = false;
      constructor() {
        FakePc.made.push(this);
      }
      addEventListener() {}
      addTrack(track: FakeTrack) {
        const sender = new FakeSender(track);
        this.senders.push(sender);
        return sender;
      }
      getSenders() {
        return this.senders;
      }
      setRemoteDescription(d: RTCSessionDescriptionInit) {
        if (FakePc.failRemote) return Promise.reject(new Error('bad offer'));
        this.remoteDescription = d;
        return Promise.resolve();
      }
      createAnswer() {
        return Promise.resolve({ type: 'answer', sdp: answerSdp });
      }
      setLocalDescription(d: RTCSessionDescriptionInit) {
        this.localDescription = d;
        return Promise.resolve();
      }
      close() {
        this.closed = true;
      }
    }
    const microphone = () => {
      const track = new FakeTrack();
      return { track, stream: { getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream };
    };

    /** A call ringing at a real JsSIP user agent, with the INVITE's offer. */
    function ringing() {
      applyJsSipFixes();
      FakePc.made = [];
      FakePc.failRemote = false;
      vi.stubGlobal('window', { RTCPeerConnection: FakePc });
      vi.stubGlobal('RTCPeerConnection', FakePc);
      const pbx = uaWithPbx('1000', 'x', { session_timers: false });
      const rang: RTCSession[] = [];
      pbx.ua.on('newRTCSession', (e: { originator: string; session: RTCSession }) => e.originator === 'remote' && rang.push(e.session));
      const invite = [
        'INVITE sip:1000@lab.frontdesk.test SIP/2.0',
        'Via: SIP/2.0/WS 127.0.0.1:8080;branch=z9hG4bK-prep1',
        'Max-Forwards: 70',
        'From: <sip:+74951234567@lab.frontdesk.test>;tag=c1',
        'To: <sip:1000@lab.frontdesk.test>',
        'Call-ID: prepared-1',
        'CSeq: 1 INVITE',
        'Contact: <sip:caller@127.0.0.1:5060>',
        'Content-Type: application/sdp',
        `Content-Length: ${offer.length}`,
        '',
        offer,
      ].join('\r\n');
      pbx.socket.ondata(invite);
      const request = (method: string, cseq: string, toTag = '') =>
        pbx.socket.ondata(
          [
            `${method} sip:1000@lab.frontdesk.test SIP/2.0`,
            `Via: SIP/2.0/WS 127.0.0.1:8080;branch=z9hG4bK-${method === 'CANCEL' ? 'prep1' : `prep-${method}`}`,
            'Max-Forwards: 70',
            'From: <sip:+74951234567@lab.frontdesk.test>;tag=c1',
            `To: <sip:1000@lab.frontdesk.test>${toTag}`,
            'Call-ID: prepared-1',
            `CSeq: ${cseq}`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        );
      return { ...pbx, session: rang[0]!, request, statuses: () => pbx.sent.filter((m) => m.startsWith('SIP/2.0')).map((m) => m.split(' ')[1]) };
    }

    it('makes the answer while the call rings, with the microphone disabled and off the sender; Answer sends the 200 with it and puts the microphone on; the ACK confirms the call', async () => {
      const { ua, session, sent, header, request, statuses } = ringing();
      try {
        expect(canPrepareAnswer(session)).toBe(true);
        const mic = microphone();
        const peerconnection = vi.fn();
        session.on('peerconnection', peerconnection);
        const prepared = await prepareAnswer(session, { pcConfig: { iceServers: [] }, microphone: () => Promise.resolve(mic.stream) });
        expect(prepared).not.toBeNull();
        const pc = FakePc.made[0]!;
        expect(peerconnection).toHaveBeenCalledTimes(1);
        expect(session.connection).toBe(pc as unknown as RTCPeerConnection);
        expect(pc.remoteDescription).toEqual({ type: 'offer', sdp: offer });
        expect(pc.localDescription).toEqual({ type: 'answer', sdp: answerSdp });
        // nothing of the agent reaches the caller while it rings
        expect(pc.senders[0]!.track).toBeNull();
        expect(mic.track.enabled).toBe(false);
        expect(statuses()).toEqual(['100', '180']);
        expect(canPrepareAnswer(session)).toBe(false);

        const accepted = vi.fn();
        const confirmed = vi.fn();
        session.on('accepted', accepted);
        session.on('confirmed', confirmed);
        answerPrepared(session, prepared!);
        expect(pc.senders[0]!.track).toBe(mic.track);
        expect(mic.track.enabled).toBe(true);
        const ok = sent.find((m) => m.startsWith('SIP/2.0 200'))!;
        expect(ok).toContain(answerSdp);
        expect(header(ok, 'Contact')).toContain('sip:');
        expect(accepted).toHaveBeenCalledTimes(1);
        request('ACK', '1 ACK', `;tag=${/;tag=([^;\s]+)/.exec(header(ok, 'To'))![1]}`);
        expect(confirmed).toHaveBeenCalledTimes(1);
        expect(session.isEstablished()).toBe(true);
        expect(FakePc.made).toHaveLength(1);
      } finally {
        ua.stop();
      }
    });

    it('a CANCEL from the caller while it rings: JsSIP stops the prepared microphone and closes the connection', async () => {
      const { ua, session, request, statuses } = ringing();
      try {
        const mic = microphone();
        expect(await prepareAnswer(session, { pcConfig: {}, microphone: () => Promise.resolve(mic.stream) })).not.toBeNull();
        request('CANCEL', '1 CANCEL');
        expect(session.isEnded()).toBe(true);
        expect(statuses()).toContain('487');
        expect(mic.track.readyState).toBe('ended');
        expect(FakePc.made[0]!.closed).toBe(true);
      } finally {
        ua.stop();
      }
    });

    it('a call that ends while the microphone opens: the microphone is stopped and nothing is prepared', async () => {
      const { ua, session } = ringing();
      try {
        const mic = microphone();
        let give: (s: MediaStream) => void = () => undefined;
        const preparing = prepareAnswer(session, { pcConfig: {}, microphone: () => new Promise<MediaStream>((r) => (give = r)) });
        session.terminate({ status_code: 486 });
        give(mic.stream);
        expect(await preparing).toBeNull();
        expect(mic.track.readyState).toBe('ended');
        expect(FakePc.made).toHaveLength(0);
      } finally {
        ua.stop();
      }
    });

    it('a step that fails leaves the session as it was (no connection, microphone stopped), for JsSIP to answer from scratch', async () => {
      const { ua, session } = ringing();
      try {
        FakePc.failRemote = true;
        const mic = microphone();
        await expect(prepareAnswer(session, { pcConfig: {}, microphone: () => Promise.resolve(mic.stream) })).rejects.toThrow('bad offer');
        expect(session.connection).toBeFalsy();
        expect(mic.track.readyState).toBe('ended');
        expect(FakePc.made[0]!.closed).toBe(true);
        expect(canPrepareAnswer(session)).toBe(true);
        expect(session.isEnded()).toBe(false);
      } finally {
        ua.stop();
      }
    });
  });
});
