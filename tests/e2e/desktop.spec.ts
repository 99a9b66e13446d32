import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';
import { answerCalls, placeCall } from '../../scripts/lab/caller';
import { labAccount, pstnGatewayPort } from '../../scripts/lab/config';
import { startCrmServer, fakeCrmConfig } from './support/crmServer';
import { expect, test, type AgentOptions, type OpenAgent } from './support/frontdesk';
import { expectAgentHears, expectSoundBothWays } from './support/sound';

/**
 * Frontdesk as a desktop phone, in the browser host: a hotkey answers, a link handed to the running
 * instance dials after "Call …?", a headset's hook switch (WebHID, a fake device injected at the
 * page boundary) answers and hangs up, and Export diagnostics holds the SIP trace and no secret.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const caller = { from: '+74951234567', label: 'Call from +7 495 123 45 67' };

async function registered(agents: OpenAgent, options: Omit<AgentOptions, 'user'> = {}) {
  const agent = await agents({ user: '1000', ...options });
  await expect(agent.registration).toHaveText(/Registered as 1000/);
  return agent;
}

test('the answer hotkey answers a ringing call with audio both ways, the hang-up hotkey ends it; a media key does not silence the call', async ({ agents }) => {
  const { page } = await registered(agents);
  const call = placeCall({ from: caller.from, to: '1000' });
  const card = page.getByRole('article', { name: caller.label });
  await expect(card).toContainText('Incoming call');

  // The default answer hotkey (CommandOrControl+Shift+F9), pressed while the window has the focus.
  await page.keyboard.press('Control+Shift+F9');
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(page, call, call.callId);

  await page.keyboard.press('MediaPlayPause');
  await expectAgentHears(page, { sipCallId: call.callId, what: 'the agent still hears the caller after Play/Pause' });

  await page.keyboard.press('Control+Shift+F10');
  await expect(card).toContainText('You hung up');
  expect((await call.result).ended).toBe('remote-bye');
});

/** Records whether the window's hotkeys took each keydown (they preventDefault the keys they act on). */
async function watchHotkeys(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { taken: string[] };
    w.taken = [];
    window.addEventListener('keydown', (e) => w.taken.push(`${e.code}:${e.defaultPrevented ? 'taken' : 'left'}`));
  });
  return () => page.evaluate(() => (window as unknown as { taken: string[] }).taken);
}

test('the answer hotkey changed in Settings by pressing the new keys answers a ringing call with audio both ways, the old one no longer does; a conflicting choice is refused beside the row and saves nothing', async ({ agents }) => {
  const { page } = await registered(agents);
  await page.getByRole('button', { name: 'Settings' }).click();
  const group = page.getByRole('region', { name: 'Settings' }).getByRole('group', { name: 'Desktop app' });
  const answerRow = group.getByRole('list', { name: 'Hotkeys' }).getByRole('listitem').filter({ hasText: 'Answer:' });
  const change = group.getByRole('button', { name: 'Change the hotkey for Answer' });
  await expect(answerRow).toContainText('Answer: Ctrl+Shift+F9');

  // Hang up's combination: refused beside the row, naming the action that has it; nothing saved.
  await change.click();
  await expect(change).toHaveAttribute('aria-pressed', 'true');
  await expect(group.getByRole('status').filter({ hasText: 'Press the new combination for Answer' })).toBeVisible();
  await page.keyboard.press('Control+Shift+F10');
  await expect(answerRow.getByRole('alert')).toHaveText('Ctrl+Shift+F10 was not saved: it is already the hotkey for “Hang up”');
  await expect(answerRow).toContainText('Answer: Ctrl+Shift+F9');
  await expect(change).toHaveAttribute('aria-pressed', 'false');

  // Esc cancels; a bare letter and a lone modifier are not a hotkey yet; Ctrl+Alt+K is, and is saved.
  await change.press('Enter');
  await expect(change).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Escape');
  await expect(change).toHaveAttribute('aria-pressed', 'false');
  await change.click();
  await page.keyboard.press('k');
  await page.keyboard.press('Shift');
  await expect(change).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Control+Alt+K');
  await expect(change).toHaveAttribute('aria-pressed', 'false');
  await expect(answerRow).toContainText('Answer: Ctrl+Alt+K — Works while the Frontdesk window is active');
  await expect(answerRow.getByRole('alert')).toHaveCount(0);

  // Without a restart: the old combination leaves a ringing call alone, the new one answers it.
  const taken = await watchHotkeys(page);
  const call = placeCall({ from: caller.from, to: '1000' });
  const card = page.getByRole('article', { name: caller.label });
  await expect(card).toContainText('Incoming call');
  await page.keyboard.press('Control+Shift+F9');
  await page.keyboard.press('Control+Alt+K');
  await expect(card).toContainText('Connected');
  expect(await taken()).toEqual(['ControlLeft:left', 'ShiftLeft:left', 'F9:left', 'ControlLeft:left', 'AltLeft:left', 'KeyK:taken']);
  await expectSoundBothWays(page, call, call.callId);
  await page.keyboard.press('Control+Shift+F10');
  await expect(card).toContainText('You hung up');
  expect((await call.result).ended).toBe('remote-bye');

  // Default puts Ctrl+Shift+F9 back.
  await group.getByRole('button', { name: 'Restore the default hotkey for Answer' }).click();
  await expect(answerRow).toContainText('Answer: Ctrl+Shift+F9');
  await group.getByRole('button', { name: 'Turn off the hotkey for Answer' }).click();
  await expect(answerRow).toContainText('Answer: none — Off');
});

