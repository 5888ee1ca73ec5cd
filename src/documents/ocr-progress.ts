// Coalesces a long stage's progress into a few writes a second: the first value is written at once,
// later ones at most once per interval (the latest wins), and flush() writes the last one before the
// stage completes. Writes run one at a time, in order; a failed write is logged, never fatal to the
// stage it reports on.
import type { Logger } from '../http/index.js';

export class ProgressThrottle<T> {
  private latest: T | undefined;
  private unwritten = false;
  private lastWriteAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly write: (value: T) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  update(value: T): void {
    if (this.stopped) return;
    this.latest = value;
    this.unwritten = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.enqueue();
    }, Math.max(0, this.lastWriteAt + this.intervalMs - Date.now()));
  }

  /** Writes the latest value if it is not written yet, and waits for every write. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.enqueue();
    await this.writing;
  }

  /** Drops what is not written yet (the stage failed or lost its lease). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueue(): void {
    this.writing = this.writing.then(async () => {
      if (this.stopped || !this.unwritten) return;
      this.unwritten = false;
      this.lastWriteAt = Date.now();
      try {
        await this.write(this.latest as T);
      } catch (e) {
        this.logger.warn({ err: e }, 'recording progress failed');
      }
    });
  }
}
