import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { query } from '../../../scripts/lab/rtpengine';
import { writeLabProvisioning } from '../../../scripts/provision';
import type { ProvisioningFile } from '../../../common/provisioning';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface HostHandle {
  url: string;
  dataDir: string;
  provisioningFile: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a browser host (the real services) for one agent, with a data dir and port of its own. */
export async function startHost(options: {
  user?: string;
  provisioning?: Partial<ProvisioningFile>;
  rawProvisioning?: string;
  /** Files to place in the data folder before it starts, e.g. { 'call-scripts/x.yaml': '…' }. */
  dataFiles?: Record<string, string>;
  /** Prepares the data folder before the host starts (e.g. clients in the directory). */
  seed?: (dataDir: string) => void;
  /** Starts again on an earlier host's data folder and provisioning (after it was stopped or killed). */
  restartOf?: Pick<HostHandle, 'dataDir' | 'provisioningFile'>;
}): Promise<HostHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), `frontdesk-e2e-${options.user ?? 'x'}-`));
  const provisioningFile = options.restartOf?.provisioningFile ?? path.join(dir, 'provisioning.json');
  if (options.restartOf) {
    // the earlier host's provisioning stays as it was
  } else if (options.rawProvisioning !== undefined) writeFileSync(provisioningFile, options.rawProvisioning);
  else writeLabProvisioning(options.user ?? '1000', provisioningFile, options.provisioning ?? {});
  const dataDir = options.restartOf?.dataDir ?? path.join(dir, 'data');
  for (const [rel, content] of Object.entries(options.dataFiles ?? {})) {
    const file = path.join(dataDir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  options.seed?.(dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'main/host/cli.ts')], {
    cwd: root,
    env: { ...process.env, FRONTDESK_PROVISIONING: provisioningFile, FRONTDESK_DATA_DIR: dataDir, FRONTDESK_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser host did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /Frontdesk is serving at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser host exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    dataDir,
    provisioningFile,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export interface Agent {
  page: Page;
  host: HostHandle;
  /** The element with role "status" that tells the registration state. */
  registration: ReturnType<Page['getByRole']>;
}

/** What the agents fixture takes: the host's options, and the browser's locale (Playwright's default, en-US, when left out). */
export type AgentOptions = Parameters<typeof startHost>[0] & {
  locale?: string;
  /** Prepares the page before Frontdesk loads in it (e.g. `page.addInitScript` for a fake device). */
  beforeOpen?: (page: Page) => Promise<unknown>;
};

export async function openAgent(browser: Browser, options: AgentOptions): Promise<Agent & { close(): Promise<void> }> {
  const host = await startHost(options);
  const context = await browser.newContext(options.locale ? { locale: options.locale } : {});
  await context.addInitScript(recordMicrophones);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${options.user}] page error: ${e.message}`));
  await options.beforeOpen?.(page);
  await page.goto(host.url);
  return {
    page,
    host,
    registration: page.getByRole('status', { name: 'Registration' }),
    async close() {
      // Leaving the page unregisters (pagehide), so the lab does not fork later calls to a dead contact.
      await page.goto('about:blank').catch(() => undefined);
      await context.close();
      await host.stop();
    },
  };
}

/**
 * Runs in every page before its own code (outside the app): keeps each microphone track the page
 * was given, so a test can see whether one is left open (what the browser's capture indicator shows).
 */
function recordMicrophones() {
  const devices = navigator.mediaDevices;
  if (!devices?.getUserMedia) return;
  const tracks: MediaStreamTrack[] = [];
  Object.defineProperty(window, 'e2eMicrophoneTracks', { value: tracks });
  const getUserMedia = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    tracks.push(...stream.getAudioTracks());
    return stream;
  };
}

/** Every microphone track the page has been given: live or ended, enabled or not (what it would send). */
export async function microphoneTracks(page: Page): Promise<{ readyState: string; enabled: boolean }[]> {
  return page.evaluate(() =>
    ((window as unknown as { e2eMicrophoneTracks?: MediaStreamTrack[] }).e2eMicrophoneTracks ?? []).map((t) => ({ readyState: t.readyState, enabled: t.enabled })),
  );
}

export interface MediaStatsRow {
  callId: string;
  sipCallId: string;
  packetsSent: number;
  packetsReceived: number;
  audioEnergyReceived: number;
  /** What the desk's microphone sends on the call: live, muted (silence), off (nothing). */
  microphone: 'live' | 'muted' | 'off' | null;
}

export async function mediaStats(page: Page): Promise<MediaStatsRow[]> {
  return page.evaluate(() => (window as unknown as { frontdeskDiagnostics: { mediaStats(): Promise<MediaStatsRow[]> } }).frontdeskDiagnostics.mediaStats());
}

/** Packets rtpengine received from the WebRTC (Frontdesk) leg and from the plain-RTP leg of a call. */
export async function legsBySide(callId: string): Promise<{ webrtc: number; plain: number }> {
  const stats = await query(callId);
  const isWebrtc = (l: (typeof stats.legs)[number]) => l.medias.some((m) => /SAVP/.test(m.protocol));
  const webrtc = stats.legs.filter(isWebrtc).reduce((a, l) => a + l.packets, 0);
  const plain = stats.legs.filter((l) => !isWebrtc(l)).reduce((a, l) => a + l.packets, 0);
  return { webrtc, plain };
}

/** How much a counter grows over `ms`. */
export async function growth<T>(read: () => Promise<T>, pick: (v: T) => number, ms = 2000): Promise<number> {
  const a = pick(await read());
  await new Promise((r) => setTimeout(r, ms));
  return pick(await read()) - a;
}

/** Crashes a page's renderer process, as a crash would (no pagehide, no BYE). */
export function crashPage(page: Page): void {
  void page
    .context()
    .newCDPSession(page)
    .then((cdp) => cdp.send('Page.crash'))
    .catch(() => undefined);
}

/** The `agents` fixture: opens a Frontdesk for an extension. */
export type OpenAgent = (options: AgentOptions) => Promise<Agent>;
type Fixtures = { agents: OpenAgent };

/** `agents({ user: '1000' })` opens a Frontdesk for that extension; all are closed after the test. */
export const test = base.extend<Fixtures>({
  agents: async ({ browser }, use) => {
    const opened: { close(): Promise<void> }[] = [];
    await use(async (options) => {
      const agent = await openAgent(browser, options);
      opened.push(agent);
      return agent;
    });
    for (const a of opened.reverse()) await a.close();
  },
});
export { expect };
