/** Calls, an engine and a directory for the renderer's unit tests: only what the code under test reads. */
import type { FrontdeskApi } from '../../common/contract';
import type { Client } from '../../common/directory';
import { emptyCalls, reduceCalls, type Call } from './sip/callMachine';
import type { EngineSnapshot, SipEngine } from './sip/engine';

/** A call as the call machine makes it (from 1000's point of view), then put in `phase`. */
export function testCall(id: string, number: string, phase: Call['phase'] = 'ringing-in', direction: Call['direction'] = 'inbound'): Call {
  const remote = { number, displayName: null };
  const sipCallId = `${id}@pbx`;
  const made = reduceCalls(emptyCalls, direction === 'inbound' ? { type: 'incoming', id, remote, dialled: '1000', sipCallId, at: 0 } : { type: 'dial', id, remote, sipCallId, at: 0 });
  return { ...made.calls[id]!, phase };
}

/** An engine with only what the renderer's helpers use: a snapshot of its calls (a new one on each change, as the engine's), and who listens. */
export function fakeEngine() {
  const listeners = new Set<() => void>();
  let snapshot: EngineSnapshot = {
    account: { user: '1000', domain: 'lab.test', displayName: null },
    registration: { state: 'registered', since: 0 },
    calls: { calls: {}, order: [] },
    messages: [],
  };
  const engine = {
    subscribe: (l: () => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getSnapshot: () => snapshot,
  } as unknown as SipEngine;
  const publish = (next: EngineSnapshot) => {
    snapshot = next;
    for (const l of [...listeners]) l();
  };
  return {
    engine,
    /** The engine's calls are now these, oldest first. */
    set(next: Call[]) {
      publish({ ...snapshot, calls: { calls: Object.fromEntries(next.map((c) => [c.id, c])), order: next.map((c) => c.id) } });
    },
    /** Something other than the calls changed (the registration, a text message). */
    touch() {
      publish({ ...snapshot });
    },
  };
}

export function fakeApi(answer: (number: string) => Promise<Client[]>) {
  const asked: string[] = [];
  const api = {
    directory: {
      findByNumber: ({ number }: { number: string }) => {
        asked.push(number);
        return answer(number);
      },
    },
  } as unknown as FrontdeskApi;
  return { api, asked };
}

