import { describe, expect, it } from 'vitest';
import { keepCallsPlaying, type MediaKeySession } from './audio';

describe('media keys during a call', () => {
  it('Play/Pause and Stop never pause the call\'s audio: it plays on', () => {
    const handlers = new Map<string, (() => void) | null>();
    const session = { setActionHandler: (action: string, handler: (() => void) | null) => void handlers.set(action, handler) } as unknown as MediaKeySession;
    const call = { paused: false, played: 0, play() {
      this.paused = false;
      this.played++;
      return Promise.resolve();
    } };
    keepCallsPlaying(session, () => [call as unknown as HTMLMediaElement]);
    expect([...handlers.keys()].sort()).toEqual(['pause', 'play', 'stop']);
    // Without these handlers Chromium's default for the key is to pause the page's media.
    handlers.get('pause')!();
    expect(call.paused).toBe(false);
    expect(call.played).toBe(0);
    call.paused = true; // something paused it anyway
    handlers.get('play')!();
    expect(call.paused).toBe(false);
    expect(call.played).toBe(1);
  });

  it('a browser without a media session, or without an action, is fine', () => {
    expect(() => keepCallsPlaying(undefined, () => [])).not.toThrow();
    const picky = { setActionHandler: (a: string) => {
      if (a === 'stop') throw new TypeError('unknown action');
    } } as unknown as MediaKeySession;
    expect(() => keepCallsPlaying(picky, () => [])).not.toThrow();
  });
});
