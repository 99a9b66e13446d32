import { timingSafeEqual, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { MAX_LINK_LENGTH } from '../../common/links';
import { ownerOnlyFile } from '../services/ownerOnly';

/**
 * Handing a link to the running browser host, as Electron's second-instance hands one to the running
 * app: `npm run host -- open 'tel:+74951234567'` finds the host serving the same data folder (the
 * file below, readable by this user only, names its address and a key made at each start) and posts
 * the link; the host sends it to its page as `desktop.link`, where the session asks "Call …?" and
 * refuses a hostile link with the reason. Without the key nobody else can make the page dial.
 */

export const HANDOFF_FILE = 'host-handoff.json';
export const HANDOFF_PATH = '/handoff';
export const HANDOFF_HEADER = 'x-frontdesk-handoff-key';

export interface HandoffInfo {
  url: string;
  key: string;
  pid: number;
}

export const newHandoffKey = () => randomBytes(24).toString('hex');

/** Written by the host once it serves; removed when it stops. */
export function writeHandoffInfo(dataDir: string, info: HandoffInfo): string {
  const file = path.join(dataDir, HANDOFF_FILE);
  writeFileSync(file, JSON.stringify(info), { mode: 0o600 });
  return ownerOnlyFile(file);
}

export function removeHandoffInfo(dataDir: string, key: string) {
  const file = path.join(dataDir, HANDOFF_FILE);
  try {
    // Only our own: a host started since on the same folder keeps its file.
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as HandoffInfo).key === key) unlinkSync(file);
  } catch {
    // nothing to remove
  }
}

const sameKey = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The host's end: POST /handoff with the key and {"url": "tel:…"}. 202 when a page got it, 409 when
 * no page is open, 403 without the right key, 400 for a body that is not one link.
 */
export function receiveHandoff(req: http.IncomingMessage, res: http.ServerResponse, key: string, deliver: (url: string) => number) {
  const reply = (code: number, message: string) => res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }).end(message);
  const given = req.headers[HANDOFF_HEADER];
  if (typeof given !== 'string' || !sameKey(given, key)) {
    req.resume();
    reply(403, 'forbidden');
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    body += chunk;
    if (body.length > MAX_LINK_LENGTH + 100) {
      reply(413, 'the link is too long');
      req.destroy();
    }
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    let url: unknown;
    try {
      url = (JSON.parse(body) as { url?: unknown }).url;
    } catch {
      url = undefined;
    }
    if (typeof url !== 'string' || url.length > MAX_LINK_LENGTH) {
      reply(400, 'expected {"url": "tel:…"}');
      return;
    }
    const pages = deliver(url);
    if (pages === 0) reply(409, 'no Frontdesk page is open at this host: open it in the browser first');
    else reply(202, `handed to ${pages === 1 ? 'the Frontdesk page' : `${pages} Frontdesk pages`}`);
  });
}

/** The CLI's end: hands `link` to the host serving `dataDir`. */
export async function handOffLink(dataDir: string, link: string): Promise<{ ok: boolean; message: string }> {
  let info: HandoffInfo;
  try {
    info = JSON.parse(readFileSync(path.join(dataDir, HANDOFF_FILE), 'utf8')) as HandoffInfo;
  } catch {
    return { ok: false, message: `no Frontdesk host is running for the data folder ${dataDir} (start it with "npm run host")` };
  }
  try {
    const res = await fetch(new URL(HANDOFF_PATH, info.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HANDOFF_HEADER]: info.key },
      body: JSON.stringify({ url: link }),
    });
    return { ok: res.status === 202, message: await res.text() };
  } catch (error) {
    return { ok: false, message: `the Frontdesk host at ${info.url} does not answer: ${(error as Error).message}` };
  }
}
