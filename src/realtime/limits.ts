// In-process connection counting for the embedded mode; scaled mode counts in Redis.
import type { ConnectionLease, ConnectionLimiter } from './types.js';

export class MemoryConnectionLimiter implements ConnectionLimiter {
  private readonly counts = new Map<string, number>();

  async acquire(key: string, max: number): Promise<ConnectionLease | undefined> {
    const n = this.counts.get(key) ?? 0;
    if (n >= max) return undefined;
    this.counts.set(key, n + 1);
    return new CountedLease(this.counts, key);
  }

  async count(key: string): Promise<number> {
    return this.counts.get(key) ?? 0;
  }
}

/** One slot under a key, given back once. */
class CountedLease implements ConnectionLease {
  private released = false;

  constructor(
    private readonly counts: Map<string, number>,
    private readonly key: string,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    const left = (this.counts.get(this.key) ?? 1) - 1;
    if (left <= 0) this.counts.delete(this.key);
    else this.counts.set(this.key, left);
  }
}
