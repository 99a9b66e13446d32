import { i18n } from '../i18n';
import type { HandoffNote } from '../../../common/transfer';

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
  | 'transferred' // handed on to a colleague (this desk dropped out)
  | 'replaced' // the caller took this call's place (INVITE with Replaces): the call goes on as another
  | 'failed'; // network, media or protocol failure

export interface Party {
  /** The user part of the SIP URI: an extension or a phone number. */
  number: string;
  displayName: string | null;
}

/** A note that came with this call from a colleague who is handing the caller over. */
export interface ReceivedHandoff {
  note: HandoffNote;
  kind: 'warm' | 'blind';
  /** Where it came in: on the INVITE, as a SIP MESSAGE, or carried over from a replaced call. */
  via: 'invite' | 'message' | 'replaces';
}

/** A transfer of this call (the caller's leg) that the agent started here. */
export interface TransferAttempt {
  kind: 'warm' | 'blind';
  target: Party;
  note: HandoffNote;
  /** The consultation call to the colleague (warm), once placed. */
  consultId: string | null;
  /**
   * consulting: the caller is held, the colleague's phone rings or they talk;
   * completing: REFER sent, waiting for the caller's phone to report the outcome;
   * failed: it did not happen, `problem` says why; the caller is back with the agent (or, when
   * the caller's phone refused REFER, still on hold while the agent talks to the colleague).
   */
  stage: 'consulting' | 'completing' | 'failed';
  problem: string | null;
  /** The colleague could not take the caller: offer to take a message for them. */
  offerMessage: boolean;
  /** The caller's phone refused REFER: the agent may fall back to a blind transfer or keep the call. */
  referRefused: boolean;
  since: number;
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
  /**
   * The far end holds the call (its last offer was sendonly or inactive). Kept apart from the
   * phase, so a call held on both sides and resumed here becomes 'remote-held', not 'active'.
   */
  remoteHeld: boolean;
  /** Something the agent should know about this call right now ("Hold failed…"), or null. */
  notice: string | null;
  /** The caller's journey across agents: the same id on every leg, here and at colleagues'. */
  conversationId: string;
  /** Transfers this caller has been through to reach this leg. */
  transfers: number;
  /**
   * Who the call is about: the caller. The remote party, except on a consultation call, where
   * the remote party is the colleague (or the agent handing over) and the subject is the caller.
   */
  subject: Party;
  /** This call is the consultation call of a warm transfer of call `consultFor` (the caller's leg). */
  consultFor: string | null;
  /** The note a colleague handed over with this call. */
  handoff: ReceivedHandoff | null;
  /** A transfer of this call in progress (or just failed). */
  transfer: TransferAttempt | null;
  /** Where the call went (the colleague), once it was transferred. */
  transferredTo: Party | null;
  /** The call this one replaced (INVITE with Replaces). */
  replaced: string | null;
  /** Who sent this call here by a transfer: the INVITE's Referred-By (RFC 3892), when it had one. */
  referredBy: Party | null;
}

/** What the engine may say about a call that starts, beyond the basics. */
export interface CallOrigin {
  conversationId?: string;
  transfers?: number;
  subject?: Party;
  consultFor?: string | null;
  handoff?: ReceivedHandoff | null;
  replaced?: string | null;
  referredBy?: Party | null;
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
      origin?: CallOrigin;
    }
  | { type: 'dial'; id: string; remote: Party; at: number; sipCallId?: string | null; origin?: CallOrigin }
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
  | { type: 'forget'; id: string }
  /** The agent starts a warm or blind transfer of this call (the caller's leg). */
  | { type: 'transfer-start'; id: string; kind: 'warm' | 'blind'; target: Party; note: HandoffNote; at: number }
  /** The consultation call for this call's warm transfer was placed. */
  | { type: 'transfer-consult'; id: string; consultId: string }
  /** REFER sent: the caller's phone is being asked to go to the colleague. */
  | { type: 'transfer-completing'; id: string; at: number }
  /** The transfer did not happen; the caller stays with the agent. */
  | { type: 'transfer-failed'; id: string; problem: string; offerMessage?: boolean; referRefused?: boolean; at: number }
  /** The agent dismissed a failed transfer (or cancelled one in progress). */
  | { type: 'transfer-clear'; id: string }
  /** A handoff note arrived for this call after it started ringing (SIP MESSAGE). */
  | { type: 'handoff'; id: string; handoff: ReceivedHandoff; conversationId?: string; transfers?: number };

export interface CallsState {
  calls: Readonly<Record<string, Call>>;
  /** Call ids, oldest first. */
  order: readonly string[];
}

export const emptyCalls: CallsState = { calls: {}, order: [] };

const live = (phase: CallPhase) => phase !== 'ended';

