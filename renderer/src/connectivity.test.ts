import { describe, expect, it, vi } from 'vitest';
import { watchConnectivity } from './connectivity';

describe('when to reconnect without waiting', () => {
  it('the network comes back, the connection changes, or the computer wakes from sleep', () => {
    vi.useFakeTimers();
    try {
      const win = new EventTarget();
      const connection = new EventTarget();
      let clock = 0;
      const seen: string[] = [];
      const stop = watchConnectivity((why) => seen.push(why), { window: win as never, connection, tickMs: 5000, now: () => clock });
      win.dispatchEvent(new Event('online'));
      connection.dispatchEvent(new Event('change'));
      clock += 5000;
      vi.advanceTimersByTime(5000); // on time: nothing
      clock += 3 * 3_600_000; // the machine slept three hours
      vi.advanceTimersByTime(5000);
      expect(seen).toEqual(['online', 'network-change', 'wake']);
      stop();
      win.dispatchEvent(new Event('online'));
      expect(seen).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
