import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { CallLogPage, CallOutcome, CallRecord } from '../../../common/callLog';
import { formatDuration, formatNumber } from './format';
import { CallRecordings } from './Recording';

const outcomeLabel: Record<CallOutcome, string> = {
  answered: 'Answered',
  missed: 'Missed',
  declined: 'Declined',
  'answered-elsewhere': 'Answered elsewhere',
  rejected: 'Not reached',
  'no-answer': 'No answer',
  cancelled: 'Cancelled',
  transferred: 'Transferred',
  failed: 'Failed',
  interrupted: 'Interrupted (Frontdesk stopped)',
};

// Made once: toLocaleString with options builds a formatter on every call, which a list of 100 rows feels.
const timeFormat = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

/** "14:05" today, "3 Mar, 14:05" before (`today` is Date#toDateString of now). */
function when(iso: string, today: string): string {
  const d = new Date(iso);
  return (d.toDateString() === today ? timeFormat : dateTimeFormat).format(d);
}

type RowProps = { api: FrontdeskApi; record: CallRecord; region: string; today: string; onCallBack: (n: string) => void; onTakeMessage: (r: CallRecord) => void };
const sameRecord = (a: CallRecord, b: CallRecord) => {
  const keys = Object.keys(a) as (keyof CallRecord)[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
};

/**
 * A row is drawn again only when its call record changed: the history re-renders with every call
 * state change (the ringing call included), and formatting 100 numbers would delay the side panel.
 */
const Row = memo(function Row({ api, record, region, today, onCallBack, onTakeMessage }: RowProps) {
  const number = formatNumber(record.remoteNumber, region);
  const who = record.remoteName && record.remoteName !== record.remoteNumber ? `${record.remoteName}, ${number}` : number;
  const unseen = record.outcome === 'missed' && !record.seen;
  const details = [
    record.direction === 'inbound' ? 'Incoming' : 'Outgoing',
    outcomeLabel[record.outcome] + (record.endCause && (record.outcome === 'failed' || record.outcome === 'rejected') ? ` (${record.endCause})` : ''),
    record.transferredTo ? `to ${record.transferredTo}` : null,
    record.transferredFrom ? `handed over by ${record.transferredFrom}` : null,
    record.durationMs !== null ? formatDuration(record.durationMs) : null,
    when(record.startedAt, today),
  ].filter(Boolean);
  return (
    <li className={`history__row history__row--${record.outcome}${unseen ? ' history__row--unseen' : ''}`} aria-label={`${who}: ${details.join(', ')}`}>
      <span className="history__who">{who}</span>
      <span className="history__details">{details.join(' · ')}</span>
      {record.handoffNote && (
        <details className="history__note">
          <summary>Handoff note</summary>
          <p>{record.handoffNote}</p>
        </details>
      )}
      <span className="history__actions">
        <button type="button" className="btn btn--small" onClick={() => onCallBack(record.remoteNumber)} aria-label={`Call back ${who}`}>
          Call back
        </button>
        <button type="button" className="btn btn--small" onClick={() => onTakeMessage(record)} aria-label={`Take a message about the call with ${who}`}>
          Take a message
        </button>
        {record.recordingId && record.sipCallId && <CallRecordings api={api} query={{ sipCallId: record.sipCallId }} who={who} />}
      </span>
    </li>
  );
}, (a, b) => a.api === b.api && a.region === b.region && a.today === b.today && a.onCallBack === b.onCallBack && sameRecord(a.record, b.record));

export function History({ api, region, onCallBack, onTakeMessage }: {
  api: FrontdeskApi;
  region: string;
  onCallBack: (number: string) => void;
  onTakeMessage: (record: CallRecord) => void;
}) {
  // The rows get one callback for good (App passes a new one on every render).
  const callBackRef = useRef(onCallBack);
  const messageRef = useRef(onTakeMessage);
  useLayoutEffect(() => {
    callBackRef.current = onCallBack;
    messageRef.current = onTakeMessage;
  });
  const callBack = useCallback((number: string) => callBackRef.current(number), []);
  const takeMessage = useCallback((r: CallRecord) => messageRef.current(r), []);
  const [page, setPage] = useState<CallLogPage | null>(null);
  const [search, setSearch] = useState('');
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    (text: string) => {
      const term = text.trim();
      api.calls.list(term ? { search: term, limit: 100 } : { limit: 100 }).then(
        (p) => {
          setPage(p);
          setError(null);
        },
        (e: Error) => setError(e.message),
      );
    },
    [api],
  );

  useEffect(() => {
    const t = setTimeout(() => load(search), search ? 150 : 0);
    return () => clearTimeout(t);
  }, [search, load]);
  useEffect(() => api.calls.onChanged(() => load(search)), [api, load, search]);

  const missed = page?.missedUnseen ?? 0;
  const today = new Date().toDateString();
  const markSeen = () => {
    if (missed > 0) void api.calls.markMissedSeen({ through: new Date().toISOString() }).catch(() => undefined);
  };

  return (
    <section className="history" aria-labelledby="history-heading" onFocus={markSeen}>
      <h2 id="history-heading" className="history__heading">
        History
        {missed > 0 && (
          <span className="badge" role="img" aria-label={`${missed} missed ${missed === 1 ? 'call' : 'calls'}`}>
            {missed}
          </span>
        )}
      </h2>
      <label htmlFor="history-search" className="visually-hidden">
        Search history
      </label>
      <input
        id="history-search"
        type="search"
        placeholder="Search by number or name"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        autoComplete="off"
      />
      {error && <p role="alert">The history cannot be read: {error}</p>}
      {page && page.records.length === 0 && <p className="history__empty">{search ? 'No calls match.' : 'No calls yet.'}</p>}
      <ul className="history__list" aria-label="Call history">
        {page?.records.map((r) => <Row key={r.id} api={api} record={r} region={region} today={today} onCallBack={callBack} onTakeMessage={takeMessage} />)}
      </ul>
    </section>
  );
}