type PhaseEvent = Exclude<
  CallEvent['type'],
  'incoming' | 'dial' | 'forget' | 'mute' | 'notice' | 'transfer-start' | 'transfer-consult' | 'transfer-completing' | 'transfer-failed' | 'transfer-clear' | 'handoff'
>;

/** Which phases each event may move a call out of. Anything else is ignored (and reported). */
const allowed: Record<PhaseEvent, readonly CallPhase[]> = {
  'remote-ringing': ['dialing', 'ringing-out'],
  answer: ['ringing-in'],
  confirmed: ['answering', 'dialing', 'ringing-out'],
  hold: ['active', 'remote-held'],
  resume: ['held'],
  'remote-hold': ['active', 'remote-held', 'held'],
  'remote-resume': ['remote-held', 'held', 'active'],
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
      const origin = event.origin ?? {};
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
        remoteHeld: false,
        notice: null,
        conversationId: origin.conversationId ?? event.id,
        transfers: origin.transfers ?? 0,
        subject: origin.subject ?? event.remote,
        consultFor: origin.consultFor ?? null,
        handoff: origin.handoff ?? null,
        transfer: null,
        transferredTo: null,
        replaced: origin.replaced ?? null,
        referredBy: origin.referredBy ?? null,
      });
    }
    case 'transfer-start': {
      // One transfer at a time, of a call that is up; never of a consultation call itself.
      const busy = existing?.transfer && existing.transfer.stage !== 'failed';
      if (!existing || busy || existing.consultFor || !['active', 'held', 'remote-held'].includes(existing.phase)) return ignore();
      return put(state, {
        ...existing,
        transfer: {
          kind: event.kind,
          target: event.target,
          note: event.note,
          consultId: null,
          stage: 'consulting',
          problem: null,
          offerMessage: false,
          referRefused: false,
          since: event.at,
        },
      });
    }
    case 'transfer-consult': {
      const t = existing?.transfer;
      if (!existing || !live(existing.phase) || !t || t.stage !== 'consulting' || t.consultId) return ignore();
      return put(state, { ...existing, transfer: { ...t, consultId: event.consultId } });
    }
    case 'transfer-completing': {
      const t = existing?.transfer;
      if (!existing || !live(existing.phase) || !t || t.stage !== 'consulting') return ignore();
      return put(state, { ...existing, transfer: { ...t, stage: 'completing', since: event.at } });
    }
    case 'transfer-failed': {
      const t = existing?.transfer;
      if (!existing || !t || t.stage === 'failed') return ignore();
      return put(state, {
        ...existing,
        transfer: {
          ...t,
          stage: 'failed',
          problem: event.problem,
          offerMessage: event.offerMessage ?? false,
          referRefused: event.referRefused ?? false,
          since: event.at,
        },
      });
    }
    case 'transfer-clear': {
      if (!existing?.transfer) return ignore();
      return put(state, { ...existing, transfer: null });
    }
    case 'handoff': {
      if (!existing || !live(existing.phase)) return ignore();
      // A note on the INVITE is the structured original; a later MESSAGE adds nothing to it.
      if (existing.handoff && existing.handoff.via !== 'message') return ignore();
      return put(state, {
        ...existing,
        handoff: event.handoff,
        conversationId: event.conversationId ?? existing.conversationId,
        transfers: Math.max(existing.transfers, event.transfers ?? 0),
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
      return put(state, enter(existing, 'held', event.at));
    case 'resume':
      return put(state, enter(existing, existing.remoteHeld ? 'remote-held' : 'active', event.at));
    case 'remote-hold':
    case 'remote-resume': {
      const remoteHeld = event.type === 'remote-hold';
      if (existing.remoteHeld === remoteHeld) return ignore();
      // Held here too: it stays held here, and remembers the far end's state for the resume.
      const phase = existing.phase === 'held' ? 'held' : remoteHeld ? 'remote-held' : 'active';
      return put(state, enter(existing, phase, event.at, { remoteHeld }));
    }
    case 'hangup':
      return put(state, enter(existing, 'ending', event.at));
    case 'ended': {
      // A call the far end ended while we were already hanging up still counts as ours.
      const reason = existing.phase === 'ending' && event.reason === 'hangup-remote' ? 'hangup-local' : event.reason;
      const t = existing.transfer;
      // A caller who was handed on keeps who they went to; a transfer still in progress did not happen.
      const transferredTo = reason === 'transferred' && t ? t.target : existing.transferredTo;
      const transfer = t && reason !== 'transferred' && t.stage !== 'failed' ? { ...t, stage: 'failed' as const, consultId: null, problem: i18n.t('sip.endedBeforeTransfer'), since: event.at } : t;
      return put(
        state,
        enter(existing, 'ended', event.at, { endedAt: event.at, endReason: reason, endCause: event.cause ?? null, notice: null, transferredTo, transfer }),
      );
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
