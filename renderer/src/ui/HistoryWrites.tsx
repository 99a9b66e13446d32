import { useSyncExternalStore } from 'react';
import type { CallReporter } from '../callReporter';
import { useLocale } from '../i18n';

/** Says when calls are not in the history yet (the services refused or could not be reached), and offers to try again now. */
export function HistoryWritesNotice({ history }: { history: Pick<CallReporter, 'subscribe' | 'writes' | 'retryNow'> }) {
  const { t } = useLocale();
  const { pending, problem } = useSyncExternalStore(history.subscribe, history.writes);
  if (pending === 0 || problem === null) return null;
  return (
    <div role="alert" aria-label={t('historyWrites.label')} className="notice notice--error">
      {t('historyWrites.text', { count: pending, problem })}{' '}
      <button type="button" className="btn" onClick={() => history.retryNow()}>
        {t('historyWrites.retry')}
      </button>
    </div>
  );
}
