import { useEffect, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { CallOutcome } from '../../../common/callLog';
import type { ClientCard } from '../../../common/directory';
import { describeDue, wrapUpOutcomeLabels } from '../../../common/wrapUp';
import { formatDuration } from './format';
import { CallRecordings } from './Recording';

type LastCall = ClientCard['lastCalls'][number];

const callOutcome: Record<CallOutcome, string> = {
  answered: 'talked',
  missed: 'missed',
  declined: 'declined',
  'answered-elsewhere': 'answered elsewhere',
  rejected: 'not reached',
  'no-answer': 'no answer',
  cancelled: 'cancelled',
  transferred: 'transferred',
  failed: 'failed',
  interrupted: 'interrupted (Frontdesk stopped)',
};

function when(iso: string): string {
  return new Date(iso).toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

function Item({ api, call, now }: { api: FrontdeskApi; call: LastCall; now: Date }) {
  const w = call.wrapUp;
  const outcome = w?.outcome ? wrapUpOutcomeLabels[w.outcome] : w ? 'wrap-up pending' : callOutcome[call.outcome] ?? call.outcome;
  const head = [when(call.startedAt), call.direction === 'inbound' ? 'incoming' : 'outgoing', call.durationMs !== null ? formatDuration(call.durationMs) : null, outcome]
    .filter(Boolean)
    .join(' · ');
  const notes = w?.notes ?? call.notes;
  return (
    <li className="last-calls__item">
      <span className="last-calls__head">{head}</span>
      {notes && <span className="last-calls__notes">{notes}</span>}
      {w?.nextStep && (
        <span className="last-calls__next">
          Next step: {w.nextStep.what} ({describeDue(w.nextStep, now)})
        </span>
      )}
      {call.recordingId && call.sipCallId && <CallRecordings api={api} query={{ sipCallId: call.sipCallId }} who={head} />}
    </li>
  );
}

/** The client card's last calls, newest first, each with the outcome and notes of its wrap-up. */
export function LastCalls({ api, clientId }: { api: FrontdeskApi; clientId: string }) {
  const [calls, setCalls] = useState<{ clientId: string; list: LastCall[] } | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      void api.directory.get({ id: clientId }).then(
        (card) => live && setCalls({ clientId, list: card?.lastCalls ?? [] }),
        () => undefined,
      );
    load();
    const offCalls = api.calls.onChanged(load);
    const offWrapUps = api.wrapUps.onChanged(load);
    return () => {
      live = false;
      offCalls();
      offWrapUps();
    };
  }, [api, clientId]);
  const list = calls?.clientId === clientId ? calls.list : null;
  if (!list) return null;
  const now = new Date();
  return (
    <div className="last-calls">
      <h4>Last calls</h4>
      {list.length === 0 ? (
        <p className="last-calls__none">No calls yet.</p>
      ) : (
        <ul aria-label="Last calls">
          {list.map((c) => (
            <Item key={c.id} api={api} call={c} now={now} />
          ))}
        </ul>
      )}
    </div>
  );
}
