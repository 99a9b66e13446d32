/**
 * The browser host's per-launch bridge token: the host puts it in the page it serves (a meta tag),
 * the page's bridge sends it when it opens the WebSocket, and the host refuses a WebSocket without
 * it, on top of the Origin check. Another local process can fake an Origin header, but cannot read
 * the token without loading the page, which the host serves to loopback only — and a web page of
 * another origin cannot read it at all.
 */
export const BRIDGE_TOKEN_META = 'frontdesk-bridge-token';
export const BRIDGE_TOKEN_PARAM = 'token';

/** The served index.html with the token's meta tag at the start of <head> (or of the document). */
export function injectBridgeToken(html: string, token: string): string {
  if (!/^[0-9a-f]{16,128}$/.test(token)) throw new Error('a bridge token is hex');
  const meta = `<meta name="${BRIDGE_TOKEN_META}" content="${token}">`;
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (!head) return `${meta}${html}`;
  const at = head.index + head[0].length;
  return `${html.slice(0, at)}${meta}${html.slice(at)}`;
}
