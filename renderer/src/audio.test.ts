import { afterEach, describe, expect, it, vi } from 'vitest';
import { AudioOut, keepCallsPlaying, type MediaKeySession } from './audio';

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

describe('the ringtone', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** An AudioContext that records what is asked of it. */
  function fakeAudio() {
    const made: string[] = [];
    const sinks: string[] = [];
    const node = () => ({ connect: (next: unknown) => next, disconnect: () => undefined, start: () => undefined, stop: () => undefined, frequency: { value: 0 }, gain: { value: 0 } });
    class FakeContext {
      currentTime = 0;
      destination = {};
      constructor() {
        made.push('context');
      }
      suspend = () => (made.push('suspend'), Promise.resolve());
      resume = () => (made.push('resume'), Promise.resolve());
      setSinkId = (id: string) => (sinks.push(id), Promise.resolve());
      createOscillator = () => (made.push('oscillator'), node());
      createGain = () => node();
    }
    vi.stubGlobal('AudioContext', FakeContext);
    return { made, sinks };
  }

  it('is made ready at start, its output device included: the first ring only resumes it and plays', () => {
    const { made, sinks } = fakeAudio();
    const audio = new AudioOut();
    audio.prepare();
    expect(made).toEqual(['context', 'suspend', 'oscillator']);
    expect(sinks).toEqual(['']);

    made.length = 0;
    audio.startRinging('ring');
    expect(made).toEqual(['resume', 'oscillator']);
    expect(sinks).toEqual(['']); // not set again on the ring
    audio.stopRinging();

    // A ringer chosen in the settings is set once, when chosen.
    audio.setDevices('headset', 'speakers');
    audio.startRinging('ring');
    audio.stopRinging();
    audio.startRinging('ring');
    audio.stopRinging();
    expect(sinks).toEqual(['', 'speakers']);
  });
});
