/**
 * Calls as data: each call is in exactly one phase, and every change is an event run through
 * `reduceCalls`. Pure TypeScript (no JsSIP, no DOM) so it is tested on its transitions alone.
 * The SIP engine turns JsSIP's events into these events; React renders the resulting state.
 */

export type CallDirection = 'inbound' | 'outbound';

export type CallPhase =
  | 'ringing-in' // an inbound call rings here
  | 'answering' // the agent pressed Answer; waiting for media and ACK
  | 'dialing' // INVITE sent, no answer from the far end yet
  | 'ringing-out' // the far end rings (180/183)
  | 'active'
  | 'held' // put on hold here
  | 'remote-held' // the far end put us on hold
  | 'ending' // hang-up sent, waiting for the far end
  | 'ended';

export type CallEndReason =
  | 'hangup-local'
  | 'hangup-remote'
  | 'declined' // the agent declined an inbound call
  | 'missed' // the caller gave up (CANCEL) before anyone answered
  | 'answered-elsewhere' // another device of this account took it
  | 'rejected' // the far end rejected an outbound call (busy, 403, 404, 603…)
  | 'no-answer'
  | 'cancelled' // the agent abandoned an outbound call before it was answered
  | 'failed'; // network, media or protocol failure

export interface Party {
  /** The user part of the SIP URI: an extension or a phone number. */
  number: string;
  displayName: string | null;
}

export interface Call {
  id: string;
  direction: CallDirection;
  remote: Party;
  /** The number the caller dialled (the To of an inbound call): which company's line rang. */
  dialled: string | null;
  /** SIP Call-ID, the key a recording or a PBX log is matched by. */
  sipCallId: string | null;
  /** X- headers the PBX put on the INVITE (IVR choice, queue, campaign, lead id…): what came before the call. */
  sipHeaders: Readonly<Record<string, string>>;
  phase: CallPhase;
  /** When the call entered its current phase (ms since epoch): "on hold for 40 s". */
  phaseSince: number;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  endReason: CallEndReason | null;
  /** SIP status or cause behind an end, e.g. "486 Busy Here". */
  endCause: string | null;
  muted: boolean;
  /** Something the agent should know about this call right now ("Hold failed…"), or null. */
  notice: string | null;
}

export type CallEvent =
  | {
      type: 'incoming';
      id: string;
      remote: Party;
      at: number;
      dialled?: string | null;
      sipCallId?: string | null;
      sipHeaders?: Record<string, string>;
    }
  | { type: 'dial'; id: string; remote: Party; at: number; sipCallId?: string | null }
  | { type: 'remote-ringing'; id: string; at: number }
  | { type: 'answer'; id: string; at: number }
  | { type: 'confirmed'; id: string; at: number }
  | { type: 'hold'; id: string; at: number }
  | { type: 'resume'; id: string; at: number }
  | { type: 'remote-hold'; id: string; at: number }
  | { type: 'remote-resume'; id: string; at: number }
  | { type: 'mute'; id: string; muted: boolean }
  | { type: 'notice'; id: string; text: string | null }
  | { type: 'hangup'; id: string; at: number }
  | { type: 'ended'; id: string; at: number; reason: CallEndReason; cause?: string | null }
  | { type: 'forget'; id: string };

export interface CallsState {
  calls: Readonly<Record<string, Call>>;
  /** Call ids, oldest first. */
  order: readonly string[];
}

export const emptyCalls: CallsState = { calls: {}, order: [] };

const live = (phase: CallPhase) => phase !== 'ended';

/** Which phases each event may move a call out of. Anything else is ignored (and reported). */
const allowed: Record<Exclude<CallEvent['type'], 'incoming' | 'dial' | 'forget' | 'mute' | 'notice'>, readonly CallPhase[]> = {
  'remote-ringing': ['dialing', 'ringing-out'],
  answer: ['ringing-in'],
  confirmed: ['answering', 'dialing', 'ringing-out'],
  hold: ['active', 'remote-held'],
  resume: ['held'],
  'remote-hold': ['active'],
  'remote-resume': ['remote-held'],
  hangup: ['ringing-in', 'answering', 'dialing', 'ringing-out', 'active', 'held', 'remote-held'],
  ended: ['ringing-in', 'answering', 'dialing', 'ringing-out', 'active', 'held', 'remote-held', 'ending'],
};

