import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import JsSIP from 'jssip';
import RTCSessionClass, { type RTCSession } from 'jssip/lib/RTCSession';
import { SipEngine } from './engine';
import { base64 } from './handoff';
import type { Call } from './callMachine';

/**
 * The engine's hold, resume, mute and line switching against JsSIP's own RTCSession code (its
 * hold flag, its track muting, its events), with the network replaced: a user agent that makes no
 * connection, a peer connection with one audio sender, and a far end the test answers re-INVITEs
 * for. What is checked is what the caller hears: the microphone track is attached to the call's
 * sender and enabled exactly when the call is active and not muted.
 */

const C = (RTCSessionClass as unknown as { C: Record<string, number> }).C;
const RTCSessionCtor = RTCSessionClass as unknown as new (ua: unknown) => RTCSession;

interface Track {
  kind: 'audio';
  enabled: boolean;
}
interface Sender {
  track: Track | null;
  replaceTrack(t: Track | null): Promise<void>;
}

interface Offer {
  held: boolean;
  eventHandlers: { succeeded: () => void; failed: (r?: { status_code?: number; reason_phrase?: string }) => void };
}

interface Line {
  session: RTCSession;
  track: Track;
  sender: Sender;
  /** re-INVITEs this desk sent that the far end has not answered yet, oldest first. */
  offers: Offer[];
  /** What the far end last accepted: held by us or not. */
  farEndHeld: boolean;
  raw: Record<string, unknown>;
}

/** A user agent that makes no connection: the test emits its newRTCSession. */
class FakeUa {
  private readonly handlers = new Map<string, ((event: unknown) => void)[]>();
  on(event: string, fn: (event: unknown) => void) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
  }
  emit(event: string, data: unknown) {
    for (const fn of this.handlers.get(event) ?? []) fn(data);
  }
  connected = false;
  registers = 0;
  start() {}
  stop() {}
  isConnected() {
    return this.connected;
  }
  register() {
    this.registers++;
  }
}

const emit = (session: RTCSession, event: string, data: unknown) => (session as unknown as { emit(e: string, d: unknown): void }).emit(event, data);

