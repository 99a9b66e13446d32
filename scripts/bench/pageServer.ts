import http from 'node:http';
import { atCleanup } from './cleanup';

/**
 * Serves a benchmark's bundled page script from 127.0.0.1 on a free port: `/page.js` is the
 * script, `scripts` more of them by path (a worklet's, say), any other path a page that loads
 * `/page.js`. Returns the origin; the server stops at the benchmark's clean-up. (A page the browser
 * context fulfils itself is not on loopback for Chromium's local network access checks, which then
 * block its WebSocket to the lab.)
 */
export async function servePage(title: string, script: string, scripts: Record<string, string> = {}): Promise<string> {
  const server = http.createServer((req, res) => {
    const served = req.url === '/page.js' ? script : scripts[req.url ?? ''];
    res.setHeader('content-type', served === undefined ? 'text/html' : 'text/javascript');
    res.end(served ?? `<!doctype html><title>${title}</title><body><script src="/page.js"></script>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  atCleanup(`page server (${title})`, () => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}