export class IgnoredTransition {
  constructor(
    readonly event: CallEvent,
    readonly phase: CallPhase | null,
  ) {}
}

function put(state: CallsState, call: Call): CallsState {
  const order = state.calls[call.id] ? state.order : [...state.order, call.id];
  return { calls: { ...state.calls, [call.id]: call }, order };
}

function enter(call: Call, phase: CallPhase, at: number, extra: Partial<Call> = {}): Call {
  return { ...call, ...extra, phase, phaseSince: phase === call.phase ? call.phaseSince : at };
}

/**
 * The transition function. Returns the same state object when the event does not apply (a late
 * event for an ended call, an Answer on a call that is no longer ringing), so callers can tell.
 */
export function reduceCalls(state: CallsState, event: CallEvent, onIgnored?: (why: IgnoredTransition) => void): CallsState {
  const existing = state.calls[event.id];
  const ignore = () => {
    onIgnored?.(new IgnoredTransition(event, existing?.phase ?? null));
    return state;
  };

  switch (event.type) {
    case 'incoming':
    case 'dial': {
      if (existing) return ignore();
      return put(state, {
        id: event.id,
        direction: event.type === 'incoming' ? 'inbound' : 'outbound',
        remote: event.remote,
        dialled: event.type === 'incoming' ? (event.dialled ?? null) : null,
        sipCallId: event.sipCallId ?? null,
        sipHeaders: event.type === 'incoming' ? (event.sipHeaders ?? {}) : {},
        phase: event.type === 'incoming' ? 'ringing-in' : 'dialing',
        phaseSince: event.at,
        startedAt: event.at,
        answeredAt: null,
        endedAt: null,
        endReason: null,
        endCause: null,
        muted: false,
        notice: null,
      });
    }
    case 'forget': {
      if (!existing || live(existing.phase)) return ignore();
      const { [event.id]: _gone, ...calls } = state.calls;
      return { calls, order: state.order.filter((id) => id !== event.id) };
    }
    case 'mute': {
      if (!existing || !live(existing.phase) || existing.muted === event.muted) return ignore();
      return put(state, { ...existing, muted: event.muted });
    }
    case 'notice': {
      if (!existing || !live(existing.phase) || existing.notice === event.text) return ignore();
      return put(state, { ...existing, notice: event.text });
    }
    default:
      break;
  }

  if (!existing || !allowed[event.type].includes(existing.phase)) return ignore();

  switch (event.type) {
    case 'remote-ringing':
      return put(state, enter(existing, 'ringing-out', event.at));
    case 'answer':
      return put(state, enter(existing, 'answering', event.at));
    case 'confirmed':
      return put(state, enter(existing, 'active', event.at, { answeredAt: existing.answeredAt ?? event.at }));
    case 'hold':
    case 'remote-hold':
      return put(state, enter(existing, event.type === 'hold' ? 'held' : 'remote-held', event.at));
    case 'resume':
    case 'remote-resume':
      return put(state, enter(existing, 'active', event.at));
    case 'hangup':
      return put(state, enter(existing, 'ending', event.at));
    case 'ended': {
      // A call the far end ended while we were already hanging up still counts as ours.
      const reason = existing.phase === 'ending' && event.reason === 'hangup-remote' ? 'hangup-local' : event.reason;
      return put(state, enter(existing, 'ended', event.at, { endedAt: event.at, endReason: reason, endCause: event.cause ?? null, notice: null }));
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export const isLive = (call: Call) => live(call.phase);
export const liveCalls = (state: CallsState): Call[] =>
  state.order.map((id) => state.calls[id]!).filter((c) => live(c.phase));
