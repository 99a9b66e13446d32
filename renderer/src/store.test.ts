import { describe, expect, it } from 'vitest';
import { Store } from './store';

describe('Store (what the window reads with useSyncExternalStore)', () => {
  it('replaces its value on each patch and tells every listener', () => {
    const store = new Store({ a: 1, b: 'x' });
    const before = store.get();
    const heard: number[] = [];
    store.subscribe(() => heard.push(store.get().a));
    store.patch({ a: 2 });
    expect(store.get()).toEqual({ a: 2, b: 'x' });
    expect(store.get()).not.toBe(before);
    expect(before).toEqual({ a: 1, b: 'x' });
    expect(heard).toEqual([2]);
  });
  it('a listener that unsubscribes itself, or another, while being told does not stop the others', () => {
    const store = new Store({ n: 0 });
    const heard: string[] = [];
    const offA = store.subscribe(() => {
      heard.push('a');
      offA();
      offB();
    });
    const offB = store.subscribe(() => heard.push('b'));
    store.subscribe(() => heard.push('c'));
    store.patch({ n: 1 });
    store.patch({ n: 2 });
    expect(heard).toEqual(['a', 'b', 'c', 'c']);
  });
});
