import { startLab, stopLab } from '../../../scripts/lab/lab';
import { canUseNamespace, insideNamespace, labNetnsName } from '../../../scripts/lab/netns';

/**
 * Starts a fresh lab for the suite (a restart forgets the registrations of earlier runs). Where a
 * namespace can be used, the suite must already run inside it (`npm run test:e2e` enters it), so
 * that Chromium's WebRTC can only ever reach loopback.
 */
export default async function globalSetup() {
  if (canUseNamespace() && !insideNamespace()) {
    throw new Error(`Run the end-to-end tests inside the lab's network namespace: "npm run test:e2e" (or "tsx scripts/lab/cli.ts exec -- playwright test"); namespace ${labNetnsName()}.`);
  }
  await stopLab().catch(() => undefined);
  await startLab();
}
