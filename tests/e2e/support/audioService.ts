import { readdirSync, readFileSync } from 'node:fs';

/**
 * Chromium's audio service (the utility process that runs the audio devices, the fake ones
 * included): holding it up is what a machine too busy to run audio does to the page, made
 * exact. Linux only (/proc), as the e2e suite is.
 */

interface Proc {
  pid: number;
  ppid: number;
  cmdline: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(name), ppid, cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // (gone meanwhile)
    }
  }
  return out;
}

/** The audio service of the Chromium this test process launched (a descendant of it: not another run's). */
export function audioServicePid(): number {
  const all = processes();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const ours = (p: Proc) => {
    for (let q: Proc | undefined = p; q; q = byPid.get(q.ppid)) if (q.ppid === process.pid) return true;
    return false;
  };
  const found = all.filter((p) => p.cmdline.includes('--utility-sub-type=audio.mojom.AudioService') && ours(p));
  if (found.length !== 1) throw new Error(`expected one audio service of this test's Chromium, found ${found.length}`);
  return found[0]!.pid;
}

/** Stops Chromium's audio service for `ms` and lets it go on: no audio is rendered or captured meanwhile. */
export async function holdAudioService(ms: number): Promise<void> {
  const pid = audioServicePid();
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((r) => setTimeout(r, ms));
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}
