// A failure that repeats on every poll while a dependency is away (PostgreSQL restarting, a read-only
// primary) is logged when it starts, then once a minute with how often it recurred, and when it ends:
// not several stack traces a second from every worker of every node.

interface FailureLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export class RepeatedFailureLog {
  private failing = false;
  /** Failures since the last line about them. */
  private unlogged = 0;
  private loggedAt = 0;

  constructor(
    private readonly logger: FailureLogger,
    private readonly message: string,
    private readonly everyMs = 60_000,
  ) {}

  failed(err: unknown): void {
    const now = Date.now();
    if (this.failing && now - this.loggedAt < this.everyMs) {
      this.unlogged++;
      return;
    }
    if (this.failing) this.logger.warn({ err, repeated: this.unlogged + 1 }, `${this.message} (still failing)`);
    else this.logger.warn({ err }, this.message);
    this.failing = true;
    this.unlogged = 0;
    this.loggedAt = now;
  }

  succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info({ repeated: this.unlogged }, `${this.message}: working again`);
    this.unlogged = 0;
  }
}
