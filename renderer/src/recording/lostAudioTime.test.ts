import { describe, expect, it } from 'vitest';
import { LostAudioTime } from './callRecording';

/** An output timestamp whose device time is `offsetMs` ahead of the context's time `contextS`. */
const at = (contextS: number, offsetMs: number): AudioTimestamp => ({ contextTime: contextS, performanceTime: contextS * 1000 + offsetMs });

describe('LostAudioTime', () => {
  it('counts nothing while the context keeps time, however late the blocks reach the page', () => {
    const clock = new LostAudioTime();
    expect(clock.lostUs(at(10, 5000), 10_300_000, 0, 0)).toBe(0);
    // the page's thread held up 2 s: the block arrives late, the audio clock lost nothing
    expect(clock.lostUs(at(11, 5000), 11_300_000, 0, 3_000_000)).toBe(0);
    expect(clock.lostUs(at(11.064, 5000), 11_364_000, 0, 3_000_000)).toBe(0);
  });

  it('counts what the context lost when its audio thread stopped (the offset grows), from the second reading that says so, and keeps it', () => {
    const clock = new LostAudioTime();
    clock.lostUs(at(10, 5000), 10_300_000, 200_000, 200_000);
    // stopped for 1.5 s: device time moved on 1.5 s past the context's; the block is as late
    expect(clock.lostUs(at(12, 6500), 12_300_000, 0, 3_700_000)).toBe(0);
    expect(clock.lostUs(at(12.064, 6500), 12_364_000, 0, 3_764_000)).toBe(1_500_000);
    // and it stays counted (later readings that would say less change nothing)
    expect(clock.lostUs(at(13, 6400), 13_300_000, 0, 4_700_000)).toBe(1_500_000);
    expect(clock.lostUs(at(13.064, 6400), 13_364_000, 0, 4_764_000)).toBe(1_500_000);
  });

  it('does not count an overshoot of one reading', () => {
    const clock = new LostAudioTime();
    clock.lostUs(at(10, 5000), 10_300_000, 200_000, 200_000);
    clock.lostUs(at(12, 6600), 12_300_000, 0, 3_700_000);
    expect(clock.lostUs(at(12.064, 6500), 12_364_000, 0, 3_764_000)).toBe(1_500_000);
    expect(clock.lostUs(at(12.128, 6500), 12_428_000, 0, 3_828_000)).toBe(1_500_000);
  });

  it('never counts more than the block is late (a timestamp not yet updated after the context slept)', () => {
    const clock = new LostAudioTime();
    clock.lostUs(at(10, 5000), 10_300_000, 60_000_000, 60_000_000);
    // the offset says 60 s, but the blocks are on time: the lead at the start counted that sleep
    clock.lostUs(at(10.5, 65_000), 10_364_000, 0, 60_064_000);
    const lost = clock.lostUs(at(10.564, 65_000), 10_428_000, 0, 60_128_000);
    expect(lost).toBeLessThanOrEqual(200_000);
  });

  it('waits for a timestamp the device has played (zeros before it)', () => {
    const clock = new LostAudioTime();
    expect(clock.lostUs({ contextTime: 0, performanceTime: 0 }, 1_000_000, 0, 0)).toBe(0);
    expect(clock.lostUs(at(1.1, 3000), 1_064_000, 0, 64_000)).toBe(0);
    clock.lostUs(at(3.1, 4000), 3_064_000, 0, 3_064_000);
    expect(clock.lostUs(at(3.164, 4000), 3_128_000, 0, 3_128_000)).toBe(1_000_000);
  });
});
