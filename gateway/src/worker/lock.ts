/**
 * Runs tasks one at a time per key, in the order they were started: a worker never races itself
 * on one block, whether the work comes from an event, a grace-period timer or the sweep.
 */
export interface KeyedLock {
  /** Runs `task` after every task started earlier under the same key has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Resolves once every task started so far has settled. */
  settled(): Promise<void>;
}

class KeyedLockImpl implements KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    // Forget a key once nothing waits on it, so the map holds only keys with work in progress.
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  async settled(): Promise<void> {
    await Promise.allSettled(this.#tails.values());
  }
}

export function newKeyedLock(): KeyedLock {
  return new KeyedLockImpl();
}
