/** Process helpers for the lab: pid files, /proc inspection, bounded waits, group kills. */
import fs from 'node:fs';
import { spawn } from 'node:child_process';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = s.indexOf('(');
    const close = s.lastIndexOf(')');
    const rest = s.slice(close + 2).split(' ');
    return { pid, comm: s.slice(open + 1, close), state: rest[0] ?? '?', ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/** Running (not gone, not a zombie). */
export function isAlive(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

export function procCmdline(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return undefined;
  }
}

export function allPids(): number[] {
  try {
    return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** Live processes whose argv[0] basename is `binary` and whose argv mentions `marker`. */
export function findProcesses(binary: string, marker: string): number[] {
  return allPids().filter((pid) => {
    if (pid === process.pid || !isAlive(pid)) return false;
    const argv = procCmdline(pid);
    if (!argv || argv.length === 0) return false;
    const base = argv[0]!.split('/').pop();
    return base === binary && argv.some((a) => a.includes(marker));
  });
}

/** Live members of a process group. */
export function groupMembers(pgid: number): number[] {
  return allPids().filter((pid) => {
    const st = procStat(pid);
    return st !== undefined && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X';
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

/**
 * SIGTERM the given processes (and their process groups when they lead one),
 * wait up to `graceMs`, then SIGKILL what is left and wait again. Returns the
 * pids still alive at the end (should be none).
 */
export async function terminate(pids: number[], graceMs = 5000, killWaitMs = 3000): Promise<number[]> {
  const leaders = pids.filter((pid) => procStat(pid)?.pgrp === pid);
  const everything = (): number[] => {
    const set = new Set<number>();
    for (const pid of pids) if (isAlive(pid)) set.add(pid);
    for (const l of leaders) for (const m of groupMembers(l)) set.add(m);
    set.delete(process.pid);
    return [...set];
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (everything().length > 0 && Date.now() < deadline) await sleep(100);
  let left = everything();
  if (left.length === 0) return [];
  for (const pid of left) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + killWaitMs;
  while ((left = everything()).length > 0 && Date.now() < killDeadline) await sleep(100);
  return left;
}

/** Start a long-running daemon detached (own process group), output appended to `logFile`. */
export function spawnDaemon(argv: string[], logFile: string, cwd: string): number {
  const fd = fs.openSync(logFile, 'a');
  try {
    fs.writeSync(fd, `\n===== ${new Date().toISOString()} starting: ${argv.join(' ')}\n`);
    const child = spawn(argv[0]!, argv.slice(1), { cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${argv[0]}`);
    child.on('error', () => {
      /* reported through the readiness wait */
    });
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

export function tailFile(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n').trim();
  } catch {
    return '(no log)';
  }
}
