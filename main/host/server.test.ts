import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHost } from './server';
import { HANDOFF_FILE, HANDOFF_HEADER, handOffLink } from './handoff';

let host: Awaited<ReturnType<typeof startHost>>;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'frontdesk-host-'));
  const rendererDir = path.join(root, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Frontdesk</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'secret.txt'), 'do not serve');
  host = await startHost({ rendererDir, dataDir: path.join(root, 'data'), provisioningFile: null, port: 0, version: 'test' });
});
afterAll(async () => host.close());

function call(origin: string, frame: unknown, token: string | null = host.bridgeToken): Promise<{ opened: boolean; reply?: unknown; closeCode?: number }> {
  return new Promise((resolve) => {
    const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(`${host.url.replace('http', 'ws')}bridge${query}`, { origin });
    let opened = false;
    ws.on('open', () => {
      opened = true;
      ws.send(JSON.stringify(frame));
    });
    ws.on('message', (d) => {
      resolve({ opened, reply: JSON.parse(String(d)) });
      ws.close();
    });
    ws.on('close', (code) => resolve({ opened, closeCode: code }));
    ws.on('error', () => resolve({ opened }));
  });
}

describe('browser host', () => {
  it('serves the renderer with a strict CSP', async () => {
    const res = await fetch(host.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<title>Frontdesk</title>');
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt']) {
      const res = await fetch(host.url.replace(/\/$/, '') + p);
      expect(await res.text()).not.toContain('do not serve');
    }
  });

  it('answers contract calls from its own page', async () => {
    const origin = host.url.replace(/\/$/, '');
    const result = await call(origin, { t: 'call', id: 7, channel: 'frontdesk:app.info' });
    expect(result.reply).toMatchObject({ t: 'result', id: 7, result: { ok: true, value: { shell: 'browser-host', version: 'test' } } });
  });

  it('puts the per-launch bridge token in the page it serves', async () => {
    const html = await (await fetch(host.url)).text();
    const token = /<meta name="frontdesk-bridge-token" content="([0-9a-f]+)">/.exec(html)?.[1];
    expect(token).toBe(host.bridgeToken);
    expect(token).toHaveLength(64);
    // The page's own origin with the page's token: answered.
    const origin = host.url.replace(/\/$/, '');
    expect((await call(origin, { t: 'call', id: 1, channel: 'frontdesk:app.info' }, token!)).opened).toBe(true);
  });

  it('refuses the bridge without the token or with a wrong one, even from the right origin', async () => {
    const origin = host.url.replace(/\/$/, '');
    const frame = { t: 'call', id: 3, channel: 'frontdesk:account.get' };
    for (const token of [null, '', 'x', host.bridgeToken.slice(0, -1), `${host.bridgeToken}0`, host.bridgeToken.replace(/.$/, (c) => (c === '0' ? '1' : '0'))]) {
      const result = await call(origin, frame, token);
      expect(result.opened, `token ${JSON.stringify(token)}`).toBe(false);
      expect(result.reply).toBeUndefined();
    }
  });

  it("takes the session's desktop status as a no-op (no tray or hotkeys here) and validates it", async () => {
    const origin = host.url.replace(/\/$/, '');
    const status = { registration: 'registered', dnd: 'off', missed: 2, calls: 1, ringing: [{ callId: 'c1', caller: 'Oleg', line: null }] };
    const ok = await call(origin, { t: 'call', id: 11, channel: 'frontdesk:desktop.status', input: status });
    expect(ok.reply).toMatchObject({ t: 'result', id: 11, result: { ok: true, value: { hotkeys: [] } } });
    const bad = await call(origin, { t: 'call', id: 12, channel: 'frontdesk:desktop.status', input: { ...status, missed: -1, extra: true } });
    expect(bad.reply).toMatchObject({ t: 'result', id: 12, result: { ok: false, error: { code: 'bad-input' } } });
  });

  it('refuses the bridge to another origin', async () => {
    const result = await call('http://evil.example', { t: 'call', id: 1, channel: 'frontdesk:app.info' });
    expect(result.opened).toBe(false);
    expect(result.reply).toBeUndefined();
  });

  it('closes the bridge on a malformed frame', async () => {
    const origin = host.url.replace(/\/$/, '');
    const result = await call(origin, { t: 'call', id: 'x', channel: 5 });
    expect(result.closeCode).toBe(1008);
  });

  it('returns a readable error for a bad call rather than crashing', async () => {
    const origin = host.url.replace(/\/$/, '');
    const result = await call(origin, { t: 'call', id: 2, channel: 'frontdesk:settings.set', input: { key: 'autoAnswer', value: 'yes' } });
    expect(result.reply).toMatchObject({ result: { ok: false, error: { code: 'bad-input' } } });
  });

  it('hands a link to its open page with the key in its data folder (npm run host -- open), to nobody without the key', async () => {
    const dataDir = path.join(root, 'data');
    expect(statSync(path.join(dataDir, HANDOFF_FILE)).mode & 0o077).toBe(0);
    // No page open: the CLI is told so.
    expect(await handOffLink(dataDir, 'tel:+74951234567')).toEqual({ ok: false, message: expect.stringMatching(/no Frontdesk page is open/) });

    const origin = host.url.replace(/\/$/, '');
    const page = new WebSocket(`${host.url.replace('http', 'ws')}bridge?token=${encodeURIComponent(host.bridgeToken)}`, { origin });
    await new Promise((r) => page.once('open', r));
    const got = new Promise<unknown>((r) => page.once('message', (d) => r(JSON.parse(String(d)))));
    expect(await handOffLink(dataDir, 'tel:+74951234567')).toEqual({ ok: true, message: 'handed to the Frontdesk page' });
    expect(await got).toEqual({ t: 'event', channel: 'frontdesk:event:desktop.link', payload: { url: 'tel:+74951234567' } });

    const post = (headers: Record<string, string>, body: string) => fetch(`${host.url}handoff`, { method: 'POST', headers, body }).then((r) => r.status);
    const key = (JSON.parse(readFileSync(path.join(dataDir, HANDOFF_FILE), 'utf8')) as { key: string }).key;
    expect(await post({}, JSON.stringify({ url: 'tel:1' }))).toBe(403);
    expect(await post({ [HANDOFF_HEADER]: 'not-the-key' }, JSON.stringify({ url: 'tel:1' }))).toBe(403);
    expect(await post({ [HANDOFF_HEADER]: key }, 'tel:1')).toBe(400);
    expect(await post({ [HANDOFF_HEADER]: key }, JSON.stringify({ url: `tel:${'1'.repeat(3000)}` }))).toBe(413);
    page.close();
  });

  it('a CLI for a folder with no host running says so', async () => {
    expect(await handOffLink(path.join(root, 'nowhere'), 'tel:1')).toMatchObject({ ok: false, message: expect.stringMatching(/no Frontdesk host is running/) });
    expect(existsSync(path.join(root, 'nowhere'))).toBe(false);
  });
});
