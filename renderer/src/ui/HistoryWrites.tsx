import { useSyncExternalStore } from 'react';
import type { CallReporter } from '../callReporter';

/** Says when calls are not in the history yet (the services refused or could not be reached), and offers to try again now. */
export function HistoryWritesNotice({ history }: { history: Pick<CallReporter, 'subscribe' | 'writes' | 'retryNow'> }) {
  const { pending, problem } = useSyncExternalStore(history.subscribe, history.writes);
  if (pending === 0 || problem === null) return null;
  return (
    <div role="alert" aria-label="History not saved" className="notice notice--error">
      {pending === 1 ? '1 call is' : `${pending} calls are`} not in the history yet ({problem}). Frontdesk keeps trying, and keeps{' '}
      {pending === 1 ? 'it' : 'them'} if the window closes.{' '}
      <button type="button" className="btn" onClick={() => history.retryNow()}>
        Try again now
      </button>
    </div>
  );
}
