// Publishes benchmark events over keep-alive HTTP (undici pool): as fast as the server accepts, or on
// a fixed schedule. Both stop at a count and a time limit, whichever comes first.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { BenchPayload } from '../clients/protocol.js';
import { wallClockMs } from './clock.js';

export interface PublishTarget {
  readonly origin: string;
  readonly path: string;
  /** POST unless given (a Capstan organizer rename is a PATCH). */
  readonly method?: 'POST' | 'PATCH';
  readonly headers: Readonly<Record<string, string>>;
  /** The request body for one event. */
  body(payload: BenchPayload): string;
}

export interface PublishResult {
  readonly attempted: number;
  /** Answered 2xx. */
  readonly accepted: number;
  /** Answered 2xx, per phase. */
  readonly acceptedByPhase: Readonly<Record<string, number>>;
  readonly failed: number;
  /** Fixed rate only: sends skipped because too many requests were still in flight. */
  readonly skipped: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly errors: readonly string[];
}

interface Tally {
  accepted: number;
  failed: number;
  readonly acceptedByPhase: Record<string, number>;
  readonly errors: string[];
}

const newTally = (): Tally => ({ accepted: 0, failed: 0, acceptedByPhase: {}, errors: [] });

export class Publisher {
  private readonly pool: Pool;

  constructor(
    private readonly target: PublishTarget,
    connections: number,
  ) {
    this.pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 15_000, bodyTimeout: 15_000 });
  }

  private async sendOne(phase: string, seq: number, tally: Tally): Promise<void> {
    try {
      const payload: BenchPayload = { p: phase, s: seq, t: wallClockMs() };
      const res = await this.pool.request({ path: this.target.path, method: this.target.method ?? 'POST', headers: { 'content-type': 'application/json', ...this.target.headers }, body: this.target.body(payload) });
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        tally.accepted++;
        tally.acceptedByPhase[phase] = (tally.acceptedByPhase[phase] ?? 0) + 1;
      } else {
        tally.failed++;
        if (tally.errors.length < 5) tally.errors.push(`${res.statusCode} ${text.slice(0, 200)}`);
      }
    } catch (e) {
      tally.failed++;
      if (tally.errors.length < 5) tally.errors.push(e instanceof Error ? e.message : String(e));
    }
  }

  /** `concurrency` requests in flight until `count` are sent or `timeLimitMs` is up. */
  async maxRate(phase: string, count: number, concurrency: number, timeLimitMs: number): Promise<PublishResult> {
    const tally = newTally();
    const startedAt = wallClockMs();
    const deadline = startedAt + timeLimitMs;
    let next = 0;
    const worker = async () => {
      while (next < count && wallClockMs() < deadline) await this.sendOne(phase, next++, tally);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { attempted: next, ...tally, skipped: 0, startedAt, endedAt: wallClockMs() };
  }

  /**
   * One event every 1000/rate ms for `count` events (or `timeLimitMs`), at most `maxInFlight` outstanding;
   * `phase` names each event's phase by its index (say, to set a warm-up second apart).
   */
  async fixedRate(phase: (i: number) => string, rate: number, count: number, maxInFlight: number, timeLimitMs: number): Promise<PublishResult> {
    const tally = newTally();
    const startedAt = wallClockMs();
    const deadline = startedAt + timeLimitMs;
    const pending = new Set<Promise<void>>();
    let attempted = 0;
    let skipped = 0;
    for (let i = 0; i < count; i++) {
      const due = startedAt + (i * 1000) / rate;
      const wait = due - wallClockMs();
      if (wait > 1) await sleep(wait);
      if (wallClockMs() > deadline) break;
      if (pending.size >= maxInFlight) {
        skipped++;
        continue;
      }
      attempted++;
      const p = this.sendOne(phase(i), i, tally).finally(() => pending.delete(p));
      pending.add(p);
    }
    await Promise.all(pending);
    return { attempted, ...tally, skipped, startedAt, endedAt: wallClockMs() };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
