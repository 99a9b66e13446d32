/**
 * The renderer's Content-Security-Policy. Scripts only from the app itself; network connections only
 * to the app's own origin (the browser host's bridge) and to the configured SIP WebSocket.
 */
export function buildCsp(options: { sipWsUrl?: string | null; bridgeOrigin?: string | null }): string {
  const connect = ["'self'"];
  for (const url of [options.sipWsUrl, options.bridgeOrigin]) {
    if (!url) continue;
    // scheme://host[:port] only; anything else never widens the policy
    const m = /^(wss?|https?):\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?(?=[/?#]|$)/i.exec(url);
    if (m) connect.push(`${m[1]!.toLowerCase()}://${m[2]}${m[3] ?? ''}`);
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
