import type { FrontdeskApi } from '../../common/contract';
import { outcomeForEndReason, type CallRecordInput } from '../../common/callLog';
import { handoffText } from '../../common/transfer';
import type { Call } from './sip/callMachine';
import type { SipEngine } from './sip/engine';
import { Store } from './store';
import { afterNextPaint } from './afterPaint';
import { errorText } from './i18n';

/**
 * Writes every call that ends into the history. A report that fails (services restarting) is
 * retried with backoff, so an ended call is not lost from the history.
 */
export function toRecord(call: Call, localUser: string): CallRecordInput | null {
  if (call.phase !== 'ended' || call.endedAt === null || call.endReason === null) return null;
  return recordOf(call, localUser, outcomeForEndReason(call.endReason, call.direction), call.endedAt);
}

/** A call going on, as the history would keep it were Frontdesk to stop at `now` ("interrupted"); null without a Call-ID. */
export function toOpenRecord(call: Call, localUser: string, now: number): CallRecordInput | null {
  if (call.phase === 'ended' || call.sipCallId === null) return null;
  return recordOf(call, localUser, 'interrupted', Math.max(now, call.startedAt));
}

function recordOf(call: Call, localUser: string, outcome: CallRecordInput['outcome'], endedAt: number): CallRecordInput {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    direction: call.direction,
    localUser,
    remoteNumber: call.remote.number || 'anonymous',
    remoteName: call.remote.displayName,
    dialledNumber: call.dialled,
    sipCallId: call.sipCallId,
    startedAt: iso(call.startedAt),
    // Only an answered (or failed-after-answer, or interrupted) call keeps its answer time.
    answeredAt: call.answeredAt !== null && (outcome === 'answered' || outcome === 'failed' || outcome === 'interrupted') ? iso(call.answeredAt) : null,
    endedAt: iso(endedAt),
    outcome,
    endCause: call.endCause,
    conversationId: call.conversationId,
    transfers: call.transfers,
    transferredFrom: call.handoff
      ? partyText(call.handoff.note.fromName, call.handoff.note.fromUser)
      : call.referredBy
        ? partyText(call.referredBy.displayName, call.referredBy.number)
        : null,
    transferredTo: call.transferredTo ? partyText(call.transferredTo.displayName, call.transferredTo.number) : null,
    handoffNote: call.handoff ? handoffText(call.handoff.note, call.handoff.kind) : call.transferredTo && call.transfer ? handoffText(call.transfer.note, call.transfer.kind) : null,
  };
}

const partyText = (name: string | null, number: string) => (name ? `${name} (${number})` : number) || null;

/** What the agent is told while calls wait to be written to the history. */
export interface HistoryWrites {
  /** Calls not in the history yet. */
  pending: number;
  /** Why the last write failed (null while none has, or once all are written). */
  problem: string | null;
}

/** A place that outlives the page (localStorage), for the calls not written yet. */
export interface PendingStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const pendingKey = 'frontdesk.unsavedCalls';
/** How often a call going on is noted again (the most a crash can take off its recorded length). */
const openNoteEveryMs = 10_000;
/** Backoff between attempts: 0.5 s doubling, at most 30 s; it never gives up while the page is open. */
const retryDelayMs = (attempt: number) => Math.min(30_000, 500 * 2 ** attempt);

/**
 * Writes every call that ends into the history. A write that fails (services restarting, a record
 * refused) is kept — in `store` too, so a reload does not lose it — retried with backoff for as
 * long as the page is open, and shown to the agent (`writes()`); the services treat a second
 * report of the same SIP call as the same record, so a retry never writes a call twice.
 */
export class CallReporter {
  private readonly reported = new Set<string>();
  private pending: { key: string; record: CallRecordInput }[] = [];
  private problem: string | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sending = false;
  private readonly view = new Store<HistoryWrites>({ pending: 0, problem: null });
  /** Live calls noted in the services, by what was noted (to note only changes between heartbeats). */
  private readonly noted = new Map<string, string>();
  private localUser: string | null = null;

