/**
 * What the window reads with React's useSyncExternalStore: `subscribe` and a value that is replaced,
 * never changed in place, so a new value means a redraw. Plain TypeScript, no React.
 */

/** Whom to tell that something changed. A listener added or removed while they are told is safe. */
export class Listeners {
  private readonly listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  notify() {
    for (const l of [...this.listeners]) l();
  }

  clear() {
    this.listeners.clear();
  }
}

/** A value and its listeners: each new value (whole, or a shallow patch of it) is told to all of them. */
export class Store<T extends object> {
  private readonly listeners = new Listeners();

  constructor(private value: T) {}

  subscribe = (listener: () => void): (() => void) => this.listeners.subscribe(listener);
  get = (): T => this.value;

  set(value: T) {
    this.value = value;
    this.listeners.notify();
  }

  patch(patch: Partial<T>) {
    this.set({ ...this.value, ...patch });
  }
}
