// A single-consumer async queue: what a stream receives is pushed in, the caller iterates it out.
// Breaking out of the loop (or return()) stops the producer through `onStop`.

export class Channel<T> implements AsyncIterable<T>, AsyncIterator<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private failure: { error: unknown } | undefined;

  constructor(private readonly onStop: () => void) {}

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
    } else this.items.push(item);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.settleWaiter();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = { error };
    this.settleWaiter();
  }

  private settleWaiter(): void {
    const w = this.waiter;
    if (!w || this.items.length > 0) return;
    this.waiter = undefined;
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      w.reject(error);
    } else w.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.done) {
      if (this.failure) {
        const { error } = this.failure;
        // The error is thrown once; after it the iterator is simply finished.
        this.failure = undefined;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.onStop();
    this.done = true;
    this.items.length = 0;
    this.failure = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }
}

/**
 * An iterator over `channel` that remembers the id of the last item the caller's loop took — not the
 * last one received — so a cursor stored mid-loop never skips an event still buffered in the channel.
 */
export function takenCursor<T extends { readonly id?: string | undefined }>(channel: Channel<T>, initial: string | undefined): { iterator: AsyncIterator<T>; taken: () => string | undefined } {
  let taken = initial;
  const iterator: AsyncIterator<T> = {
    next: async () => {
      const result = await channel.next();
      if (!result.done && result.value.id !== undefined) taken = result.value.id;
      return result;
    },
    return: () => channel.return(),
  };
  return { iterator, taken: () => taken };
}
