import { memo, useCallback, useEffect, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { CallLogPage, CallOutcome, CallRecord } from '../../../common/callLog';
import { clockTime, formatDuration, formatNumber, shortDateTime } from './format';
import { causeText } from '../sip/causes';
import { errorText, useLocale } from '../i18n';
import { CallRecordings } from './Recording';
import { useClock } from './clock';
import { useStableCallback } from './stableCallback';

/** "14:05" today, "3 Mar, 14:05" before (`today` is Date#toDateString of now). */
function when(iso: string, today: string, locale: string): string {
  const d = new Date(iso);
  return d.toDateString() === today ? clockTime(d, locale) : shortDateTime(d, locale);
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
  const { t, locale } = useLocale();
  const number = formatNumber(record.remoteNumber, region);
  const who = record.remoteName && record.remoteName !== record.remoteNumber ? `${record.remoteName}, ${number}` : number;
  const unseen = record.outcome === 'missed' && !record.seen;
  const details = [
    record.direction === 'inbound' ? t('history.incoming') : t('history.outgoing'),
    t(`history.outcome.${record.outcome as CallOutcome}`) + (record.endCause && (record.outcome === 'failed' || record.outcome === 'rejected') ? ` (${causeText(t, record.endCause)})` : ''),
    record.transferredTo ? t('history.transferredTo', { who: record.transferredTo }) : null,
    record.transferredFrom ? t('history.handedOverBy', { who: record.transferredFrom }) : null,
    record.durationMs !== null ? formatDuration(record.durationMs, locale) : null,
    when(record.startedAt, today, locale),
  ].filter(Boolean);
  return (
    <li className={`history__row history__row--${record.outcome}${unseen ? ' history__row--unseen' : ''}`} aria-label={`${who}: ${details.join(', ')}`}>
      <span className="history__who">{who}</span>
      <span className="history__details">{details.join(' · ')}</span>
      {record.handoffNote && (
        <details className="history__note">
          <summary>{t('history.handoffNote')}</summary>
          <p>{record.handoffNote}</p>
        </details>
      )}
      <span className="history__actions">
        <button type="button" className="btn btn--small" onClick={() => onCallBack(record.remoteNumber)} aria-label={t('history.callBackLabel', { who })}>
          {t('history.callBack')}
        </button>
        <button type="button" className="btn btn--small" onClick={() => onTakeMessage(record)} aria-label={t('history.takeMessageLabel', { who })}>
          {t('call.takeMessage')}
        </button>
        {record.recordingId && <CallRecordings api={api} query={{ conversationId: record.conversationId }} who={who} />}
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
  // The rows get one callback for good, whatever the parent passes.
  const callBack = useStableCallback(onCallBack);
  const takeMessage = useStableCallback(onTakeMessage);
  const { t } = useLocale();
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
        (e: Error) => setError(errorText(e)),
      );
    },
    [api],
  );

  useEffect(() => {
    const timer = setTimeout(() => load(search), search ? 150 : 0);
    return () => clearTimeout(timer);
  }, [search, load]);
  useEffect(() => api.calls.onChanged(() => load(search)), [api, load, search]);

  const missed = page?.missedUnseen ?? 0;
  // (its own clock: App does not draw the history again every second)
  const today = useClock(60_000).toDateString();
  const markSeen = () => {
    if (missed > 0) void api.calls.markMissedSeen({ through: new Date().toISOString() }).catch(() => undefined);
  };

  return (
    <section className="history" aria-labelledby="history-heading" onFocus={markSeen}>
      <h2 id="history-heading" className="history__heading">
        {t('history.title')}
        {missed > 0 && (
          <span className="badge" role="img" aria-label={t('history.missed', { count: missed })}>
            {missed}
          </span>
        )}
      </h2>
      <label htmlFor="history-search" className="visually-hidden">
        {t('history.search')}
      </label>
      <input
        id="history-search"
        type="search"
        placeholder={t('history.searchPlaceholder')}
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        autoComplete="off"
      />
      {error && <p role="alert">{t('history.cannotRead', { error })}</p>}
      {page && page.records.length === 0 && <p className="history__empty">{search ? t('history.noMatch') : t('lastCalls.none')}</p>}
      <ul className="history__list" aria-label={t('history.list')}>
        {page?.records.map((r) => <Row key={r.id} api={api} record={r} region={region} today={today} onCallBack={callBack} onTakeMessage={takeMessage} />)}
      </ul>
    </section>
  );
}
