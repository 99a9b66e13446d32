import { afterEach, describe, expect, it, vi } from 'vitest';
import { afterNextPaint, holdPaintWork } from './afterPaint';

const page = (visibilityState: DocumentVisibilityState) => {
  const frames: FrameRequestCallback[] = [];
  return {
    frames,
    page: { requestAnimationFrame: (cb: FrameRequestCallback) => (frames.push(cb), frames.length), document: { visibilityState } },
  };
};

describe('afterNextPaint', () => {
  afterEach(() => vi.useRealTimers());

  it('in a window that draws: runs in the task after the next frame, once', async () => {
    vi.useFakeTimers();
    const p = page('visible');
    const fn = vi.fn();
    afterNextPaint(fn, p.page);
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).not.toHaveBeenCalled();
    p.frames.shift()!(0);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a window that says it is visible but draws no frame does not hold it up for long', async () => {
    vi.useFakeTimers();
    const p = page('visible');
    const fn = vi.fn();
    afterNextPaint(fn, p.page);
    await vi.advanceTimersByTimeAsync(199);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(1);
    p.frames.shift()!(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a hidden window (in the tray) runs it in the next task, without waiting for a frame', async () => {
    vi.useFakeTimers();
    const p = page('hidden');
    const fn = vi.fn();
    afterNextPaint(fn, p.page);
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(p.frames).toHaveLength(0);
  });

  it('while a pop is held, waits for the frame after its release, not the next one', async () => {
    vi.useFakeTimers();
    const p = page('visible');
    const fn = vi.fn();
    const release = holdPaintWork();
    const other = holdPaintWork();
    afterNextPaint(fn, p.page);
    // No frame is asked for while held: the next frame (which shows nothing of the call) does not count.
    expect(p.frames).toHaveLength(0);
    release();
    release(); // (idempotent: the other pop still holds)
    expect(p.frames).toHaveLength(0);
    other();
    expect(p.frames).toHaveLength(1);
    p.frames.shift()!(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
    // Released: the next one goes straight to the next frame again.
    const next = vi.fn();
    afterNextPaint(next, p.page);
    expect(p.frames).toHaveLength(1);
  });

  it('work asked for before a pop was held (in the same task) waits for the frame that shows the pop too', async () => {
    vi.useFakeTimers();
    const p = page('visible');
    const fn = vi.fn();
    afterNextPaint(fn, p.page);
    expect(p.frames).toHaveLength(1);
    const release = holdPaintWork();
    // The next frame shows nothing of the call: the work is not run after it.
    p.frames.shift()!(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).not.toHaveBeenCalled();
    expect(p.frames).toHaveLength(0);
    release();
    expect(p.frames).toHaveLength(1);
    p.frames.shift()!(0);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('a pop held for long does not hold the work past 200 ms', async () => {
    vi.useFakeTimers();
    const p = page('visible');
    const fn = vi.fn();
    const release = holdPaintWork();
    afterNextPaint(fn, p.page);
    await vi.advanceTimersByTimeAsync(200);
    expect(fn).toHaveBeenCalledTimes(1);
    release();
    p.frames.shift()?.(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
