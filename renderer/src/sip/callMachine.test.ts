import { describe, expect, it } from 'vitest';
import { emptyCalls, liveCalls, reduceCalls, type CallEvent, type CallsState } from './callMachine';
import { emptyNote } from '../../../common/transfer';

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
    expect(s.calls.b).toMatchObject({ phase: 'held', remoteHeld: false });
  });

  it('held on both sides: resuming here leaves it held by the far end until the far end resumes', () => {
    const s = run([
      { type: 'dial', id: 'b', remote, at: 0 },
      { type: 'confirmed', id: 'b', at: 1 },
      { type: 'hold', id: 'b', at: 2 },
      { type: 'remote-hold', id: 'b', at: 3 },
      { type: 'resume', id: 'b', at: 4 },
    ]);
    expect(s.calls.b).toMatchObject({ phase: 'remote-held', remoteHeld: true });
    expect(reduceCalls(s, { type: 'remote-resume', id: 'b', at: 5 }).calls.b).toMatchObject({ phase: 'active', remoteHeld: false });
    // a repeated far-end hold changes nothing
    expect(reduceCalls(s, { type: 'remote-hold', id: 'b', at: 5 })).toBe(s);
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

describe('call machine: transfers', () => {
  const colleague = { number: '1001', displayName: 'Sales' };
  const note = { ...emptyNote, callerName: 'Oleg', callerNumber: '+74951234567', reason: 'invoice', fromUser: '1000', fromName: 'Reception' };
  const talking: CallEvent[] = [
    { type: 'incoming', id: 'a', remote, at: 0, origin: { conversationId: 'conv-0001' } },
    { type: 'answer', id: 'a', at: 1000 },
    { type: 'confirmed', id: 'a', at: 1200 },
  ];
  const consulting: CallEvent[] = [
    ...talking,
    { type: 'transfer-start', id: 'a', kind: 'warm', target: colleague, note, at: 5000 },
    { type: 'hold', id: 'a', at: 5010 },
    { type: 'dial', id: 'b', remote: colleague, at: 5020, origin: { conversationId: 'conv-0001', subject: remote, consultFor: 'a' } },
    { type: 'transfer-consult', id: 'a', consultId: 'b' },
  ];

  it('a warm transfer: the caller is held, the consultation call is about the caller, completing ends the caller as transferred', () => {
    let s = run(consulting);
    expect(s.calls.a).toMatchObject({ phase: 'held', transfer: { kind: 'warm', stage: 'consulting', consultId: 'b', target: colleague } });
    expect(s.calls.b).toMatchObject({ consultFor: 'a', subject: remote, conversationId: 'conv-0001' });
    s = run(
      [
        { type: 'confirmed', id: 'b', at: 8000 },
        { type: 'transfer-completing', id: 'a', at: 20_000 },
        { type: 'ended', id: 'a', at: 21_000, reason: 'transferred', cause: 'Transferred to Sales (1001)' },
        { type: 'ended', id: 'b', at: 21_000, reason: 'transferred' },
      ],
      s,
    );
    expect(s.calls.a).toMatchObject({ phase: 'ended', endReason: 'transferred', transferredTo: colleague, transfer: { stage: 'completing' } });
    expect(liveCalls(s)).toEqual([]);
  });

  it('one transfer at a time, only of a call that is up, never of the consultation call', () => {
    const s = run(consulting);
    expect(reduceCalls(s, { type: 'transfer-start', id: 'a', kind: 'blind', target: colleague, note, at: 6000 })).toBe(s);
    expect(reduceCalls(s, { type: 'transfer-start', id: 'b', kind: 'warm', target: colleague, note, at: 6000 })).toBe(s);
    const ringing = run([{ type: 'incoming', id: 'r', remote, at: 0 }]);
    expect(reduceCalls(ringing, { type: 'transfer-start', id: 'r', kind: 'warm', target: colleague, note, at: 1 })).toBe(ringing);
  });

  it('a failed transfer says why, offers a message and may be tried again', () => {
    let s = run([
      ...consulting,
      { type: 'ended', id: 'b', at: 9000, reason: 'rejected', cause: '486 Busy Here' },
      { type: 'transfer-failed', id: 'a', problem: 'Sales is busy (486 Busy Here)', offerMessage: true, at: 9000 },
    ]);
    expect(s.calls.a!.transfer).toMatchObject({ stage: 'failed', consultId: 'b', problem: 'Sales is busy (486 Busy Here)', offerMessage: true });
    expect(reduceCalls(s, { type: 'transfer-failed', id: 'a', problem: 'again', at: 9001 })).toBe(s);
    s = run([{ type: 'resume', id: 'a', at: 9100 }, { type: 'transfer-start', id: 'a', kind: 'blind', target: colleague, note, at: 10_000 }], s);
    expect(s.calls.a).toMatchObject({ phase: 'active', transfer: { kind: 'blind', stage: 'consulting', problem: null } });
    expect(run([{ type: 'transfer-clear', id: 'a' }], s).calls.a!.transfer).toBeNull();
  });

  it('the caller hanging up during the consultation ends the transfer, not as transferred', () => {
    const s = run([...consulting, { type: 'ended', id: 'a', at: 7000, reason: 'hangup-remote' }]);
    expect(s.calls.a).toMatchObject({ endReason: 'hangup-remote', transferredTo: null, transfer: { stage: 'failed', problem: 'The call ended before the transfer' } });
    expect(s.calls.b!.phase).toBe('dialing');
  });

  it('the colleague side: a note on the INVITE, a later MESSAGE does not overwrite it; a replacing call inherits', () => {
    const handoff = { note, kind: 'warm' as const, via: 'invite' as const };
    let s = run([{ type: 'incoming', id: 'c', remote: { number: '1000', displayName: 'Reception' }, at: 0, origin: { conversationId: 'conv-0001', transfers: 1, handoff, subject: remote } }]);
    expect(s.calls.c).toMatchObject({ transfers: 1, subject: remote, handoff: { via: 'invite' } });
    expect(reduceCalls(s, { type: 'handoff', id: 'c', handoff: { ...handoff, via: 'message' } })).toBe(s);
    s = run(
      [
        { type: 'answer', id: 'c', at: 1000 },
        { type: 'confirmed', id: 'c', at: 1100 },
        { type: 'incoming', id: 'd', remote, at: 5000, origin: { conversationId: 'conv-0001', transfers: 1, handoff: { ...handoff, via: 'replaces' }, subject: remote, replaced: 'c' } },
        { type: 'answer', id: 'd', at: 5000 },
        { type: 'confirmed', id: 'd', at: 5100 },
        { type: 'ended', id: 'c', at: 5200, reason: 'replaced' },
      ],
      s,
    );
    expect(s.calls.d).toMatchObject({ phase: 'active', replaced: 'c', handoff: { via: 'replaces', note }, conversationId: 'conv-0001' });
    expect(s.calls.c).toMatchObject({ phase: 'ended', endReason: 'replaced' });
  });

  it('a call sent here by a transfer keeps who sent it (Referred-By); others have nobody', () => {
    const accounting = { number: '1002', displayName: 'Accounting' };
    const s = run([
      { type: 'incoming', id: 'f', remote, at: 0, origin: { transfers: 1, referredBy: accounting } },
      { type: 'incoming', id: 'g', remote: { number: '+74957654321', displayName: null }, at: 0 },
    ]);
    expect(s.calls.f).toMatchObject({ referredBy: accounting, transfers: 1 });
    expect(s.calls.g).toMatchObject({ referredBy: null, transfers: 0 });
  });

  it('a note that comes as a MESSAGE is attached to a call without one, with its conversation', () => {
    const s = run([
      { type: 'incoming', id: 'e', remote, at: 0, origin: { conversationId: 'local-1234' } },
      { type: 'handoff', id: 'e', handoff: { note, kind: 'blind', via: 'message' }, conversationId: 'conv-0001', transfers: 2 },
    ]);
    expect(s.calls.e).toMatchObject({ conversationId: 'conv-0001', transfers: 2, handoff: { kind: 'blind' } });
  });
});