function harness() {
  const uas: FakeUa[] = [];
  /** The user agent the engine uses now (it makes a new one when it starts again). */
  const ua = () => uas[uas.length - 1]!;
  const problems: string[] = [];
  const engine = new SipEngine({
    createUserAgent: () => {
      uas.push(new FakeUa());
      return ua() as unknown as JsSIP.UA;
    }, voiceCodecs: () => ['OPUS', 'G722', 'PCMU', 'PCMA'], onProblem: (d) => problems.push(d) });
  engine.start({ user: '1000', password: 'x', domain: 'lab.frontdesk.test', wsUrl: 'ws://127.0.0.1:8080', registerExpires: 600 } as never);
  const lines = new Map<string, Line>();
  let n = 0;

  const terminated = new Map<string, unknown>();
  /**
   * A call from an outside number rings (its INVITE's body: an SDP offer, or none); returns the
   * engine's id for it. `whenJsSipReplies` runs where JsSIP sends its 180: right after the
   * engine's newRTCSession handler returns.
   */
  const ring = async (body?: string, whenJsSipReplies?: () => void): Promise<string> => {
    n++;
    const callId = `call-id-${n}`;
    const session = new RTCSessionCtor({ configuration: { session_timers: false, session_timers_refresh_method: 'UPDATE' } });
    const raw = session as unknown as Record<string, unknown>;
    const track: Track = { kind: 'audio', enabled: true };
    // replaceTrack takes effect later, as in a browser.
    const sender: Sender = { track: null, replaceTrack: (t) => Promise.resolve().then(() => void (sender.track = t)) };
    const line: Line = { session, track, sender, offers: [], farEndHeld: false, raw };
    raw._status = C.STATUS_WAITING_FOR_ANSWER;
    raw._direction = 'incoming';
    raw._remote_identity = new JsSIP.NameAddrHeader(JsSIP.URI.parse(`sip:+7495000000${n}@carrier`)!, '');
    raw._request = { call_id: `call-id-${n}` };
    raw.answer = () => {
      raw._status = C.STATUS_CONFIRMED;
      raw._dialog = { uac_pending_reply: false, uas_pending_reply: false, isTerminated: () => false };
      sender.track = track; // JsSIP adds the microphone's track, enabled
      raw._connection = { getSenders: () => [sender], addEventListener: () => undefined };
      emit(session, 'confirmed', { originator: 'local' });
    };
    raw._sendReinvite = (options: { eventHandlers: Offer['eventHandlers'] }) => {
      (raw._dialog as { uac_pending_reply: boolean }).uac_pending_reply = true;
      line.offers.push({ held: session.isOnHold().local, eventHandlers: options.eventHandlers });
    };
    raw.terminate = (options?: unknown) => {
      terminated.set(callId, options ?? {});
      raw._status = C.STATUS_TERMINATED;
      emit(session, 'ended', { originator: 'local', cause: JsSIP.C.causes.BYE });
    };
    const before = new Set(engine.getSnapshot().calls.order);
    ua().emit('newRTCSession', { originator: 'remote', session, request: { call_id: `call-id-${n}`, to: { uri: { user: '1000' } }, headers: {}, body } });
    whenJsSipReplies?.();
    await Promise.resolve(); // the page hears of a ringing call in a microtask, after JsSIP has sent the 180
    const id = engine.getSnapshot().calls.order.find((x) => !before.has(x))!;
    lines.set(id, line);
    return id;
  };

  /** The far end answers the oldest re-INVITE of a call. */
  const farEnd = (id: string, code: 200 | 491 | 500) => {
    const line = lines.get(id)!;
    const offer = line.offers.shift();
    if (!offer) return;
    (line.raw._dialog as { uac_pending_reply: boolean }).uac_pending_reply = line.offers.length > 0;
    if (code === 200) {
      line.farEndHeld = offer.held;
      offer.eventHandlers.succeeded();
    } else offer.eventHandlers.failed({ status_code: code, reason_phrase: code === 491 ? 'Request Pending' : 'Server Error' });
  };

  /** The far end holds or resumes us with a re-INVITE, as JsSIP handles one. */
  const farEndHolds = (id: string, held: boolean) => {
    const line = lines.get(id)!;
    const raw = line.raw as { _remoteHold: boolean; _onhold(o: string): void; _onunhold(o: string): void };
    if (raw._remoteHold === held) return;
    raw._remoteHold = held;
    if (held) raw._onhold('remote');
    else raw._onunhold('remote');
  };

  const call = (id: string): Call => engine.getSnapshot().calls.calls[id]!;

  /** What the caller of `id` hears from this desk: the microphone, silence, or nothing. */
  const heard = (id: string): 'agent' | 'silence' | 'nothing' => {
    const { sender, track } = lines.get(id)!;
    if (sender.track === null) return 'nothing';
    return sender.track === track && track.enabled ? 'agent' : 'silence';
  };

  return { engine, ring, farEnd, farEndHolds, call, heard, lines, terminated, problems, uas, ua };
}

/** Lets replaceTrack and the gate's queue finish (microtasks), with fake timers for the engine's waits. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** The caller hears the agent exactly when the call is active and not muted; a held call sends nothing. */
function expectTheCallerHearsWhatTheScreenSays(h: ReturnType<typeof harness>) {
  for (const [id] of h.lines) {
    const call = h.call(id);
    if (call.phase === 'ended' || call.phase === 'ringing-in' || call.phase === 'answering') continue;
    const expected = call.phase === 'active' ? (call.muted ? 'silence' : 'agent') : 'nothing';
    expect(h.heard(id), `${id} is ${call.phase}${call.muted ? ', muted' : ''}`).toBe(expected);
  }
}

