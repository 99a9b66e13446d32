import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startHost } from '../main/host/server';
import { buildAll } from './build';
import { chromiumArgs, chromiumPath } from './chromium';
import { testTones } from './lab/audio';
import { placeCall } from './lab/caller';
import { labStateDir } from './lab/config';
import { startLab, stopLab } from './lab/lab';
import { inLabNet, needsNamespaceHop } from './lab/netns';
import { writeLabProvisioning } from './provision';
import { electronBinary } from './start';

/**
 * `npm run demo`: the lab, Frontdesk provisioned as extension 1000, and one ringing call from an
 * outside caller (+7 495 123-45-67). Electron where its binary exists, else the browser host in
 * Chromium; with no display, Chromium runs headless, answers, and saves screenshots.
 * As root, everything runs inside the lab's loopback-only namespace.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (needsNamespaceHop()) {
  // Re-run this script inside the lab's network namespace.
  const argv = inLabNet([process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)]);
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}

const from = '+74951234567';
const headed = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && !process.argv.includes('--headless');

console.log('Building Frontdesk…');
await buildAll({ quiet: true });
console.log('Starting the lab…');
await startLab();
const stateDir = labStateDir();
const provisioning = writeLabProvisioning('1000', path.join(stateDir, 'provisioning/1000.json'));
console.log(`Provisioned extension 1000 (Reception): ${provisioning}`);

let cleanup: () => Promise<void> = async () => undefined;
const stopAll = async (code = 0) => {
  await cleanup().catch(() => undefined);
  await stopLab().catch(() => undefined);
  process.exit(code);
};
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const electron = electronBinary();
  if (electron && headed) {
    console.log('Starting Frontdesk (Electron)…');
    const args = [root, `--provisioning=${provisioning}`, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
    const app = spawn(electron, args, { stdio: 'inherit', env: { ...process.env, FRONTDESK_DATA_DIR: path.join(stateDir, 'demo-data') } });
    cleanup = async () => void app.kill();
    await new Promise((r) => setTimeout(r, 5000));
    console.log(`Ringing extension 1000 from ${from}. Answer it in Frontdesk; close the window to end the demo.`);
    void placeCall({ from, to: '1000' }).result.then((o) => console.log(`The caller's side ended: ${o.ended}`));
    await new Promise((r) => app.once('exit', r));
  } else {
    const host = await startHost({
      rendererDir: path.join(root, 'dist/renderer'),
      dataDir: path.join(stateDir, 'demo-data'),
      provisioningFile: provisioning,
      port: 0,
      version: 'demo',
      scriptSamplesDir: path.join(root, 'main/services/call-scripts'),
    });
    console.log(`Frontdesk (browser host) is serving at ${host.url}`);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: !headed,
      args: [...chromiumArgs({ fakeMedia: !headed }), ...(headed ? [`--app=${host.url}`] : [])],
    });
    cleanup = async () => {
      await browser.close();
      await host.close();
    };
    const page = browser.contexts()[0]?.pages()[0] ?? (await browser.newPage());
    if (page.url() !== host.url) await page.goto(host.url);
    await page.getByRole('status', { name: 'Registration' }).filter({ hasText: 'Registered as 1000' }).waitFor({ timeout: 20_000 });
    console.log(`Registered. Ringing extension 1000 from ${from}…`);
    const call = placeCall({ from, to: '1000' });
    const card = page.getByRole('article', { name: /^Call from/ });
    await card.getByRole('button', { name: 'Answer' }).waitFor({ timeout: 20_000 });
    if (headed) {
      console.log('It rings: press Answer (Alt+A) and you hear the caller. Close the window to end the demo.');
      await new Promise((r) => browser.on('disconnected', r));
    } else {
      const shots = path.join(stateDir);
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, 'demo-ringing.png') });
      console.log(`No display: answering in headless Chromium. Screenshot of the ringing call: ${path.join(shots, 'demo-ringing.png')}`);
      await card.getByRole('button', { name: 'Answer' }).click();
      await card.filter({ hasText: 'Connected' }).waitFor();
      await new Promise((r) => setTimeout(r, 4000));
      const stats = await page.evaluate(() =>
        (window as unknown as { frontdeskDiagnostics: { mediaStats(): Promise<{ packetsSent: number; packetsReceived: number }[]> } }).frontdeskDiagnostics.mediaStats(),
      );
      console.log(`Connected for 4 s: ${stats[0]?.packetsReceived ?? 0} RTP packets received from the caller, ${stats[0]?.packetsSent ?? 0} sent.`);
      const heard = call.rtp().heard;
      console.log(
        heard.toneHz === testTones.agent
          ? `The caller hears the agent's (fake) microphone: ${heard.toneHz} Hz at ${heard.rmsDbfs.toFixed(0)} dBFS.`
          : `The caller does not hear the agent's microphone (${heard.samples === 0 ? 'nothing arrives' : `silence or noise at ${heard.rmsDbfs.toFixed(0)} dBFS`}).`,
      );
      await page.screenshot({ path: path.join(shots, 'demo-answered.png') });
      await card.getByRole('button', { name: 'Hang up' }).click();
      console.log(`Hung up; the caller's side ended with: ${(await call.result).ended}`);
    }
  }
  await stopAll(0);
} catch (error) {
  console.error(`The demo failed: ${(error as Error).message}`);
  await stopAll(1);
}