const run = promisify(execFile);
/** `npm run host -- open LINK` for the host serving `dataDir`. */
const openLink = (dataDir: string, link: string) =>
  run(process.execPath, ['--import', 'tsx', path.join(root, 'main/host/cli.ts'), 'open', link], { cwd: root, env: { ...process.env, FRONTDESK_DATA_DIR: dataDir } });

test('a tel: link handed to the running instance asks "Call …?" and dials the outside party on Call; Esc dials nothing; a hostile link is refused; the clipboard hotkey dials', async ({ agents }) => {
  const gateway = answerCalls({ port: pstnGatewayPort, ringMs: 300 });
  try {
    const { page, host } = await registered(agents);

    // Cancelled with Esc: nothing is dialled.
    await openLink(host.dataDir, 'tel:+7-495-765-43-21');
    const ask = page.getByRole('dialog', { name: 'Call +7 495 765 43 21?' });
    await expect(ask).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(ask).toHaveCount(0);
    await expect(page.getByRole('article')).toHaveCount(0);

    // Asked again: the focus is on Call, Tab stays within the dialog, Enter calls.
    await openLink(host.dataDir, 'tel:+7-495-765-43-21');
    const call = ask.getByRole('button', { name: 'Call' });
    await expect(call).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(ask.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(call).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(ask).toHaveCount(0);

    const card = page.getByRole('article', { name: 'Call to +7 495 765 43 21' });
    await expect(card).toContainText('Connected');
    const [received] = await gateway.waitForCalls(1, 10_000);
    expect(received!.requestUri).toContain('+74957654321');
    await expectSoundBothWays(page, { rtp: () => gateway.rtp(received!.callId) }, received!.callId, 'the outside party');
    await card.getByRole('button', { name: 'Hang up' }).click();
    await expect(card).toContainText('You hung up');

    // A link that smuggles a header is refused with the reason, and never asked about.
    await openLink(host.dataDir, 'tel:+7495%0D%0AVia:evil');
    await expect(page.getByRole('alert').filter({ hasText: 'Frontdesk did not call the link' })).toContainText('control or invisible characters');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    expect(gateway.calls()).toHaveLength(1);
    await page.getByRole('alert').getByRole('button', { name: 'Dismiss' }).click();

    // "Call the number in the clipboard" (CommandOrControl+Shift+F8): the agent's own act, no question.
    // (The microphone too: CDP's grant refuses every permission it does not list.)
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write', 'microphone'], { origin: new URL(host.url).origin });
    await page.evaluate(() => navigator.clipboard.writeText('8 (495) 123-45-67'));
    await page.keyboard.press('Control+Shift+F8');
    const fromClipboard = page.getByRole('article', { name: 'Call to +7 495 123 45 67' });
    await expect(fromClipboard).toContainText('Connected');
    await expect.poll(() => gateway.calls().map((c) => c.requestUri).join(' ')).toContain('+74951234567');
    await fromClipboard.getByRole('button', { name: 'Hang up' }).click();
    await expect(fromClipboard).toContainText('You hung up');
  } finally {
    await gateway.stop();
  }
});

/**
 * A Jabra-like headset at the page boundary: navigator.hid offers one device with a Telephony
 * collection — report 1 in: Hook Switch (absolute), Phone Mute (relative), 6 bits padding; report 2
 * out: the Mute, Off-Hook and Ring lights. `window.fakeHeadset.press(bits)` sends an input report;
 * `sent` holds the output reports Frontdesk sent.
 */
function fakeHeadset() {
  const device = Object.assign(new EventTarget(), {
    productName: 'Fake Jabra Evolve2 65',
    vendorId: 0x0b0e,
    productId: 0x0300,
    opened: false,
    collections: [
      {
        usagePage: 0x0b,
        usage: 0x05,
        type: 1,
        children: [],
        featureReports: [],
        inputReports: [
          {
            reportId: 1,
            items: [
              { usages: [0x000b0020], reportSize: 1, reportCount: 1, isAbsolute: true, isArray: false, isRange: false, isConstant: false, logicalMinimum: 0, logicalMaximum: 1 },
              { usages: [0x000b002f], reportSize: 1, reportCount: 1, isAbsolute: false, isArray: false, isRange: false, isConstant: false, logicalMinimum: 0, logicalMaximum: 1 },
              { usages: [], reportSize: 6, reportCount: 1, isConstant: true },
            ],
          },
        ],
        outputReports: [
          {
            reportId: 2,
            items: [
              { usages: [0x00080009], reportSize: 1, reportCount: 1, isAbsolute: true, isArray: false, isRange: false, isConstant: false, logicalMinimum: 0, logicalMaximum: 1 },
              { usages: [0x00080017], reportSize: 1, reportCount: 1, isAbsolute: true, isArray: false, isRange: false, isConstant: false, logicalMinimum: 0, logicalMaximum: 1 },
              { usages: [0x00080018], reportSize: 1, reportCount: 1, isAbsolute: true, isArray: false, isRange: false, isConstant: false, logicalMinimum: 0, logicalMaximum: 1 },
              { usages: [], reportSize: 5, reportCount: 1, isConstant: true },
            ],
          },
        ],
      },
    ],
    sent: [] as { reportId: number; bytes: number[] }[],
    open() {
      device.opened = true;
      return Promise.resolve();
    },
    close() {
      device.opened = false;
      return Promise.resolve();
    },
    sendReport(reportId: number, data: ArrayBufferView) {
      device.sent.push({ reportId, bytes: Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) });
      return Promise.resolve();
    },
  });
  const hid = Object.assign(new EventTarget(), {
    getDevices: () => Promise.resolve([device]),
    requestDevice: () => Promise.resolve([device]),
  });
  Object.defineProperty(Navigator.prototype, 'hid', { configurable: true, get: () => hid });
  (window as unknown as { fakeHeadset: unknown }).fakeHeadset = {
    device,
    press: (bits: number) => device.dispatchEvent(Object.assign(new Event('inputreport'), { device, reportId: 1, data: new DataView(new Uint8Array([bits]).buffer) })),
  };
}

