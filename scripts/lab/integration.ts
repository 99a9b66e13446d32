/**
 * For the opt-in lab integration tests (`FRONTDESK_LAB_IT=1`): inside a `describe`, starts the lab
 * before its tests (refusing the default namespace: someone's lab may run there) and stops it after
 * them if it started it.
 */
import { afterAll, beforeAll } from 'vitest';
import { restartKamailio, startLab, stopLab } from './lab';
import { defaultNetnsName, labNetnsName } from './netns';

export const labIntegrationEnabled = process.env.FRONTDESK_LAB_IT === '1';

export function useLab(options: { freshKamailio?: boolean } = {}): void {
  let started = false;
  beforeAll(async () => {
    if (labNetnsName() === defaultNetnsName || !process.env.FRONTDESK_LAB_DIR) {
      throw new Error(`Set FRONTDESK_LAB_NETNS (not ${defaultNetnsName}) and FRONTDESK_LAB_DIR for the lab integration tests`);
    }
    started = !(await startLab({ log: () => undefined })).alreadyRunning;
    // registrations, subscriptions and publications of earlier runs gone
    if (options.freshKamailio && !started) await restartKamailio({ log: () => undefined });
  }, 60_000);
  afterAll(async () => {
    if (started) await stopLab({ log: () => undefined });
  }, 60_000);
}
