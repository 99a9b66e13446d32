/**
 * Crossing into the lab namespace from outside it. A process in the root
 * namespace cannot reach the namespace's 127.0.0.1, so small network operations
 * (rtpengine ng requests, SIP/TCP probes, Kamailio RPC) are run by a short-lived
 * helper (`nshop-main.ts`) started with `ip netns exec`. Inside the namespace, or
 * on the host-loopback fallback, callers run the operation directly instead.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './config';
import { inLabNet } from './netns';

const hopMain = path.join(path.dirname(fileURLToPath(import.meta.url)), 'nshop-main.ts');

export type HopOp = 'ng' | 'sipOptions' | 'tcpConnect' | 'rpc' | 'udpSend';

/** Run `op(args)` inside the lab namespace and return its JSON result. */
export function runInLabNet<T>(op: HopOp, args: unknown, timeoutMs = 20_000): Promise<T> {
  const argv = inLabNet([process.execPath, '--import', 'tsx', hopMain]);
  return new Promise<T>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`namespace helper (${op}) timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      let parsed: { ok: boolean; value?: T; error?: string } | undefined;
      try {
        parsed = JSON.parse(line) as { ok: boolean; value?: T; error?: string };
      } catch {
        reject(new Error(`namespace helper (${op}) exited ${code}: ${(err || out).trim().slice(0, 2000)}`));
        return;
      }
      if (parsed.ok) resolve(parsed.value as T);
      else reject(new Error(parsed.error ?? `namespace helper (${op}) failed`));
    });
    child.stdin.end(JSON.stringify({ op, args }));
  });
}
