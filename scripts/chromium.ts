/**
 * How Frontdesk's tests, demo and benchmarks start Debian's Chromium (never a downloaded browser).
 * `--allow-loopback-in-peer-connection` is what lets WebRTC carry audio over 127.0.0.1 inside the
 * lab's loopback-only namespace: without it no audio flows at all.
 */
export const chromiumPath = process.env.FRONTDESK_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumArgs({ fakeMedia }: { fakeMedia: boolean }): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    ...(fakeMedia ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] : []),
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ];
}
