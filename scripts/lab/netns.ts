/**
 * The lab's network namespace. As root, everything SIP/RTP runs inside a
 * namespace whose only interface is `lo`, so no lab traffic can ever leave the
 * loopback. Without root (a person's own machine) the lab falls back to the
 * host's loopback and says so.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

export const defaultNetnsName = 'frontdesk-lab';

export function labNetnsName(): string {
  const fromEnv = process.env.FRONTDESK_LAB_NETNS;
  const name = fromEnv && fromEnv.trim() !== '' ? fromEnv.trim() : defaultNetnsName;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`Invalid namespace name in FRONTDESK_LAB_NETNS: ${JSON.stringify(name)}`);
  return name;
}

export function netnsPath(name = labNetnsName()): string {
  return `/run/netns/${name}`;
}

let ipAvailableCache: boolean | undefined;
function ipAvailable(): boolean {
  if (ipAvailableCache === undefined) {
    const r = spawnSync('ip', ['-V'], { stdio: 'ignore', timeout: 5000 });
    ipAvailableCache = r.status === 0;
  }
  return ipAvailableCache;
}

/** Root on Linux with iproute2: the lab can run in its own namespace. */
export function canUseNamespace(): boolean {
  return process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && ipAvailable();
}

export function namespaceExists(name = labNetnsName()): boolean {
  return fs.existsSync(netnsPath(name));
}

/** True when the current process already runs in the lab namespace. */
export function insideNamespace(name = labNetnsName()): boolean {
  try {
    const self = fs.statSync('/proc/self/ns/net');
    const ns = fs.statSync(netnsPath(name));
    return self.ino === ns.ino && self.dev === ns.dev;
  } catch {
    return false;
  }
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
}

/** Names of the interfaces in the namespace (as `ip -o link` lists them). */
export function namespaceInterfaces(name = labNetnsName()): string[] {
  const args = insideNamespace(name) ? ['-o', 'link', 'show'] : ['-n', name, '-o', 'link', 'show'];
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${(r.stderr || '').trim()}`);
  return r.stdout
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((n): n is string => Boolean(n));
}

/**
 * Create the namespace if needed and bring `lo` up (idempotent). Refuses to use a
 * namespace that has any interface besides `lo`: the lab must stay loopback-only.
 */
export function ensureNamespace(name = labNetnsName()): void {
  if (!canUseNamespace()) throw new Error('ensureNamespace needs root and iproute2');
  if (!namespaceExists(name)) ip(['netns', 'add', name]);
  if (insideNamespace(name)) ip(['link', 'set', 'lo', 'up']);
  else ip(['-n', name, 'link', 'set', 'lo', 'up']);
  const others = namespaceInterfaces(name).filter((i) => i !== 'lo');
  if (others.length > 0) {
    throw new Error(`Namespace ${name} has interfaces other than lo (${others.join(', ')}); the lab must be loopback-only. Remove them or pick another FRONTDESK_LAB_NETNS.`);
  }
}

export type LabNetMode =
  | { mode: 'namespace'; name: string; inside: boolean }
  | { mode: 'host'; reason: string };

/** Where the lab's network lives for this process. */
export function labNetMode(): LabNetMode {
  const name = labNetnsName();
  if (insideNamespace(name)) return { mode: 'namespace', name, inside: true };
  if (canUseNamespace()) return { mode: 'namespace', name, inside: false };
  const reason = process.platform !== 'linux'
    ? 'not Linux'
    : typeof process.getuid === 'function' && process.getuid() !== 0
      ? 'not running as root'
      : 'iproute2 (ip) not available';
  return { mode: 'host', reason };
}

export function describeNetMode(m: LabNetMode = labNetMode()): string {
  if (m.mode === 'namespace') return `network namespace ${m.name} (loopback only)${m.inside ? ', this process is inside it' : ''}`;
  return `host loopback 127.0.0.1 (no namespace: ${m.reason})`;
}

/**
 * The argv to run `argv` in the lab's network: prefixed with `ip netns exec NAME`
 * when we are root outside the namespace (creating it if needed), unchanged when
 * already inside it or on the host-loopback fallback.
 */
export function inLabNet(argv: string[]): string[] {
  const m = labNetMode();
  if (m.mode === 'namespace' && !m.inside) {
    ensureNamespace(m.name);
    return ['ip', 'netns', 'exec', m.name, ...argv];
  }
  return argv;
}

/** True when this process cannot reach the lab's 127.0.0.1 directly. */
export function needsNamespaceHop(): boolean {
  const m = labNetMode();
  return m.mode === 'namespace' && !m.inside;
}
