/**
 * How soon Frontdesk is registered again after the PBX has been away: Kamailio is stopped for
 * `--down` seconds (default 60: long enough for any backoff to reach its longest step), started
 * again, and the time from "Kamailio is listening" to the page saying "Registered" is measured,
 * `--runs` times (default 3). Goal (the "nothing is lost" issue): within 5 s, every time.
 *
 *   npm run bench:reconnect [-- --down 60 --runs 3]
 *
 * Runs inside the lab's network namespace (the npm script enters it). Prints figures; asserts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { startHost } from '../../main/host/server';
import { chromiumArgs, chromiumPath } from '../chromium';
import { labStateDir } from '../lab/config';
import { clearRegistrations, startKamailio, startLab, stopKamailio, stopLab } from '../lab/lab';
import { runName } from '../lab/sipp';
import { writeLabProvisioning } from '../provision';
import { log, positiveArg } from './args';
import { atCleanup, runBench } from './cleanup';
import { summarize } from './stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = positiveArg;

await runBench(async () => {
  const downS = arg('down', 60);
  const runs = arg('runs', 3);
  const dir = path.join(labStateDir(), 'bench', runName('reconnect'));
  fs.mkdirSync(dir, { recursive: true });
  const lab = await startLab({ log });
  if (!lab.alreadyRunning) atCleanup('lab', () => stopLab({ log }));
  else await clearRegistrations().catch(() => undefined);

  const host = await startHost({
    rendererDir: path.join(root, 'dist/renderer'),
    dataDir: path.join(dir, 'data'),
    provisioningFile: writeLabProvisioning('1000', path.join(dir, 'provisioning.json')),
    port: 0,
    version: 'bench',
  });
  atCleanup('Frontdesk host', () => host.close());
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs({ fakeMedia: true }) });
  atCleanup('Chromium', () => browser.close());
  const page = await browser.newPage();
  atCleanup('page', () => page.goto('about:blank').catch(() => undefined));
  await page.goto(host.url);
  const registration = page.getByRole('status', { name: 'Registration' });
  await registration.filter({ hasText: 'Registered as 1000' }).waitFor({ timeout: 30_000 });
  log(`registered; ${runs} outages of ${downS} s (load average ${os.loadavg()[0]!.toFixed(2)})`);

  const seconds: number[] = [];
  for (let run = 1; run <= runs; run++) {
    await stopKamailio({ log: () => undefined });
    await registration.filter({ hasText: 'Not registered' }).waitFor({ timeout: 30_000 });
    await new Promise((r) => setTimeout(r, downS * 1000));
    await startKamailio({ log: () => undefined });
    const back = Date.now();
    await registration.filter({ hasText: 'Registered as 1000' }).waitFor({ timeout: 120_000 });
    const s = (Date.now() - back) / 1000;
    seconds.push(s);
    log(`outage ${run}: registered again ${s.toFixed(2)} s after Kamailio was back`);
  }
  const s = summarize(seconds)!;
  console.log(`\nRe-registration after a ${downS} s PBX outage (${s.n} runs): median ${s.p50.toFixed(2)} s, worst ${s.max.toFixed(2)} s; goal ≤ 5 s every time: ${s.max <= 5 ? 'met' : 'NOT met'}`);
});
