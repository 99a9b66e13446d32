import { describe, expect, it } from 'vitest';
import { buildCsp } from './csp';

describe('CSP', () => {
  it('allows connections only to the app, the SIP WebSocket and the bridge', () => {
    const csp = buildCsp({ sipWsUrl: 'wss://pbx.example.com:8089/ws?x=1', bridgeOrigin: 'ws://127.0.0.1:5199' });
    expect(csp).toContain("connect-src 'self' wss://pbx.example.com:8089 ws://127.0.0.1:5199;");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
  });
  it('never widens the policy for a malformed URL', () => {
    expect(buildCsp({ sipWsUrl: "wss://x.com; script-src *" })).toContain("connect-src 'self';");
    expect(buildCsp({ sipWsUrl: 'javascript:alert(1)' })).toContain("connect-src 'self';");
  });
});
