/**
 * The window's size and place, remembered between runs (window-state.json in the data folder) and
 * put back only where it is still on a screen: a monitor unplugged since, or a resolution changed,
 * must not leave the window out of reach.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SavedWindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1100, height: 720 };
export const MIN_SIZE = { width: 720, height: 480 };
/** How much of the title bar must be on a screen for the window to count as reachable. */
const GRIP = { width: 120, height: 40 };

const isFiniteRect = (r: unknown): r is Rect =>
  typeof r === 'object' && r !== null && ['x', 'y', 'width', 'height'].every((k) => Number.isFinite((r as Record<string, unknown>)[k]));

/** The saved state from the file's text; null for anything that is not one (a broken file is ignored). */
export function parseWindowState(text: string | null): SavedWindowState | null {
  if (!text) return null;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    if (!isFiniteRect(json.bounds)) return null;
    return { bounds: { ...json.bounds }, maximized: json.maximized === true };
  } catch {
    return null;
  }
}

const overlap = (a: Rect, b: Rect) => Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/**
 * Where the window opens: the saved bounds if its title bar is on a display's work area; otherwise
 * moved onto the display it overlaps most (or the primary one), shrunk to fit. Without a saved
 * state: the default size, centred by Electron (no x/y).
 * `workAreas[0]` is the primary display's work area.
 */
export function restoreBounds(saved: SavedWindowState | null, workAreas: readonly Rect[]): { bounds: Partial<Rect> & { width: number; height: number }; maximized: boolean } {
  if (!saved || workAreas.length === 0) return { bounds: { ...DEFAULT_SIZE }, maximized: false };
  const b = saved.bounds;
  const width = Math.max(MIN_SIZE.width, Math.round(b.width));
  const height = Math.max(MIN_SIZE.height, Math.round(b.height));
  const titleBar: Rect = { x: b.x, y: b.y, width, height: GRIP.height };
  // Reachable: at least 120 × 20 pixels of its title bar on one display's work area.
  const reachable = workAreas.some((area) => overlap(titleBar, area) >= GRIP.width * (GRIP.height / 2));
  if (reachable) {
    return { bounds: { x: Math.round(b.x), y: Math.round(b.y), width, height }, maximized: saved.maximized };
  }
  const full: Rect = { x: b.x, y: b.y, width, height };
  let target = workAreas[0]!;
  let best = 0;
  for (const area of workAreas) {
    const o = overlap(full, area);
    if (o > best) {
      best = o;
      target = area;
    }
  }
  const w = Math.min(width, target.width);
  const h = Math.min(height, target.height);
  const x = Math.min(Math.max(Math.round(b.x), target.x), target.x + target.width - w);
  const y = Math.min(Math.max(Math.round(b.y), target.y), target.y + target.height - h);
  return { bounds: { x, y, width: w, height: h }, maximized: saved.maximized };
}

/** What is written: the normal (not maximized) bounds and whether it was maximized. */
export function windowStateText(state: SavedWindowState): string {
  return `${JSON.stringify({ bounds: state.bounds, maximized: state.maximized }, null, 2)}\n`;
}