const press = (page: Page, bits: number) => page.evaluate((b) => (window as unknown as { fakeHeadset: { press(b: number): void } }).fakeHeadset.press(b), bits);
const lights = (page: Page) => page.evaluate(() => (window as unknown as { fakeHeadset: { device: { sent: { reportId: number; bytes: number[] }[] } } }).fakeHeadset.device.sent.at(-1) ?? null);

test('a headset\'s hook switch (WebHID) answers a ringing call with audio both ways and hangs it up; its lights follow the call', async ({ agents }) => {
  const { page } = await registered(agents, { beforeOpen: (p) => p.addInitScript(fakeHeadset) });
  await page.getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Headset call buttons' })).toHaveText('Headset call buttons: Fake Jabra Evolve2 65');

  const call = placeCall({ from: caller.from, to: '1000' });
  const card = page.getByRole('article', { name: caller.label });
  await expect(card).toContainText('Incoming call');
  // Ring light on.
  await expect.poll(() => lights(page)).toEqual({ reportId: 2, bytes: [0b100] });

  await press(page, 0b01); // off-hook
  await expect(card).toContainText('Connected');
  await expect.poll(() => lights(page)).toEqual({ reportId: 2, bytes: [0b010] });
  await expectSoundBothWays(page, call, call.callId);

  await press(page, 0b11); // still off-hook, mute pressed
  await expect(card.getByRole('button', { name: 'Unmute' })).toBeVisible();
  await expect.poll(() => lights(page)).toEqual({ reportId: 2, bytes: [0b011] });

  await press(page, 0b00); // on-hook
  await expect(card).toContainText('You hung up');
  expect((await call.result).ended).toBe('remote-bye');
  await expect.poll(() => lights(page)).toEqual({ reportId: 2, bytes: [0] });
});

