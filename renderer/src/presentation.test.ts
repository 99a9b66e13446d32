import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Client } from '../../common/directory';
import { lookUpCallersAsTheyRing, settledCallerClients } from './callerLookup';
import { afterNextPaint } from './afterPaint';
import { presentCalls } from './presentation';
import { fakeApi, fakeEngine, testCall as call } from './testCalls';

const oleg = { id: 'c1', name: 'Oleg Petrov' } as Client;

/** A directory whose answers the test hands out, one number at a time. */
function heldDirectory() {
  const waiting = new Map<string, (clients: Client[]) => void>();
  const { api, asked } = fakeApi((number) => new Promise<Client[]>((resolve) => waiting.set(number, resolve)));
  return {
    api,
    asked,
    answer: async (number: string, clients: Client[]) => {
      waiting.get(number)!(clients);
      // The lookup's then() and the release after it run in the microtasks that follow.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

const shown = (view: { getSnapshot: () => { calls: { order: readonly string[] } } }) => view.getSnapshot().calls.order;

describe('showing a ringing call together with its caller\'s card', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds a ringing call back until the directory has answered, then shows it with the answer already readable', async () => {
    const { engine, set } = fakeEngine();
    const { api, answer } = heldDirectory();
    lookUpCallersAsTheyRing(engine, api);
    const view = presentCalls(engine, api, { holdMs: 50 });
    const changes: string[][] = [];
    view.subscribe(() => changes.push([...shown(view)]));

    const ringing = call('call-1', '+74951234567');
    set([ringing]);
    expect(shown(view)).toEqual([]);
    expect(changes).toEqual([]); // nothing to draw yet

    await answer('+74951234567', [oleg]);
    expect(shown(view)).toEqual(['call-1']);
    expect(changes).toEqual([['call-1']]);
    // The render that first draws the call can read the card without waiting.
    expect(settledCallerClients(api, ringing)).toEqual([oleg]);
  });

  it('shows the call without its card once holdMs has passed, whatever the directory does', async () => {
    const { engine, set } = fakeEngine();
    const { api, answer } = heldDirectory();
    const view = presentCalls(engine, api, { holdMs: 50 });
    set([call('call-1', '+74951234567')]);
    vi.advanceTimersByTime(49);
    expect(shown(view)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(shown(view)).toEqual(['call-1']);
    expect(settledCallerClients(api, call('call-1', '+74951234567'))).toBeUndefined();
    // The late answer changes nothing in what is shown (the card draws itself when it comes).
    const before = view.getSnapshot();
    await answer('+74951234567', []);
    expect(view.getSnapshot()).toBe(before);
  });

  it('a call auto-answer took before it showed stays held until it is connected (its answer is being made), at most answeringHoldMs', async () => {
    const { engine, set } = fakeEngine();
    const { api, answer } = heldDirectory();
    const view = presentCalls(engine, api, { holdMs: 50, answeringHoldMs: 2000 });
    set([call('call-1', '+74951234567')]);
    set([call('call-1', '+74951234567', 'answering')]);
    await answer('+74951234567', [oleg]);
    vi.advanceTimersByTime(100);
    expect(shown(view)).toEqual([]);
    set([call('call-1', '+74951234567', 'active')]);
    expect(shown(view)).toEqual(['call-1']);

    // an answer that never connects shows anyway
    set([call('call-2', '+74957654321')]);
    set([call('call-2', '+74957654321', 'answering')]);
    await answer('+74957654321', []);
    vi.advanceTimersByTime(1999);
    expect(shown(view)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(shown(view)).toEqual(['call-2']);
  });

  it('does not hold outbound calls, callers without a number, or a call that already shows', async () => {
    const { engine, set } = fakeEngine();
    const { api, asked, answer } = heldDirectory();
    const view = presentCalls(engine, api, { holdMs: 50 });
    set([call('call-1', 'anonymous'), call('call-2', '+74951234567', 'dialing', 'outbound')]);
    expect(shown(view)).toEqual(['call-1', 'call-2']);
    expect(asked).toEqual([]);

    set([call('call-3', '+74957654321')]);
    await answer('+74957654321', []);
    expect(shown(view)).toEqual(['call-3']);
    set([call('call-3', '+74957654321', 'active')]);
    expect(shown(view)).toEqual(['call-3']);
    expect(view.getSnapshot().calls.calls['call-3']!.phase).toBe('active');
  });

  it('lets everything else through while a call is held: other calls, the registration, and the same snapshot when nothing is held', async () => {
    const { engine, set, touch } = fakeEngine();
    const { api, answer } = heldDirectory();
    const view = presentCalls(engine, api, { holdMs: 50 });
    const active = call('call-1', '+74950000001', 'active');
    set([active]);
    expect(view.getSnapshot()).toBe(engine.getSnapshot());

    set([active, call('call-2', '+74951234567')]);
    expect(shown(view)).toEqual(['call-1']);
    // The same view until something changes: React must not see a new snapshot on every read.
    expect(view.getSnapshot()).toBe(view.getSnapshot());
    set([{ ...active, phase: 'held' }, call('call-2', '+74951234567')]);
    expect(view.getSnapshot().calls.calls['call-1']!.phase).toBe('held');
    touch();
    expect(view.getSnapshot().registration).toEqual(engine.getSnapshot().registration);

    await answer('+74951234567', []);
    expect(view.getSnapshot()).toBe(engine.getSnapshot());
  });

  it('forgets a held call that is gone before its card came, and does not notify for it', async () => {
    const { engine, set } = fakeEngine();
    const { api, answer } = heldDirectory();
    const view = presentCalls(engine, api, { holdMs: 50 });
    let notified = 0;
    view.subscribe(() => notified++);
    set([call('call-1', '+74951234567')]);
    set([]);
    await answer('+74951234567', []);
    vi.advanceTimersByTime(100);
    expect(shown(view)).toEqual([]);
    expect(notified).toBe(0);
  });

  it('work put off until after the next paint waits, while a call is held, for the frame after it shows (also when it goes away, or the view does)', async () => {
    const frames: FrameRequestCallback[] = [];
    const page = { requestAnimationFrame: (cb: FrameRequestCallback) => frames.push(cb), document: { visibilityState: 'visible' as const } };
    const { engine, set } = fakeEngine();
    const { api, answer } = heldDirectory();
    const view = presentCalls(engine, api, { holdMs: 50 });

    set([call('call-1', '+74951234567')]);
    afterNextPaint(() => undefined, page); // e.g. the history's note of the ringing call
    expect(frames).toHaveLength(0);
    await answer('+74951234567', [oleg]);
    expect(shown(view)).toEqual(['call-1']);
    expect(frames).toHaveLength(1);

    set([call('call-1', '+74951234567'), call('call-2', '+74957654321')]);
    afterNextPaint(() => undefined, page);
    expect(frames).toHaveLength(1);
    set([call('call-1', '+74951234567')]); // the second caller hung up before the card came
    expect(frames).toHaveLength(2);

    set([call('call-1', '+74951234567'), call('call-3', '+74950000003')]);
    afterNextPaint(() => undefined, page);
    view.dispose();
    expect(frames).toHaveLength(3);
  });
});
