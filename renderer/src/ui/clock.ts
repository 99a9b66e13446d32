import { useEffect, useState } from 'react';

/** Ticks every `ms`, so what a component shows by the time ("overdue", "today") follows the clock. */
export function useClock(ms: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
