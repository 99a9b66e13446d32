import { phoneLinkInArgv, PHONE_LINK_SCHEMES } from '../../common/links';

/**
 * tel:, sip: and callto: links the OS hands to Frontdesk: in the first instance's argv (Windows,
 * Linux), in a second instance's argv (`second-instance`), or by `open-url` (macOS, possibly before
 * the window exists). The relay keeps them until the page is loaded, then sends each as
 * `desktop.link`; the session reads and confirms them (common/links.ts).
 */

/** The link a process was started with, or null (switches, the app's own path, other text skipped). */
export function linkFromArgv(argv: readonly string[]): string | null {
  return phoneLinkInArgv(argv);
}

/** The schemes registered with the OS (setAsDefaultProtocolClient; the installers declare the same). */
export const PROTOCOL_SCHEMES: readonly string[] = PHONE_LINK_SCHEMES;

/**
 * The arguments of setAsDefaultProtocolClient: a packaged app is started as it is; `electron .` in
 * development must be started with the app's path, or the OS would start Electron's default app.
 */
export function protocolClientArgs(state: { defaultApp: boolean; execPath: string; argv: readonly string[]; resolve: (p: string) => string }):
  | { path: string; args: string[] }
  | null {
  if (!state.defaultApp) return null;
  const appPath = state.argv[1];
  return appPath ? { path: state.execPath, args: [state.resolve(appPath)] } : null;
}

/** Holds links until the page can take them; at most a few (a flood of links is not a person clicking). */
export class LinkRelay {
  private pending: string[] = [];
  private isReady = false;
  constructor(
    private readonly send: (url: string) => void,
    private readonly max = 5,
  ) {}

  /** A link arrived (argv, second instance, open-url). */
  push(url: string | null): void {
    if (url === null || url.length > 2048) return;
    if (this.isReady) this.send(url);
    else if (this.pending.length < this.max) this.pending.push(url);
  }

  /** The page has loaded (and again after a reload): what waited goes now. */
  ready(): void {
    this.isReady = true;
    const waiting = this.pending;
    this.pending = [];
    for (const url of waiting) this.send(url);
  }

  /** The page is gone (reloading, crashed): links wait again. */
  notReady(): void {
    this.isReady = false;
  }
}

/**
 * Whether to make Frontdesk the OS's handler of a scheme at start: only when nothing handles it
 * yet (a person who chose another softphone keeps it; the installers offer Frontdesk in Default
 * Programs / the desktop entry, where the person chooses).
 */
export function shouldClaimScheme(state: { isDefault: boolean; currentHandler: string }): boolean {
  return !state.isDefault && state.currentHandler.trim() === '';
}