test('Export diagnostics holds the SIP trace and the versions, and neither the SIP password, a digest response nor the CRM token', async ({ agents }) => {
  const token = 'crm-e2e-secret-7Q9xK2vT';
  const crm = await startCrmServer({ clients: [], token });
  try {
    const { page } = await registered(agents, { provisioning: { crm: fakeCrmConfig(crm.url, { headers: { Authorization: `Bearer ${token}` } }) } });
    const call = placeCall({ from: caller.from, to: '1000', cancelAfterMs: 3000 });
    await expect(page.getByRole('article', { name: caller.label })).toContainText('Incoming call');
    await call.result;
    await expect.poll(() => crm.requests().length).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Settings' }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export diagnostics…' }).click();
    const file = await (await download).path();
    const text = readFileSync(file, 'utf8');
    await expect(page.getByRole('status').filter({ hasText: 'Downloaded frontdesk-diagnostics-' })).toBeVisible();

    expect(text).toContain('REGISTER sip:lab.frontdesk.test SIP/2.0');
    expect(text).toMatch(/^INVITE sip:\S+ SIP\/2\.0$/m);
    expect(text).toContain('From: <sip:+74951234567@');
    expect(text).toMatch(/Authorization: Digest [^\n]*response="\[redacted\]"/);
    expect(text).toMatch(/JsSIP: \d+\.\d+\.\d+/);
    expect(text).toMatch(/Chromium: \d+/);
    expect(text).not.toContain(labAccount('1000').password);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/response="?[0-9a-f]{32}/i);
  } finally {
    await crm.stop();
  }
});

test('the desktop app settings are in Settings by name, say where they act, refuse a bad update address beside the field, show a locked one disabled, and stay after a reload', async ({ agents }) => {
  const { page } = await registered(agents, { provisioning: { settings: { defaultRegion: 'RU', autoUpdate: false }, locked: ['autoUpdate', 'hotkeys'] } });
  const openSettings = async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    return page.getByRole('region', { name: 'Settings' }).getByRole('group', { name: 'Desktop app' });
  };
  let group = await openSettings();
  await expect(group).toContainText('These act in the Frontdesk desktop app');

  const tray = group.getByRole('checkbox', { name: 'Closing the window keeps Frontdesk running in the tray' });
  const login = group.getByRole('checkbox', { name: 'Start Frontdesk when I log in to the computer' });
  const front = group.getByRole('checkbox', { name: 'Bring the window to the front when a call rings' });
  const updates = group.getByRole('checkbox', { name: 'Install updates automatically (never during a call) (set by your administrator)' });
  const feed = group.getByRole('textbox', { name: 'Update address (from your administrator)' });
  await expect(tray).toBeChecked();
  await expect(login).not.toBeChecked();
  await expect(front).toBeChecked();
  await expect(updates).not.toBeChecked();
  await expect(updates).toBeDisabled();

  // By keyboard: Space toggles a focused checkbox.
  await tray.focus();
  await page.keyboard.press('Space');
  await expect(tray).not.toBeChecked();
  await login.focus();
  await page.keyboard.press('Space');
  await expect(login).toBeChecked();
  await front.click();
  await expect(front).not.toBeChecked();

  // A bad address: the schema's message beside the field, what was typed kept; a good one is saved.
  await feed.fill('ftp://updates.example.com/frontdesk/');
  await page.keyboard.press('Tab');
  const problem = group.getByRole('alert');
  await expect(problem).toContainText('must be "" or an http:// or https:// address');
  await expect(feed).toHaveValue('ftp://updates.example.com/frontdesk/');
  await expect(feed).toHaveAttribute('aria-invalid', 'true');
  await feed.fill('https://updates.example.com/frontdesk/');
  await feed.press('Enter');
  await expect(problem).toHaveCount(0);

  // The hotkeys, and what they do here (no global hotkeys in a browser).
  await expect(group.getByRole('list', { name: 'Hotkeys' }).getByRole('listitem').first()).toContainText('Answer: Ctrl+Shift+F9 — Works while the Frontdesk window is active');
  // Locked by the administrator: said, and the buttons are disabled.
  await expect(group).toContainText('Hotkeys (set by your administrator)');
  for (const name of ['Change the hotkey for Answer', 'Turn off the hotkey for Answer', 'Restore the default hotkey for Answer']) await expect(group.getByRole('button', { name })).toBeDisabled();

  await page.reload();
  await expect(page.getByRole('status', { name: 'Registration' })).toHaveText(/Registered as 1000/);
  group = await openSettings();
  await expect(group.getByRole('checkbox', { name: 'Closing the window keeps Frontdesk running in the tray' })).not.toBeChecked();
  await expect(group.getByRole('checkbox', { name: 'Start Frontdesk when I log in to the computer' })).toBeChecked();
  await expect(group.getByRole('checkbox', { name: 'Bring the window to the front when a call rings' })).not.toBeChecked();
  await expect(group.getByRole('checkbox', { name: /Install updates automatically/ })).toBeDisabled();
  await expect(group.getByRole('textbox', { name: 'Update address (from your administrator)' })).toHaveValue('https://updates.example.com/frontdesk/');
});