  constructor(
    private readonly engine: SipEngine,
    private readonly api: FrontdeskApi,
    private readonly store: PendingStore | null,
    private readonly onError: (message: string) => void,
  ) {
    try {
      const saved = JSON.parse(store?.getItem(pendingKey) ?? '[]') as unknown;
      if (Array.isArray(saved)) this.pending = saved.filter((p): p is { key: string; record: CallRecordInput } => typeof p?.key === 'string' && typeof p?.record === 'object');
    } catch {
      // an unreadable list is no list
    }
    engine.subscribe(() => {
      const { calls, account } = engine.getSnapshot();
      if (!account) return;
      if (this.localUser !== account.user) {
        // A new page (or account): calls an earlier page left open when it died are closed now.
        this.localUser = account.user;
        void this.api.calls.closeOpen({ localUser: account.user }).catch(() => undefined);
      }
      // Once the window has drawn the change: a ringing call's directory lookup leaves for the
      // services first (they answer in order), and its card is drawn before the note is checked
      // and sent (which cost the first caller's card 2–6 ms). A frame is nothing to a crash.
      afterNextPaint(() => this.noteOpenCalls(false));
      let added = false;
      for (const id of calls.order) {
        const call = calls.calls[id]!;
        if (call.phase !== 'ended' || this.reported.has(id)) continue;
        this.reported.add(id);
        const record = toRecord(call, account.user);
        if (!record) continue;
        this.pending.push({ key: `${id}@${record.startedAt}`, record });
        added = true;
      }
      if (added) {
        this.changed();
        this.flush();
      }
    });
    if (this.pending.length > 0) this.flush();
    setInterval(() => this.noteOpenCalls(true), openNoteEveryMs);
  }

  /**
   * Each call going on is noted in the services as it would be recorded were Frontdesk to stop now:
   * when it starts, when it changes (answered, transferred…) and every `openNoteEveryMs` while it
   * lasts, so a crash loses at most that much of it (see CallLogService.noteOpen).
   */
  private noteOpenCalls(heartbeat: boolean) {
    const { calls, account } = this.engine.getSnapshot();
    if (!account) return;
    const live = new Set<string>();
    for (const id of calls.order) {
      const call = calls.calls[id]!;
      if (call.phase === 'ended') continue;
      live.add(id);
      const shape = `${call.phase}|${call.answeredAt}|${call.transfers}|${call.transferredTo?.number ?? ''}|${call.sipCallId}`;
      if (!heartbeat && this.noted.get(id) === shape) continue;
      this.noted.set(id, shape);
      const record = toOpenRecord(call, account.user, Date.now());
      if (record) void this.api.calls.noteOpen(record).catch(() => undefined);
    }
    for (const id of this.noted.keys()) if (!live.has(id)) this.noted.delete(id);
  }

  subscribe = this.view.subscribe;
  writes = this.view.get;

  /** Tries the calls not written yet now, without waiting for the next attempt. */
  retryNow() {
    this.attempt = 0;
    this.flush();
  }

  private changed() {
    try {
      this.store?.setItem(pendingKey, JSON.stringify(this.pending));
    } catch {
      // storage full or unavailable: the retry in memory still runs
    }
    const next = { pending: this.pending.length, problem: this.pending.length > 0 ? this.problem : null };
    const view = this.view.get();
    if (next.pending !== view.pending || next.problem !== view.problem) this.view.set(next);
  }

  private flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.sending) return;
    const next = this.pending[0];
    if (!next) return;
    this.sending = true;
    this.api.calls.record(next.record).then(
      () => {
        this.sending = false;
        this.pending = this.pending.filter((p) => p !== next);
        this.attempt = 0;
        if (this.pending.length === 0) this.problem = null;
        this.changed();
        this.flush();
      },
      (error: Error) => {
        this.sending = false;
        this.problem = errorText(error);
        if (this.attempt === 0) this.onError(`A call could not be written to the history yet: ${error.message}`);
        this.changed();
        this.timer = setTimeout(() => this.flush(), retryDelayMs(this.attempt++));
      },
    );
  }
}
