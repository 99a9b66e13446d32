import { describe, expect, it } from 'vitest';
import { toRecord } from './callReporter';
import { testCall } from './testCalls';

/** A call from an outside number that rang, was answered and ended. */
const ended = () => ({ ...testCall('call-1', '+74951234567', 'ended'), answeredAt: 1000, endedAt: 61_000, endReason: 'hangup-remote' as const });

describe('a call as the history keeps it', () => {
  it('says who handed the call over: the colleague of the handoff note, else the Referred-By of an ordinary phone', () => {
    expect(toRecord(ended(), '1001')).toMatchObject({ outcome: 'answered', transferredFrom: null, transfers: 0 });
    expect(toRecord({ ...ended(), transfers: 1, referredBy: { number: '1002', displayName: 'Accounting' } }, '1001')).toMatchObject({
      transferredFrom: 'Accounting (1002)',
      transfers: 1,
    });
    expect(toRecord({ ...ended(), referredBy: { number: '1002', displayName: null } }, '1001')!.transferredFrom).toBe('1002');
  });

  it('is nothing while the call is still on', () => {
    expect(toRecord(testCall('call-2', '+74951234567', 'active'), '1001')).toBeNull();
  });
});
