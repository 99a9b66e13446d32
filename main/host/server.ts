import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { createDispatcher, prepareEvent, type EventName, type EventPayload } from '../../common/contract';
import { BRIDGE_TOKEN_PARAM, injectBridgeToken } from '../../common/bridgeToken';
import { buildCsp } from '../../common/csp';
import { createFrontdesk, type FrontdeskOptions } from '../services/frontdesk';
import { HANDOFF_PATH, newHandoffKey, receiveHandoff, removeHandoffInfo, writeHandoffInfo } from './handoff';

/**
 * The browser host: serves the renderer and the same services the Electron shell uses, over loopback,
 * with the contract carried by a WebSocket instead of Electron IPC. Used by the end-to-end tests and
 * by people on machines where Electron cannot run.
 */

const CallFrame = z.object({ t: z.literal('call'), id: z.number().int(), channel: z.string().max(200), input: z.unknown().optional() }).strict();

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface HostOptions extends Omit<FrontdeskOptions, 'shell'> {
  rendererDir: string;
  port: number;
  host?: string;
}

/** A recording's file, with byte ranges (the player seeks with them). */
function serveRecording(req: http.IncomingMessage, res: http.ServerResponse, id: string, fileOf: ((id: string) => string | null) | null) {
  const file = fileOf?.(id) ?? null;
  if (!file) {
    res.writeHead(fileOf ? 404 : 403, { 'content-type': 'text/plain' }).end(fileOf ? 'no such recording' : 'forbidden');
    return;
  }
  const size = statSync(file).size;
  const headers = { 'content-type': 'audio/webm', 'accept-ranges': 'bytes', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(end - start + 1) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(size) });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

export async function startHost(options: HostOptions) {
  const listenHost = options.host ?? '127.0.0.1';
  const sockets = new Set<WebSocket>();
  /** Sends an event to every page; returns how many got it. */
  const broadcast = <N extends EventName>(name: N, payload: EventPayload<N>): number => {
    const { channel, payload: checked } = prepareEvent(name, payload);
    const frame = JSON.stringify({ t: 'event', channel, payload: checked });
    let sent = 0;
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(frame);
      sent++;
    }
    return sent;
  };
  // `npm run host -- open tel:…` hands a link to this host's page (handoff.ts), with this key.
  const handoffKey = newHandoffKey();
  // Recordings are served to this host's page only: their URLs carry a key the page gets over the bridge.
  const recordingKey = randomBytes(16).toString('hex');
  // The bridge's per-launch token: in the page this host serves, required on the WebSocket.
  const bridgeToken = randomBytes(32).toString('hex');
  const tokenBytes = Buffer.from(bridgeToken, 'utf8');
  const tokenMatches = (given: string | null) => {
    if (given === null) return false;
    const bytes = Buffer.from(given, 'utf8');
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };
  const frontdesk = createFrontdesk(
    { ...options, shell: 'browser-host', recordingUrl: (id) => `/recordings/${encodeURIComponent(id)}.webm?key=${recordingKey}` },
    broadcast,
  );
  const dispatch = createDispatcher(frontdesk.handlers);
  const rendererDir = path.resolve(options.rendererDir);
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built: ${rendererDir}/index.html is missing (run "npm run build")`);
  }

  let origin = '';
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === HANDOFF_PATH) {
      receiveHandoff(req, res, handoffKey, (url) => broadcast('desktop.link', { url }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (rel.startsWith('/recordings/')) {
      serveRecording(req, res, rel.slice('/recordings/'.length).replace(/\.webm$/, ''), url.searchParams.get('key') === recordingKey ? frontdesk.recordings.fileOf.bind(frontdesk.recordings) : null);
      return;
    }
    if (rel === '/' || !path.extname(rel)) rel = '/index.html';
    const file = path.resolve(rendererDir, `.${rel}`);
    if (!file.startsWith(rendererDir + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const account = frontdesk.account().account;
    res.writeHead(200, {
      'content-type': mimeTypes[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': buildCsp({ sipWsUrl: account?.wsUrl, bridgeOrigin: origin.replace(/^http/, 'ws') }),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else if (file === path.join(rendererDir, 'index.html')) res.end(injectBridgeToken(readFileSync(file, 'utf8'), bridgeToken));
    else createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1 << 20,
  });
  server.on('upgrade', (req, socket, head) => {
    // The sender check: only the page this host served may use the bridge: its origin, and the
    // token that page carries (another local process can send any Origin header, not the token).
    const allowed = [origin, origin.replace('127.0.0.1', 'localhost')];
    let target: URL | null = null;
    try {
      target = new URL(req.url ?? '', origin);
    } catch {
      target = null;
    }
    if (!target || target.pathname !== '/bridge' || !allowed.includes(req.headers.origin ?? '') || !tokenMatches(target.searchParams.get(BRIDGE_TOKEN_PARAM))) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (data) => {
      let frame: z.infer<typeof CallFrame>;
      try {
        frame = CallFrame.parse(JSON.parse(String(data)));
      } catch {
        ws.close(1008, 'malformed frame');
        return;
      }
      const result = await dispatch(frame.channel, frame.input);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ t: 'result', id: frame.id, result }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, listenHost, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  origin = `http://${listenHost}:${port}`;
  writeHandoffInfo(frontdesk.dataDir.root, { url: `${origin}/`, key: handoffKey, pid: process.pid });

  return {
    url: `${origin}/`,
    port,
    /** The bridge's token (in-process tools and tests; a page reads it from its meta tag). */
    bridgeToken,
    frontdesk,
    async close() {
      removeHandoffInfo(frontdesk.dataDir.root, handoffKey);
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      frontdesk.close();
    },
  };
}
