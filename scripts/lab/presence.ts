/**
 * Presence in the lab, from a desk's side: a lab extension over the WebSocket (JsSIP, as Frontdesk)
 * that watches colleagues' `presence` and `dialog` events, or publishes a PIDF, through the lab's
 * Kamailio presence server. The JsSIP part runs in a helper process inside the lab's network
 * (ws-presence-main.ts), so this works from inside the namespace and from outside it.
 *
 *   const w = await watchPresence({ as: '1000', targets: ['1002'] });
 *   await w.waitForState('1002', 'available');
 *   …
 *   await w.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyDialogInfo, colleagueState, noteDialogTimes, parseDialogInfo, parsePidf, type ColleagueState, type ColleagueStateKind, type ColleagueWatch } from '../../common/presence';
import { labAccount, repoRoot } from './config';
import { inLabNet } from './netns';

const helper = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ws-presence-main.ts');

export type PresenceLine =
  | { type: 'registered' }
  | { type: 'response'; target: string; event: 'presence' | 'dialog'; code: number }
  | { type: 'notify'; target: string; event: 'presence' | 'dialog'; final: boolean; body: string; at: number }
  | { type: 'terminated'; target: string; event: 'presence' | 'dialog'; code: number; reason: string | null }
  | { type: 'publish'; code: number; etag?: string | null; cause?: string };

interface HelperProcess {
  lines: PresenceLine[];
  child: ChildProcess;
  waitFor<T extends PresenceLine>(pred: (l: PresenceLine) => l is T, timeoutMs: number, what: string): Promise<T>;
  stop(): Promise<void>;
}

function runHelper(args: object): HelperProcess {
  const argv = inLabNet([process.execPath, '--import', 'tsx', helper, JSON.stringify(args)]);
  const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: PresenceLine[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      try {
        lines.push(JSON.parse(line) as PresenceLine);
      } catch {
        continue;
      }
      for (const w of [...waiters]) w();
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    lines,
    child,
    waitFor<T extends PresenceLine>(pred: (l: PresenceLine) => l is T, timeoutMs: number, what: string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          } else if (child.exitCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`${what}: the presence helper exited (${child.exitCode}): ${stderr.trim()}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${what}: not within ${timeoutMs} ms; got ${JSON.stringify(lines.slice(-5))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin!.end();
      const late = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(late);
    },
  };
}

export interface PresenceWatcher {
  /** Everything the helper reported, in order. */
  lines: PresenceLine[];
  /** What the watching desk would show for a colleague now (as the Colleagues panel decides it). */
  state(target: string, now?: number): ColleagueState;
  /** Waits until a colleague reads `kind`; resolves with the moment (Date.now()) the NOTIFY that made it so arrived. */
  waitForState(target: string, kind: ColleagueStateKind, timeoutMs?: number): Promise<number>;
  /** The final responses to the SUBSCRIBEs of a colleague's event, in order. */
  responses(target: string, event: 'presence' | 'dialog'): number[];
  /** Ends the process without a word to the PBX (a desk that vanished). */
  kill(): void;
  /** Un-SUBSCRIBEs (and un-REGISTERs) and ends. */
  stop(): Promise<void>;
}

/** A lab extension (`as`) watching `targets`' presence and line state over the WebSocket. */
export function watchPresence(opts: { as: string; targets: string[]; events?: Array<'presence' | 'dialog'>; register?: boolean; expiresS?: number }): PresenceWatcher {
  const account = labAccount(opts.as);
  const events = opts.events ?? ['presence', 'dialog'];
  const h = runHelper({
    user: account.user,
    password: account.password,
    register: opts.register ?? true,
    expires: opts.expiresS ?? 600,
    watch: opts.targets.flatMap((target) => events.map((event) => ({ target, event }))),
  });
  const watchOf = (target: string, upTo: number): ColleagueWatch => {
    const w: ColleagueWatch = {
      presence: { status: events.includes('presence') ? 'pending' : 'unavailable', doc: null, reason: null },
      dialog: { status: events.includes('dialog') ? 'pending' : 'unavailable', doc: null, reason: null },
      times: {},
    };
    let firstDialog = true;
    for (const l of h.lines) {
      if (l.type !== 'notify' || l.target !== target || l.at > upTo || (l.final && !l.body)) continue;
      if (l.event === 'presence') w.presence = { status: 'active', doc: l.body ? parsePidf(l.body) : null, reason: null };
      else {
        const parsed = l.body ? parseDialogInfo(l.body) : null;
        const doc = parsed ? applyDialogInfo(w.dialog.doc, parsed) : null;
        w.times = doc ? noteDialogTimes(w.times, doc, l.at, firstDialog) : {};
        w.dialog = { status: 'active', doc, reason: null };
        firstDialog = false;
      }
    }
    return w;
  };
  return {
    lines: h.lines,
    state: (target, now = Date.now()) => colleagueState(watchOf(target, now), now),
    async waitForState(target, kind, timeoutMs = 10_000) {
      const hit = await h.waitFor(
        (l): l is Extract<PresenceLine, { type: 'notify' }> => l.type === 'notify' && l.target === target && colleagueState(watchOf(target, l.at), l.at).kind === kind,
        timeoutMs,
        `${opts.as} waiting for ${target} to read ${kind}`,
      );
      return hit.at;
    },
    responses: (target, event) => h.lines.filter((l): l is Extract<PresenceLine, { type: 'response' }> => l.type === 'response' && l.target === target && l.event === event).map((l) => l.code),
    kill: () => h.child.kill('SIGKILL'),
    stop: () => h.stop(),
  };
}

/** A lab extension (`as`) PUBLISHes a PIDF for `target` (default: itself); resolves with the PBX's answer. */
export async function publishPresence(opts: { as: string; target?: string; body: string; expiresS?: number }): Promise<{ code: number; etag: string | null }> {
  const account = labAccount(opts.as);
  const h = runHelper({ user: account.user, password: account.password, register: false, expires: 600, watch: [], publish: { target: opts.target ?? opts.as, body: opts.body, expires: opts.expiresS ?? 600 } });
  try {
    const r = await h.waitFor((l): l is Extract<PresenceLine, { type: 'publish' }> => l.type === 'publish', 15_000, `PUBLISH by ${opts.as}`);
    return { code: r.code, etag: r.etag ?? null };
  } finally {
    await h.stop();
  }
}
