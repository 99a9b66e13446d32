import { describe, expect, it, vi } from 'vitest';
import { CallReporter, toRecord } from './callReporter';
import { lookUpCallersAsTheyRing } from './callerLookup';
import { fakeEngine, testCall } from './testCalls';

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

/** The services' journal of calls going on (noteOpen / closeOpen), recording what it is told. */
const journal = (noted: unknown[] = [], closed: string[] = []) => ({
  noteOpen: (r: unknown) => (noted.push(r), Promise.resolve(null)),
  closeOpen: ({ localUser }: { localUser: string }) => (closed.push(localUser), Promise.resolve(0)),
});

describe('a call going on is noted, so a crash does not lose it', () => {
  it('noted when it starts, when it is answered, and every 10 s while it lasts; an earlier page\'s open calls are closed first', async () => {
    vi.useFakeTimers({ now: 60_000 });
    try {
      const fake = fakeEngine();
      const noted: { outcome: string; answeredAt: string | null; endedAt: string }[] = [];
      const closed: string[] = [];
      new CallReporter(fake.engine, { calls: { ...journal(noted as unknown[], closed), record: () => Promise.resolve({}) } } as never, null, () => undefined);
      fake.set([testCall('call-1', '+74951234567', 'ringing-in')]);
      expect(closed).toEqual(['1000']);
      await vi.advanceTimersByTimeAsync(0);
      expect(noted).toHaveLength(1);
      expect(noted[0]).toMatchObject({ outcome: 'interrupted', answeredAt: null });
      fake.set([{ ...testCall('call-1', '+74951234567', 'active'), answeredAt: 61_000 }]);
      await vi.advanceTimersByTimeAsync(0);
      expect(noted).toHaveLength(2);
      expect(noted[1]!.answeredAt).toBe(new Date(61_000).toISOString());
      fake.set([{ ...testCall('call-1', '+74951234567', 'active'), answeredAt: 61_000, muted: true }]); // nothing the history keeps changed
      await vi.advanceTimersByTimeAsync(0);
      expect(noted).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(noted).toHaveLength(3);
      expect(Date.parse(noted[2]!.endedAt)).toBe(70_000);
      expect(closed).toEqual(['1000']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the note does not hold up the ringing call\'s card', () => {
  it('leaves after the directory lookup asked for in the same change, even by a later subscriber', async () => {
    const fake = fakeEngine();
    const sent: string[] = [];
    const api = {
      calls: { noteOpen: () => (sent.push('calls.noteOpen'), Promise.resolve(null)), closeOpen: () => Promise.resolve(0), record: () => Promise.resolve({}) },
      directory: { findByNumber: () => (sent.push('directory.findByNumber'), Promise.resolve([])) },
    };
    new CallReporter(fake.engine, api as never, null, () => undefined);
    lookUpCallersAsTheyRing(fake.engine, api as never);
    fake.set([testCall('call-1', '+74951234567', 'ringing-in')]);
    expect(sent).toEqual(['directory.findByNumber']);
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual(['directory.findByNumber', 'calls.noteOpen']);
  });
});

describe('every call that ends reaches the history, however long it takes', () => {
  const memoryStore = () => {
    const items = new Map<string, string>();
    return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
  };

  it('a write that fails is shown, kept and retried until it is written', async () => {
    vi.useFakeTimers();
    try {
      const fake = fakeEngine();
      let fail = true;
      const written: string[] = [];
      const api = { calls: { ...journal(), record: (r: { sipCallId: string }) => (fail ? Promise.reject(new Error('the services are restarting')) : (written.push(r.sipCallId), Promise.resolve({}))) } } as never;
      const errors: string[] = [];
      const reporter = new CallReporter(fake.engine, api, memoryStore(), (m) => errors.push(m));
      fake.set([ended()]);
      await vi.advanceTimersByTimeAsync(0);
      expect(reporter.writes()).toEqual({ pending: 1, problem: 'the services are restarting' });
      expect(errors).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(60_000); // attempts go on (not given up after six)
      expect(reporter.writes().pending).toBe(1);
      fail = false;
      await vi.advanceTimersByTimeAsync(30_000);
      expect(written).toEqual(['call-1@pbx']);
      expect(reporter.writes()).toEqual({ pending: 0, problem: null });
    } finally {
      vi.useRealTimers();
    }
  });

  it('calls not written when the page closes are written by the next page', async () => {
    const store = memoryStore();
    const fake = fakeEngine();
    new CallReporter(fake.engine, { calls: { ...journal(), record: () => new Promise(() => undefined) } } as never, store, () => undefined);
    fake.set([ended()]);
    // (the page is closed with the write still open)
    const written: string[] = [];
    const next = new CallReporter(fakeEngine().engine, { calls: { ...journal(), record: (r: { sipCallId: string }) => (written.push(r.sipCallId), Promise.resolve({})) } } as never, store, () => undefined);
    await vi.waitFor(() => expect(written).toEqual(['call-1@pbx']));
    expect(next.writes().pending).toBe(0);
  });
});
