import { describe, expect, it } from 'vitest';
import { injectBridgeToken } from './bridgeToken';

describe('injectBridgeToken', () => {
  const token = 'ab'.repeat(32);
  it('puts the token first in <head>', () => {
    expect(injectBridgeToken('<!doctype html><html><head lang="x"><title>F</title></head></html>', token)).toBe(
      `<!doctype html><html><head lang="x"><meta name="frontdesk-bridge-token" content="${token}"><title>F</title></head></html>`,
    );
    expect(injectBridgeToken('<title>bench</title>', token)).toBe(`<meta name="frontdesk-bridge-token" content="${token}"><title>bench</title>`);
  });
  it('takes nothing but a hex token (it goes into HTML unescaped)', () => {
    expect(() => injectBridgeToken('<head>', '"><script>')).toThrow();
  });
});
