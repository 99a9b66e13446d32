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
  // A task queued from the frame's callbacks runs after that frame is painted.
  page.requestAnimationFrame(() => setTimeout(run, 0));
  // A window that says it is visible but draws no frame (covered, throttled) does not hold it up for long.
  setTimeout(run, latestMs);
}

/** The longest `afterNextPaint` waits for a frame. */
const latestMs = 200;
