/**
 * The renderer's Content-Security-Policy. Scripts only from the app itself; network connections only
 * to the app's own origin (the browser host's bridge) and to the configured SIP WebSocket.
 */
export function buildCsp(options: { sipWsUrl?: string | null; bridgeOrigin?: string | null }): string {
  const connect = ["'self'"];
  for (const url of [options.sipWsUrl, options.bridgeOrigin]) {
    if (!url) continue;
    try {
      const u = new URL(url);
      connect.push(`${u.protocol}//${u.host}`);
    } catch {
      // an invalid URL never widens the policy
    }
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "media-src 'self' blob: mediastream:",
    `connect-src ${connect.join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
