import type { FrontdeskApi } from '../../common/contract';
import { outcomeForEndReason, type CallRecordInput } from '../../common/callLog';
import { handoffText } from '../../common/transfer';
import type { Call } from './sip/callMachine';
import type { SipEngine } from './sip/engine';

/**
 * Writes every call that ends into the history. A report that fails (services restarting) is
 * retried with backoff, so an ended call is not lost from the history.
 */
export function toRecord(call: Call, localUser: string): CallRecordInput | null {
  if (call.phase !== 'ended' || call.endedAt === null || call.endReason === null) return null;
  const iso = (ms: number) => new Date(ms).toISOString();
  const outcome = outcomeForEndReason(call.endReason, call.direction);
  return {
    direction: call.direction,
    localUser,
    remoteNumber: call.remote.number || 'anonymous',
    remoteName: call.remote.displayName,
    dialledNumber: call.dialled,
    sipCallId: call.sipCallId,
    startedAt: iso(call.startedAt),
    // Only an answered (or failed-after-answer) call keeps its answer time.
    answeredAt: call.answeredAt !== null && (outcome === 'answered' || outcome === 'failed') ? iso(call.answeredAt) : null,
    endedAt: iso(call.endedAt),
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

export function reportEndedCalls(engine: SipEngine, api: FrontdeskApi, onError: (message: string) => void): () => void {
  const reported = new Set<string>();
  const send = (record: CallRecordInput, attempt = 0) => {
    api.calls.record(record).catch((error: Error) => {
      if (attempt >= 6) {
        onError(`A call could not be written to the history: ${error.message}`);
        return;
      }
      setTimeout(() => send(record, attempt + 1), 500 * 2 ** attempt);
    });
  };
  return engine.subscribe(() => {
    const { calls, account } = engine.getSnapshot();
    if (!account) return;
    for (const id of calls.order) {
      const call = calls.calls[id]!;
      if (call.phase !== 'ended' || reported.has(id)) continue;
      reported.add(id);
      const record = toRecord(call, account.user);
      if (record) send(record);
    }
  });
}
