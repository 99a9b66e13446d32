import { describe, expect, it } from 'vitest';
import type { Client } from '../../common/directory';
import { callerClients, lookUpArrivingCaller, lookUpCallersAsTheyRing, settledCallerClients } from './callerLookup';
import { fakeApi, fakeEngine, testCall as call } from './testCalls';

const oleg = { id: 'c1', name: 'Oleg Petrov' } as Client;

describe('looking callers up as they ring', () => {
  it('asks the directory once per ringing caller, as the engine reports the call, and shares the answer', async () => {
    const { engine, set } = fakeEngine();
    const { api, asked } = fakeApi(async () => [oleg]);
    lookUpCallersAsTheyRing(engine, api);
    set([call('call-1', '+74951234567')]);
    expect(asked).toEqual(['+74951234567']); // before anything renders
    set([call('call-1', '+74951234567'), call('call-2', '1001', 'ringing-in')]);
    expect(asked).toEqual(['+74951234567', '1001']);
    // The panel gets the lookup already under way rather than a second one.
    await expect(callerClients(api, call('call-1', '+74951234567'))).resolves.toEqual([oleg]);
    expect(asked).toHaveLength(2);
  });

  it('does not look up calls that do not ring in, or callers without a number; a failed lookup is no card', async () => {
    const { engine, set } = fakeEngine();
    const { api, asked } = fakeApi(() => Promise.reject(new Error('services restarting')));
    lookUpCallersAsTheyRing(engine, api);
    set([call('call-1', 'anonymous'), call('call-2', '+74951234567', 'dialing', 'outbound')]);
    expect(asked).toEqual([]);
    await expect(callerClients(api, call('call-3', '+74957654321'))).resolves.toEqual([]);
  });

  it('forgets a call\'s lookup with the call, and looks a changed number up again', () => {
    const { engine, set } = fakeEngine();
    const { api, asked } = fakeApi(async () => []);
    lookUpCallersAsTheyRing(engine, api);
    set([call('call-1', '+74951234567')]);
    set([]);
    set([call('call-1', '+74951234567')]);
    expect(asked).toEqual(['+74951234567', '+74951234567']);
    set([call('call-1', '+74957654321')]);
    expect(asked).toEqual(['+74951234567', '+74951234567', '+74957654321']);
  });
});

describe('the lookup started as the INVITE arrives', () => {
  it('is the one the call uses when the engine reports it with that number: the directory is asked once', async () => {
    const { engine, set } = fakeEngine();
    const { api, asked } = fakeApi(async () => [oleg]);
    lookUpCallersAsTheyRing(engine, api);
    lookUpArrivingCaller(api, '+74951234567');
    expect(asked).toEqual(['+74951234567']);
    set([call('call-1', '+74951234567')]);
    expect(asked).toEqual(['+74951234567']);
    await expect(callerClients(api, call('call-1', '+74951234567'))).resolves.toEqual([oleg]);
    // already answered when the call came: readable at once, without waiting for a promise
    lookUpArrivingCaller(api, '+74957654321');
    await Promise.resolve();
    await Promise.resolve();
    set([call('call-1', '+74951234567'), call('call-2', '+74957654321')]);
    expect(settledCallerClients(api, call('call-2', '+74957654321'))).toEqual([oleg]);
    expect(asked).toEqual(['+74951234567', '+74957654321']);
  });

  it('is taken once, not by a call with another number, and dropped when no call took it in time; no number, no lookup', () => {
    const { engine, set } = fakeEngine();
    const { api, asked } = fakeApi(async () => []);
    lookUpCallersAsTheyRing(engine, api);
    lookUpArrivingCaller(api, 'anonymous');
    expect(asked).toEqual([]);
    lookUpArrivingCaller(api, '1001', Date.now() - 6_000); // its call never came (refused) within 5 s
    lookUpArrivingCaller(api, '+74951234567');
    set([call('call-1', '1002')]);
    expect(asked).toEqual(['1001', '+74951234567', '1002']);
    set([call('call-1', '1002'), call('call-2', '1001')]);
    expect(asked).toEqual(['1001', '+74951234567', '1002', '1001']);
    set([call('call-3', '+74951234567')]);
    set([call('call-3', '+74951234567'), call('call-4', '+74951234567')]);
    expect(asked).toEqual(['1001', '+74951234567', '1002', '1001', '+74951234567']);
  });
});
