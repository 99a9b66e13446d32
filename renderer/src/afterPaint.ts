/**
 * Runs `fn` once the frame now being prepared has been painted. A ringing call's pop (the call,
 * its client card, its script) is what the agent waits for; what can wait a frame (the history's
 * note of the call, the OS notification, the tray's status) then runs after it instead of before
 * it, on the same main thread. A window that draws no frames (hidden, minimised, in the tray) has
 * no paint to wait for, and there the notification is what the agent sees: it runs in the next
 * task. So does it where there is no page (unit tests).
 */
export function afterNextPaint(fn: () => void, page: Pick<Window, 'requestAnimationFrame'> & { document: Pick<Document, 'visibilityState'> } | undefined = globalThis.window): void {
  if (!page?.requestAnimationFrame || page.document.visibilityState !== 'visible') {
    setTimeout(fn, 0);
    return;
  }
  let ran = false;
  const run = () => {
    if (ran) return;
    ran = true;
    fn();
  };
  // A task queued from the frame's callbacks runs after that frame is painted. A pop held since
  // this was asked for (the same INVITE's task: whoever heard of the call before the presentation
  // did) moves it to the frame that shows the pop.
  const afterFrame = (): void => {
    page.requestAnimationFrame(() => {
      if (ran) return;
      if (pops > 0) waiting.push(afterFrame);
      else setTimeout(run, 0);
    });
  };
  // While a pop is being made ready, the frame to wait for is the one that shows it, not the next.
  if (pops > 0) waiting.push(afterFrame);
  else afterFrame();
  // A window that says it is visible but draws no frame (covered, throttled) does not hold it up for long.
  setTimeout(run, latestMs);
}

/** Pops being made ready (holdPaintWork), and what waits for them to show. */
let pops = 0;
const waiting: Array<() => void> = [];

/**
 * A ringing call is held back from the window until its caller's card is known (presentation.ts);
 * the frame that shows it comes after that. While such a pop is held, what `afterNextPaint` defers
 * waits for the frame after it is released, instead of running after the next frame, which shows
 * nothing of the call, and then standing in the way of the card's answer and of the pop's own frame.
 * Returns the release (idempotent). `afterNextPaint` still runs everything within its 200 ms.
 */
export function holdPaintWork(): () => void {
  pops++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    pops--;
    if (pops === 0) for (const afterFrame of waiting.splice(0)) afterFrame();
  };
}

/** The longest `afterNextPaint` waits for a frame. */
const latestMs = 200;
