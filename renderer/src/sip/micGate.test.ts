import { describe, expect, it } from 'vitest';
import { MicrophoneGate, micStateFor, type AudioSender, type AudioTrack } from './micGate';

const track = (): AudioTrack => ({ kind: 'audio', enabled: true });
function sender(initial: AudioTrack): AudioSender & { track: AudioTrack | null } {
  const s = {
    track: initial as AudioTrack | null,
    async replaceTrack(t: AudioTrack | null) {
      await Promise.resolve();
      s.track = t;
    },
  };
  return s;
}

describe('the microphone gate', () => {
  it('what each phase sends: live when connected, muted when Mute is on, off otherwise', () => {
    expect(micStateFor({ phase: 'active', muted: false })).toBe('live');
    expect(micStateFor({ phase: 'active', muted: true })).toBe('muted');
    for (const phase of ['held', 'remote-held', 'ringing-in', 'dialing', 'ended'] as const) expect(micStateFor({ phase, muted: false })).toBe('off');
  });

  it('hold detaches the track and Resume brings it back enabled, whatever JsSIP left in `enabled`', async () => {
    const mic = track();
    const s = sender(mic);
    const gate = new MicrophoneGate();
    expect(gate.attach('c', [s])).toBe(true);
    gate.apply('c', 'off');
    await gate.settled('c');
    expect(s.track).toBeNull();
    expect(gate.actual('c')).toBe('off');
    mic.enabled = false; // (what JsSIP's unhold leaves on a track it did not see)
    gate.apply('c', 'live');
    await gate.settled('c');
    expect(s.track).toBe(mic);
    expect(mic.enabled).toBe(true);
    expect(gate.actual('c')).toBe('live');
  });

  it('a prepared answer: the gate learns its sender and track though the track is still on its way to the sender, and hold and Resume work on it', async () => {
    const mic = track();
    const s = sender(mic);
    s.track = null; // (answerPrepared's replaceTrack has not finished yet)
    const gate = new MicrophoneGate();
    expect(gate.attach('c', [s])).toBe(false);
    expect(gate.attach('c', [s], { sender: s, track: mic })).toBe(true);
    expect(gate.microphone('c')).toBe(mic);
    gate.apply('c', 'off');
    await gate.settled('c');
    expect(s.track).toBeNull();
    gate.apply('c', 'live');
    await gate.settled('c');
    expect(s.track).toBe(mic);
    expect(gate.actual('c')).toBe('live');
  });

  it('a consent mix is sent in the microphone’s place: muted, the mix goes on (the beep) with the microphone silent; held, nothing; without it, the microphone again', async () => {
    const mic = track();
    const mix = track();
    const s = sender(mic);
    const gate = new MicrophoneGate();
    gate.attach('c', [s]);
    gate.setOutgoing('c', mix, 'live');
    await gate.settled('c');
    expect(s.track).toBe(mix);
    expect(gate.microphone('c')).toBe(mic);
    expect(gate.actual('c')).toBe('live');

    gate.apply('c', 'muted');
    await gate.settled('c');
    expect([s.track, mic.enabled, mix.enabled]).toEqual([mix, false, true]);
    expect(gate.actual('c')).toBe('muted');

    gate.apply('c', 'off');
    await gate.settled('c');
    expect(s.track).toBeNull();

    gate.apply('c', 'live');
    gate.setOutgoing('c', null, 'live');
    await gate.settled('c');
    expect([s.track, mic.enabled]).toEqual([mic, true]);
  });

  it('track changes asked for in a row end on the last one asked for', async () => {
    const mic = track();
    const s = sender(mic);
    const gate = new MicrophoneGate();
    gate.attach('c', [s]);
    gate.apply('c', 'off');
    gate.apply('c', 'live');
    gate.apply('c', 'off');
    await gate.settled('c');
    expect(s.track).toBeNull();
  });
});
