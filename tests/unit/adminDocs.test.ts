import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseProvisioning } from '../../common/provisioning';
import { defaultSettings, settingKeys } from '../../common/settings';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = readFileSync(path.join(root, 'docs/admin.md'), 'utf8');

describe('docs/admin.md', () => {
  it('its provisioning examples are files Frontdesk accepts', () => {
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const parsed = parseProvisioning(block);
      expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    }
  });
  it('names each desktop setting with its real default', () => {
    for (const key of ['closeToTray', 'startAtLogin', 'bringToFrontOnCall', 'autoUpdate', 'updateFeedUrl'] as const) {
      expect(settingKeys).toContain(key);
      expect(doc).toContain(`| \`${key}\` | \`${JSON.stringify(defaultSettings[key])}\` |`);
    }
  });
});
