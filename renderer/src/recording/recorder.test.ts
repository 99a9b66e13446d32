import { describe, expect, it } from 'vitest';
import type { Call, ReceivedHandoff } from '../sip/callMachine';
import { policyRecords, segmentOf, type RecordingPolicy } from './recorder';

const policy = (p: Partial<RecordingPolicy>): RecordingPolicy => ({ recordingPolicy: 'on-demand', recordingLines: [], recordingConsent: 'none', recordingAgentMayStop: true, ...p });
const call = (c: Partial<Pick<Call, 'direction' | 'dialled' | 'consultFor'>>) => ({ direction: 'inbound' as const, dialled: null, consultFor: null, ...c });

describe('what the policy records by itself', () => {
  it('off and on demand: nothing; all: every call; inbound / outbound: by direction', () => {
    expect(policyRecords(call({}), policy({ recordingPolicy: 'off' }))).toBe(false);
    expect(policyRecords(call({}), policy({ recordingPolicy: 'on-demand' }))).toBe(false);
    expect(policyRecords(call({ direction: 'outbound' }), policy({ recordingPolicy: 'all' }))).toBe(true);
    expect(policyRecords(call({ direction: 'inbound' }), policy({ recordingPolicy: 'inbound' }))).toBe(true);
    expect(policyRecords(call({ direction: 'outbound' }), policy({ recordingPolicy: 'inbound' }))).toBe(false);
    expect(policyRecords(call({ direction: 'outbound' }), policy({ recordingPolicy: 'outbound' }))).toBe(true);
  });

  it('by dialled line: the digits of the line the caller dialled, however either is written', () => {
    const lines = policy({ recordingPolicy: 'lines', recordingLines: ['8 800 555-35-35', '1000'] });
    expect(policyRecords(call({ dialled: '88005553535' }), lines)).toBe(true);
    expect(policyRecords(call({ dialled: '1000' }), lines)).toBe(true);
    expect(policyRecords(call({ dialled: '1001' }), lines)).toBe(false);
    expect(policyRecords(call({ dialled: null }), lines)).toBe(false);
  });
});

describe('which segment of the conversation a call is', () => {
  const reception = { number: '1000', displayName: 'Reception' };
  const caller = { number: '+74951234567', displayName: null };
  const warm = (via: ReceivedHandoff['via']): ReceivedHandoff => ({ kind: 'warm', via, note: { reason: 'Invoice', refs: '', subject: null } as unknown as ReceivedHandoff['note'] });

  it("the caller's own leg; a consultation on the side handing over (it has the caller's leg) and at the colleague (a note about someone else)", () => {
    expect(segmentOf({ consultFor: null, handoff: null, subject: caller, remote: caller })).toBe('call');
    expect(segmentOf({ consultFor: 'call-1', handoff: null, subject: caller, remote: { number: '1001', displayName: 'Sales' } })).toBe('consultation');
    expect(segmentOf({ consultFor: null, handoff: warm('invite'), subject: caller, remote: reception })).toBe('consultation');
  });

  it('the caller reaching the colleague (replacing the consultation, or sent blind) is the call again', () => {
    expect(segmentOf({ consultFor: null, handoff: warm('replaces'), subject: caller, remote: caller })).toBe('call');
    expect(segmentOf({ consultFor: null, handoff: { ...warm('invite'), kind: 'blind' }, subject: caller, remote: caller })).toBe('call');
  });
});
