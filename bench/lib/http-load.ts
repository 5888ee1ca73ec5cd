// Keep-alive HTTP load over an undici pool: `connections` sockets, one request in flight on each, until a
// request count or a time limit (whichever first). Used by the REST scenarios against Capstan and a
// Fastify hello-world alike, which take turns in short slices (HttpLoad).
import { Pool } from 'undici';
import { wallClockMs } from './clock.js';
import { Histogram } from './histogram.js';

export interface HttpLoadResult {
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly errors: readonly string[];
}

/**
 * One target's load, run in slices that add up: the pool (and its keep-alive connections) and the
 * latency histogram last across slices, so two targets can take turns and each still gets one result.
 */
export class HttpLoad {
  private readonly pool: Pool;
  private latency = new Histogram();
  private readonly errors: string[] = [];
  private next = 0;
  private ok = 0;
  private failed = 0;
  private elapsedMs = 0;

  constructor(
    origin: string,
    private readonly paths: readonly string[],
    private readonly headers: Readonly<Record<string, string>>,
    private readonly connections: number,
  ) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  }

  /** Load for `seconds` or until `maxRequests` in all (whichever first). */
  async run(seconds: number, maxRequests = Number.MAX_SAFE_INTEGER): Promise<void> {
    const started = wallClockMs();
    const deadline = started + seconds * 1000;
    const worker = async () => {
      while (this.next < maxRequests && wallClockMs() < deadline) {
        const path = this.paths[this.next++ % this.paths.length] ?? '/';
        const t0 = wallClockMs();
        try {
          const res = await this.pool.request({ path, method: 'GET', headers: this.headers });
          await res.body.text();
          if (res.statusCode === 200) this.ok++;
          else {
            this.failed++;
            if (this.errors.length < 5) this.errors.push(`status ${res.statusCode}`);
          }
        } catch (e) {
          this.failed++;
          if (this.errors.length < 5) this.errors.push(e instanceof Error ? e.message : String(e));
        }
        this.latency.recordMillis(wallClockMs() - t0);
      }
    };
    await Promise.all(Array.from({ length: this.connections }, worker));
    this.elapsedMs += wallClockMs() - started;
  }

  /** Forgets what was counted so far (after a warm-up), keeping the pool and its connections. */
  resetCounts(): void {
    this.latency = new Histogram();
    this.errors.length = 0;
    this.next = this.ok = this.failed = this.elapsedMs = 0;
  }

  result(): HttpLoadResult {
    const elapsed = this.elapsedMs / 1000;
    return { requests: this.next, ok: this.ok, failed: this.failed, seconds: Math.round(elapsed * 1000) / 1000, requestsPerSec: elapsed > 0 ? Math.round(this.ok / elapsed) : 0, p50Ms: this.latency.quantileMillis(0.5), p99Ms: this.latency.quantileMillis(0.99), errors: [...this.errors] };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