describe('nothing hangs: offers that cannot be answered, and calls stuck waiting', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const offer = (m: string) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${m}\r\n`;

  it('an offer of G.729 alone is refused with 488 before it rings, and the history will say why', async () => {
    const h = harness();
    const id = await h.ring(offer('m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000'));
    expect(h.terminated.get('call-id-1')).toMatchObject({ status_code: 488, extraHeaders: [expect.stringMatching(/^Warning: 305 frontdesk "the caller offered only G729/)] });
    expect(h.call(id)).toMatchObject({ phase: 'ended', endReason: 'failed' });
    expect(h.call(id).endCause).toMatch(/^No codec in common: the caller offered only G729; this phone speaks OPUS, G722, PCMU, PCMA \(488 sent\)$/);
    expect(h.problems[0]).toMatch(/refused with 488/);
  });

  it('an offer with a codec in common, and a late offer (no SDP), ring', async () => {
    const h = harness();
    expect(h.call(await h.ring(offer('m=audio 4000 RTP/AVP 18 8'))).phase).toBe('ringing-in');
    expect(h.call(await h.ring()).phase).toBe('ringing-in');
  });

  it("the caller's 180 goes out before the rest of the page hears of the call, which it does before anything else happens", async () => {
    const h = harness();
    let told = 0;
    h.engine.subscribe(() => told++);
    let toldBefore180 = -1;
    const id = await h.ring(offer('m=audio 4000 RTP/AVP 0'), () => (toldBefore180 = told));
    expect(toldBefore180).toBe(0);
    expect(told).toBeGreaterThan(0);
    expect(h.call(id).phase).toBe('ringing-in');
  });

  it('a call stuck connecting after Answer is ended after 20 s with a reason the agent can read', async () => {
    const h = harness();
    const id = await h.ring();
    const raw = h.lines.get(id)!.raw;
    raw.answer = () => undefined; // JsSIP never gets the media up
    h.engine.answer(id);
    expect(h.call(id).phase).toBe('answering');
    vi.advanceTimersByTime(19_000);
    expect(h.call(id).phase).toBe('answering');
    vi.advanceTimersByTime(1_500);
    expect(h.call(id)).toMatchObject({ phase: 'ended', endReason: 'failed' });
    expect(h.call(id).endCause).toMatch(/could not be connected within 20 s of answering/);
    expect(h.problems).toHaveLength(1);
  });

  it('the watchdog ends a call JsSIP no longer reports on (terminate throws)', async () => {
    const h = harness();
    const id = await h.ring();
    const raw = h.lines.get(id)!.raw;
    raw.answer = () => undefined;
    raw.terminate = () => {
      throw new Error('Invalid status');
    };
    h.engine.answer(id);
    vi.advanceTimersByTime(21_000);
    expect(h.call(id)).toMatchObject({ phase: 'ended', endReason: 'failed' });
  });

  it('a call that connects in time is left alone', async () => {
    const h = harness();
    const id = await h.ring();
    h.engine.answer(id);
    vi.advanceTimersByTime(60_000);
    expect(h.call(id).phase).toBe('active');
    expect(h.problems).toEqual([]);
  });
});

describe('back on the network or awake after a sleep: reconnect now', () => {
  it('without a connection the user agent starts again at once; with one, a REGISTER goes out now', () => {
    const h = harness();
    h.ua().emit('disconnected', {});
    expect(h.engine.getSnapshot().registration.state).toBe('disconnected');
    h.engine.reconnectNow();
    expect(h.uas).toHaveLength(2);
    expect(h.engine.getSnapshot().registration.state).toBe('connecting');
    h.ua().connected = true;
    h.ua().emit('connected', {});
    h.engine.reconnectNow();
    expect(h.uas).toHaveLength(2);
    expect(h.ua().registers).toBe(1);
  });
});

describe('lines: a limit, and ended calls that leave the column', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a call beyond the desk\'s lines hears busy (486) and is a missed call; the others ring on', async () => {
    const h = harness();
    h.engine.configure({ maxLines: 2 });
    const a = await h.ring();
    const b = await h.ring();
    const c = await h.ring();
    expect([h.call(a).phase, h.call(b).phase]).toEqual(['ringing-in', 'ringing-in']);
    expect(h.call(c)).toMatchObject({ phase: 'ended', endReason: 'missed', endCause: 'All 2 lines busy (486 sent)' });
    expect(h.terminated.get('call-id-3')).toMatchObject({ status_code: 486, extraHeaders: [expect.stringMatching(/All lines busy/)] });
  });

  it('ended calls leave the calls column 30 s after they ended, but for the latest, which stays until another call comes', async () => {
    const h = harness();
    const first = await h.ring();
    h.engine.answer(first);
    h.engine.hangup(first);
    const second = await h.ring();
    h.engine.decline(second);
    vi.advanceTimersByTime(29_000);
    expect(h.engine.getSnapshot().calls.order).toEqual([first, second]);
    vi.advanceTimersByTime(2_000);
    expect(h.engine.getSnapshot().calls.order).toEqual([second]);
    vi.advanceTimersByTime(600_000);
    expect(h.engine.getSnapshot().calls.order).toEqual([second]);
    const third = await h.ring();
    expect(h.engine.getSnapshot().calls.order).toEqual([third]);
  });
});

describe('the caller hears the agent on every path back from hold', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('Resume after taking a second line: the first caller hears the agent again (the silence bug)', async () => {
    const h = harness();
    const first = await h.ring();
    h.engine.answer(first);
    await settle();
    expect(h.heard(first)).toBe('agent');

    const second = await h.ring();
    h.engine.answer(second);
    h.farEnd(first, 200);
    await settle();
    expect(h.call(first).phase).toBe('held');
    expect(h.heard(first)).toBe('nothing');
    expect(h.heard(second)).toBe('agent');

    h.engine.resume(first);
    h.farEnd(second, 200);
    h.farEnd(first, 200);
    await settle();
    expect(h.call(first).phase).toBe('active');
    expect(h.heard(first)).toBe('agent');
    expect(h.lines.get(first)!.track.enabled).toBe(true);
    expect(h.heard(second)).toBe('nothing');
    expect(h.engine.microphone(first)).toBe('live');
    expect(h.engine.microphone(second)).toBe('off');
  });

  it('the far end holds and resumes us: after its resume the caller hears the agent', async () => {
    const h = harness();
    const id = await h.ring();
    h.engine.answer(id);
    await settle();
    h.farEndHolds(id, true);
    await settle();
    expect(h.call(id).phase).toBe('remote-held');
    expect(h.heard(id)).toBe('nothing');
    h.farEndHolds(id, false);
    await settle();
    expect(h.call(id).phase).toBe('active');
    expect(h.heard(id)).toBe('agent');
  });

  it('mute survives hold and resume, and unmute while held gives a live microphone on resume', async () => {
    const h = harness();
    const id = await h.ring();
    h.engine.answer(id);
    h.engine.setMuted(id, true);
    await settle();
    expect(h.heard(id)).toBe('silence');
    h.engine.hold(id);
    h.farEnd(id, 200);
    h.engine.resume(id);
    h.farEnd(id, 200);
    await settle();
    expect(h.call(id)).toMatchObject({ phase: 'active', muted: true });
    expect(h.heard(id)).toBe('silence');
    h.engine.hold(id);
    h.farEnd(id, 200);
    h.engine.setMuted(id, false);
    h.engine.resume(id);
    h.farEnd(id, 200);
    await settle();
    expect(h.heard(id)).toBe('agent');
  });

  it('a hold that collides (491) keeps the caller held (nothing sent) while it is offered again, then a resume gives the agent back unmuted', async () => {
    const h = harness();
    const id = await h.ring();
    h.engine.answer(id);
    h.engine.hold(id);
    await settle();
    h.farEnd(id, 491);
    await settle();
    expect(h.call(id).phase).toBe('held');
    expect(h.call(id).notice).toMatch(/holding again/);
    expect(h.heard(id)).toBe('nothing');
    vi.advanceTimersByTime(4100);
    h.farEnd(id, 200);
    await settle();
    expect(h.call(id)).toMatchObject({ phase: 'held', muted: false, notice: null });
    h.engine.resume(id);
    h.farEnd(id, 200);
    await settle();
    expect(h.call(id)).toMatchObject({ phase: 'active', muted: false });
    expect(h.heard(id)).toBe('agent');
  });

  it('a hold the far end refuses (500): the call is up, muted and says so; unmuting gives the agent back', async () => {
    const h = harness();
    const id = await h.ring();
    h.engine.answer(id);
    h.engine.hold(id);
    h.farEnd(id, 500);
    await settle();
    expect(h.call(id)).toMatchObject({ phase: 'active', muted: true });
    expect(h.call(id).notice).toMatch(/Hold failed \(500/);
    expect(h.heard(id)).toBe('silence');
    h.engine.setMuted(id, false);
    await settle();
    expect(h.heard(id)).toBe('agent');
  });

  it('a resume the far end refuses (500): the call says it is still on hold and sends nothing', async () => {
    const h = harness();
    const id = await h.ring();
    h.engine.answer(id);
    h.engine.hold(id);
    h.farEnd(id, 200);
    h.engine.resume(id);
    h.farEnd(id, 500);
    await settle();
    expect(h.call(id).phase).toBe('held');
    expect(h.call(id).notice).toMatch(/Resume failed/);
    expect(h.heard(id)).toBe('nothing');
  });

  it('any sequence of ringing, answering, hold, resume, mute, far-end holds and refused re-INVITEs: the caller hears what the screen says', async () => {
    const which = fc.nat(3);
    const op = fc.oneof(
      fc.constant({ kind: 'ring' as const }),
      fc.record({ kind: fc.constant('answer' as const), which }),
      fc.record({ kind: fc.constantFrom('hold' as const, 'resume' as const, 'mute' as const, 'unmute' as const), which }),
      fc.record({ kind: fc.constantFrom('far-hold' as const, 'far-resume' as const), which }),
      fc.record({ kind: fc.constant('far-answers' as const), which, code: fc.constantFrom(200 as const, 200 as const, 491 as const, 500 as const) }),
      fc.record({ kind: fc.constant('time' as const), ms: fc.constantFrom(300, 1000, 4100) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const h = harness();
        const ids = () => [...h.lines.keys()];
        const pick = (i: number) => ids()[i % Math.max(1, ids().length)];
        for (const o of ops) {
          if (o.kind === 'ring') {
            if (h.lines.size < 4) await h.ring();
          } else if (o.kind === 'time') {
            vi.advanceTimersByTime(o.ms);
          } else {
            const id = pick(o.which);
            if (!id) continue;
            const phase = h.call(id).phase;
            const up = phase === 'active' || phase === 'held' || phase === 'remote-held';
            if (o.kind === 'answer') h.engine.answer(id);
            else if (o.kind === 'hold') h.engine.hold(id);
            else if (o.kind === 'resume') h.engine.resume(id);
            else if (o.kind === 'mute') h.engine.setMuted(id, true);
            else if (o.kind === 'unmute') h.engine.setMuted(id, false);
            else if (o.kind === 'far-hold' && up && h.lines.get(id)!.offers.length === 0) h.farEndHolds(id, true);
            else if (o.kind === 'far-resume' && up && h.lines.get(id)!.offers.length === 0) h.farEndHolds(id, false);
            else if (o.kind === 'far-answers') h.farEnd(id, o.code);
          }
          await settle();
          expectTheCallerHearsWhatTheScreenSays(h);
        }
        // The far end answers everything still open; every retry runs out.
        for (let round = 0; round < 20; round++) {
          for (const id of ids()) while (h.lines.get(id)!.offers.length > 0) h.farEnd(id, 200);
          vi.advanceTimersByTime(5000);
          await settle();
        }
        expectTheCallerHearsWhatTheScreenSays(h);
        for (const id of ids()) {
          const call = h.call(id);
          if (call.phase === 'ringing-in') continue;
          // The screen says held exactly when the far end has accepted our hold.
          expect(call.phase === 'held', `${id}: ${call.phase}, far end ${h.lines.get(id)!.farEndHeld ? 'held' : 'not held'}`).toBe(h.lines.get(id)!.farEndHeld);
        }
        // The agent talks to one caller at a time.
        expect(ids().filter((id) => h.heard(id) === 'agent').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('messages from other Frontdesks', () => {
  const message = {
    id: '11111111-2222-4333-8444-555555555555',
    recipients: [{ extension: '1000', name: 'Reception' }],
    text: 'Перезвоните\u202e',
    takenBy: { user: '1002', name: 'Accounting' },
    takenAt: '2026-12-06T10:00:00.000Z',
  };
  const request = (headers: Record<string, string>, body: string) => ({
    body,
    from: { uri: { user: '1002' }, display_name: 'Accounting' },
    getHeader: (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1],
  });
  const b64url = (s: string) => base64.utf8ToBase64(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

  it('a message (X-Frontdesk-Message) and a receipt go to the inbox, not to the text messages; a header that does not decode stays text', () => {
    const h = harness();
    const got: unknown[] = [];
    h.engine.onStructuredMessage((m) => got.push(m));
    h.ua().emit('newMessage', { originator: 'remote', request: request({ 'X-Frontdesk-Message': b64url(JSON.stringify(message)), 'Content-Type': 'text/plain' }, 'Сообщение для: …') });
    const receipt = { id: message.id, status: 'delivered', by: { user: '1002', name: 'Accounting' }, at: '2026-12-06T10:01:00.000Z' };
    h.ua().emit('newMessage', { originator: 'remote', request: request({ 'Content-Type': 'application/vnd.frontdesk.message-status+json' }, JSON.stringify(receipt)) });
    h.ua().emit('newMessage', { originator: 'remote', request: request({ 'X-Frontdesk-Message': 'not-a-message', 'Content-Type': 'text/plain' }, 'plain words') });
    expect(got).toEqual([
      { kind: 'message', from: { user: '1002', name: 'Accounting' }, message: expect.objectContaining({ id: message.id, text: 'Перезвоните' }) },
      { kind: 'status', from: { user: '1002', name: 'Accounting' }, status: expect.objectContaining({ status: 'delivered' }) },
    ]);
    expect(h.engine.getSnapshot().messages.map((m) => m.body)).toEqual(['plain words']);
  });
});
