import { describe, expect, it } from 'vitest';
import { emptyCalls, liveCalls, reduceCalls, type CallEvent, type CallsState } from './callMachine';

const remote = { number: '+74951234567', displayName: 'Oleg' };
const run = (events: CallEvent[], start: CallsState = emptyCalls) => events.reduce((s, e) => reduceCalls(s, e), start);

describe('call machine', () => {
  it('takes an inbound call from ringing to answered to ended by the agent', () => {
    const s = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'answer', id: 'a', at: 3000 },
      { type: 'confirmed', id: 'a', at: 3200 },
      { type: 'hangup', id: 'a', at: 60_000 },
      { type: 'ended', id: 'a', at: 60_100, reason: 'hangup-remote' },
    ]);
    expect(s.calls.a).toMatchObject({ phase: 'ended', direction: 'inbound', answeredAt: 3200, endedAt: 60_100, endReason: 'hangup-local' });
  });

  it('records how long a call has been in its phase', () => {
    const s = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'answer', id: 'a', at: 1000 },
      { type: 'confirmed', id: 'a', at: 1500 },
      { type: 'hold', id: 'a', at: 10_000 },
    ]);
    expect(s.calls.a).toMatchObject({ phase: 'held', phaseSince: 10_000 });
  });

  it('an outbound call rings, is answered and ended by the far end', () => {
    const s = run([
      { type: 'dial', id: 'b', remote: { number: '1001', displayName: null }, at: 0 },
      { type: 'remote-ringing', id: 'b', at: 100 },
      { type: 'remote-ringing', id: 'b', at: 200 },
      { type: 'confirmed', id: 'b', at: 5000 },
      { type: 'ended', id: 'b', at: 9000, reason: 'hangup-remote' },
    ]);
    expect(s.calls.b).toMatchObject({ direction: 'outbound', phase: 'ended', endReason: 'hangup-remote', answeredAt: 5000 });
  });

  it('CANCEL while the agent is answering ends the call as missed', () => {
    const s = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'answer', id: 'a', at: 1000 },
      { type: 'ended', id: 'a', at: 1010, reason: 'missed', cause: 'Canceled' },
    ]);
    expect(s.calls.a).toMatchObject({ phase: 'ended', endReason: 'missed', answeredAt: null });
  });

  it('BYE while holding ends the call from the far end', () => {
    const s = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'answer', id: 'a', at: 1 },
      { type: 'confirmed', id: 'a', at: 2 },
      { type: 'hold', id: 'a', at: 3 },
      { type: 'ended', id: 'a', at: 4, reason: 'hangup-remote' },
    ]);
    expect(s.calls.a).toMatchObject({ phase: 'ended', endReason: 'hangup-remote' });
  });

  it('a 486 on an outbound call is "rejected" and keeps the cause', () => {
    const s = run([
      { type: 'dial', id: 'b', remote, at: 0 },
      { type: 'ended', id: 'b', at: 10, reason: 'rejected', cause: '486 Busy Here' },
    ]);
    expect(s.calls.b).toMatchObject({ endReason: 'rejected', endCause: '486 Busy Here' });
  });

  it('ignores events that do not apply, returning the very same state', () => {
    const ringing = run([{ type: 'incoming', id: 'a', remote, at: 0 }]);
    const ignored: string[] = [];
    for (const e of [
      { type: 'confirmed', id: 'zzz', at: 1 },
      { type: 'hold', id: 'a', at: 1 },
      { type: 'resume', id: 'a', at: 1 },
      { type: 'incoming', id: 'a', remote, at: 1 },
      { type: 'forget', id: 'a' },
    ] satisfies CallEvent[]) {
      expect(reduceCalls(ringing, e, (why) => ignored.push(why.event.type))).toBe(ringing);
    }
    expect(ignored).toEqual(['confirmed', 'hold', 'resume', 'incoming', 'forget']);
  });

  it('a late event after the end changes nothing', () => {
    const ended = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'ended', id: 'a', at: 5, reason: 'missed' },
    ]);
    expect(reduceCalls(ended, { type: 'answer', id: 'a', at: 6 })).toBe(ended);
    expect(reduceCalls(ended, { type: 'ended', id: 'a', at: 7, reason: 'failed' })).toBe(ended);
  });

  it('keeps several calls apart, in the order they came', () => {
    const s = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'answer', id: 'a', at: 1 },
      { type: 'confirmed', id: 'a', at: 2 },
      { type: 'incoming', id: 'b', remote: { number: '+74957654321', displayName: null }, at: 3 },
      { type: 'remote-hold', id: 'a', at: 4 },
    ]);
    expect(s.order).toEqual(['a', 'b']);
    expect(liveCalls(s).map((c) => `${c.id}:${c.phase}`)).toEqual(['a:remote-held', 'b:ringing-in']);
  });

  it('forgets only ended calls', () => {
    const s = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'ended', id: 'a', at: 1, reason: 'missed' },
      { type: 'forget', id: 'a' },
    ]);
    expect(s).toEqual(emptyCalls);
  });

  it('mute is independent of the phase and of hold', () => {
    const s = run([
      { type: 'dial', id: 'b', remote, at: 0 },
      { type: 'confirmed', id: 'b', at: 1 },
      { type: 'mute', id: 'b', muted: true },
      { type: 'hold', id: 'b', at: 2 },
      { type: 'resume', id: 'b', at: 3 },
    ]);
    expect(s.calls.b).toMatchObject({ phase: 'active', muted: true });
  });
});

describe('hold that collides (491) or fails', () => {
  it('goes back to active when the engine rolls the hold back, and can hold again later', () => {
    const s = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'answer', id: 'a', at: 1 },
      { type: 'confirmed', id: 'a', at: 2 },
      { type: 'hold', id: 'a', at: 10 },
      // 491 Request Pending: the engine restores the previous state, mutes, and says why
      { type: 'resume', id: 'a', at: 11 },
      { type: 'mute', id: 'a', muted: true },
      { type: 'notice', id: 'a', text: 'Hold failed (491 Request Pending)' },
      // the retry succeeds
      { type: 'hold', id: 'a', at: 14 },
      { type: 'notice', id: 'a', text: null },
    ]);
    expect(s.calls.a).toMatchObject({ phase: 'held', muted: true, notice: null, phaseSince: 14 });
  });

  it('a far-end hold while we hold ourselves keeps the call held here', () => {
    const s = run([
      { type: 'dial', id: 'b', remote, at: 0 },
      { type: 'confirmed', id: 'b', at: 1 },
      { type: 'remote-hold', id: 'b', at: 2 },
      { type: 'hold', id: 'b', at: 3 },
      { type: 'remote-resume', id: 'b', at: 4 },
    ]);
    expect(s.calls.b?.phase).toBe('held');
  });

  it('a notice for an ended call is dropped', () => {
    const ended = run([
      { type: 'incoming', id: 'a', remote, at: 0 },
      { type: 'ended', id: 'a', at: 1, reason: 'missed' },
    ]);
    expect(reduceCalls(ended, { type: 'notice', id: 'a', text: 'late' })).toBe(ended);
  });

  it('a 487 after the agent cancelled an outbound call is "cancelled"', () => {
    const s = run([
      { type: 'dial', id: 'b', remote, at: 0 },
      { type: 'remote-ringing', id: 'b', at: 1 },
      { type: 'hangup', id: 'b', at: 2 },
      { type: 'ended', id: 'b', at: 3, reason: 'cancelled', cause: '487 Request Terminated' },
    ]);
    expect(s.calls.b).toMatchObject({ endReason: 'cancelled', endCause: '487 Request Terminated' });
  });
});
