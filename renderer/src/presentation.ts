import type { FrontdeskApi } from '../../common/contract';
import { holdPaintWork } from './afterPaint';
import { callerClients, ringsInFromANumber } from './callerLookup';
import type { CallsState } from './sip/callMachine';
import type { EngineSnapshot, SipEngine } from './sip/engine';
import { Listeners } from './store';

/** What the window draws from: the engine's snapshot as the window is to show it. */
export interface CallView {
  subscribe: (listener: () => void) => () => void;
  getSnapshot: () => EngineSnapshot;
}

/** How long a ringing call may wait for its caller's card before it shows without it. */
export const DEFAULT_HOLD_MS = 50;

/** How long a call answered by itself before it showed may wait for its 200 OK and ACK (see presentCalls). */
export const ANSWERING_HOLD_MS = 2000;

/**
 * The engine's snapshot as the window shows it: a call that has just started ringing in is held
 * back until the directory has said who is calling (the lookup callerLookup.ts starts in the
 * INVITE's own task), for at most `holdMs`. The ringing call, the caller's card and the call script
 * chosen for new or returning callers then appear together, in one render and one frame, instead
 * of the ringing call first, the card a frame later, and a "new caller" script replaced by the
 * "returning client" one. The lookup takes a few milliseconds, far below what a person notices;
 * a slow directory delays the ringing call on screen by `holdMs` at most, never the call itself:
 * 180 Ringing has gone out, and the services (call log, lookups, reports) read the engine.
 *
 * A call auto-answer took before it showed ('answering') stays held until it is connected (at most
 * ANSWERING_HOLD_MS): drawing it meanwhile would put a React render in the middle of the answer's
 * making (microphone, offer, answer, candidates), between the 180 and the 200 OK.
 *
 * Everything else passes through at once: other calls, registration, messages, and a held call's
 * own changes once it shows. With nothing held the engine's snapshot itself is returned.
 */
export function presentCalls(
  engine: SipEngine,
  api: FrontdeskApi,
  { holdMs = DEFAULT_HOLD_MS, answeringHoldMs = ANSWERING_HOLD_MS }: { holdMs?: number; answeringHoldMs?: number } = {},
): CallView & { dispose: () => void } {
  const listeners = new Listeners();
  /** Calls already decided on: shown, or held until their lookup answers. */
  const seen = new Set<string>();
  /**
   * Calls held back: the timer that shows each anyway, and the release of its hold on the work put
   * off until the frame that shows it (afterPaint.ts).
   */
  const held = new Map<string, { timer: ReturnType<typeof setTimeout>; releasePaintWork: () => void }>();
  /** Held calls whose lookup is over, waiting to leave 'answering'. */
  const connecting = new Set<string>();
  let source: EngineSnapshot | null = null;
  let current: EngineSnapshot = engine.getSnapshot();

  /** What to show now; the one already shown when nothing visible changed (React redraws on a new snapshot). */
  const present = () => {
    const snap = engine.getSnapshot();
    const next = held.size === 0 ? snap : { ...snap, calls: withoutHeld(snap.calls, held) };
    if (next !== current && !sameView(next, current)) current = next;
  };

  /** Takes in what changed in the engine: new calls ringing in are held for their card. Idempotent. */
  const sync = () => {
    const snap = engine.getSnapshot();
    if (snap === source) return;
    source = snap;
    const { calls } = snap;
    for (const id of calls.order) {
      if (seen.has(id)) continue;
      seen.add(id);
      const call = calls.calls[id]!;
      if (!ringsInFromANumber(call)) continue;
      held.set(id, { timer: setTimeout(() => release(id), holdMs), releasePaintWork: holdPaintWork() });
      void callerClients(api, call).then(() => release(id));
    }
    for (const id of seen) {
      if (calls.calls[id]) continue;
      seen.delete(id);
      unhold(id);
    }
    // (present() below shows them)
    for (const id of connecting) if (calls.calls[id]?.phase !== 'answering') unhold(id);
    present();
  };

  const notifyIfChanged = (before: EngineSnapshot) => {
    if (current === before) return;
    listeners.notify();
  };

  const unhold = (id: string) => {
    const hold = held.get(id);
    clearTimeout(hold?.timer);
    hold?.releasePaintWork();
    held.delete(id);
    connecting.delete(id);
  };

  /** Shows a held call (its lookup answered, or it waited long enough); `force`: even while it is being answered. */
  const release = (id: string, force = false) => {
    if (!held.has(id) || (connecting.has(id) && !force)) return;
    if (!force && engine.getSnapshot().calls.calls[id]?.phase === 'answering') {
      connecting.add(id);
      const hold = held.get(id)!;
      clearTimeout(hold.timer);
      hold.timer = setTimeout(() => release(id, true), answeringHoldMs);
      return;
    }
    unhold(id);
    const before = current;
    present();
    notifyIfChanged(before);
  };

  const off = engine.subscribe(() => {
    const before = current;
    sync();
    notifyIfChanged(before);
  });
  sync();
  return {
    subscribe: listeners.subscribe,
    getSnapshot: () => {
      sync();
      return current;
    },
    dispose: () => {
      off();
      for (const id of [...held.keys()]) unhold(id);
      listeners.clear();
    },
  };
}

/** Whether two views show the same: every part but the calls the very same, and the same call objects in the same order. */
function sameView(a: EngineSnapshot, b: EngineSnapshot): boolean {
  for (const key of Object.keys(a) as (keyof EngineSnapshot)[]) if (key !== 'calls' && a[key] !== b[key]) return false;
  const x = a.calls;
  const y = b.calls;
  return x.order.length === y.order.length && x.order.every((id, i) => y.order[i] === id && x.calls[id] === y.calls[id]);
}

function withoutHeld(calls: CallsState, held: ReadonlyMap<string, unknown>): CallsState {
  const order = calls.order.filter((id) => !held.has(id));
  return { order, calls: Object.fromEntries(order.map((id) => [id, calls.calls[id]!])) };
}
