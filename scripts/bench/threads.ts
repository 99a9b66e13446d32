import fs from 'node:fs';

/**
 * CPU time of a set of processes' threads, by thread name (Linux /proc; empty elsewhere): where a
 * benchmark's CPU goes inside Chromium's renderer (its main thread, Web Audio's render thread, the
 * media and codec threads). Threads of one name are added up (a pool's workers share one).
 */
export function threadCpuMs(pids: number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const open = stat.indexOf('(');
        const close = stat.lastIndexOf(')');
        const name = stat.slice(open + 1, close).replace(/\d+$/, '').trim() || '?';
        const fields = stat.slice(close + 2).split(' ');
        // (fields after the name: state is [0]; utime [11], stime [12], in clock ticks of 10 ms)
        const ms = (Number(fields[11]) + Number(fields[12])) * 10;
        out.set(name, (out.get(name) ?? 0) + ms);
      } catch {
        // (the thread ended meanwhile)
      }
    }
  }
  return out;
}

/** What each thread name spent between two readings. */
export function threadDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, ms] of after) out.set(name, ms - (before.get(name) ?? 0));
  return out;
}
