/**
 * Tells the SIP engine when to reconnect without waiting for its backoff: the browser says the
 * network is back ('online', or the connection type changed), or the computer has just woken up
 * (a timer that fires far later than it should: the machine slept).
 */
export interface ConnectivityEvents {
  addEventListener(type: 'online', listener: () => void): void;
  removeEventListener(type: 'online', listener: () => void): void;
}

export function watchConnectivity(
  onChange: (why: 'online' | 'network-change' | 'wake') => void,
  options: { window?: ConnectivityEvents; connection?: EventTarget | null; tickMs?: number; now?: () => number } = {},
): () => void {
  const tickMs = options.tickMs ?? 5_000;
  const now = options.now ?? (() => Date.now());
  const online = () => onChange('online');
  const changed = () => onChange('network-change');
  options.window?.addEventListener('online', online);
  options.connection?.addEventListener('change', changed);
  let last = now();
  const timer = setInterval(() => {
    const at = now();
    // A tick three times late: the process was frozen (sleep, hibernation), not merely busy.
    if (at - last > 3 * tickMs) onChange('wake');
    last = at;
  }, tickMs);
  return () => {
    clearInterval(timer);
    options.window?.removeEventListener('online', online);
    options.connection?.removeEventListener('change', changed);
  };
}
