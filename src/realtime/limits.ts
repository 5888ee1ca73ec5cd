// In-process connection counting for the embedded mode; scaled mode counts in Redis.
import type { ConnectionLease, ConnectionLimiter } from './types.js';

export class MemoryConnectionLimiter implements ConnectionLimiter {
  private readonly counts = new Map<string, number>();

  async acquire(key: string, max: number): Promise<ConnectionLease | undefined> {
    const n = this.counts.get(key) ?? 0;
    if (n >= max) return undefined;
    this.counts.set(key, n + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.counts.get(key) ?? 1) - 1;
        if (left <= 0) this.counts.delete(key);
        else this.counts.set(key, left);
      },
    };
  }

  async count(key: string): Promise<number> {
    return this.counts.get(key) ?? 0;
  }
}
