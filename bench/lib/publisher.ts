// Publishes benchmark events over keep-alive HTTP (undici pool): as fast as the server accepts, or on
// a fixed schedule. Both stop at a count and a time limit, whichever comes first. For the soak, a
// numbered sequence: one at a time, each retried with its Idempotency-Key until accepted.
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

export interface SequenceOptions {
  /** Idempotency-Key of number n: `${keyPrefix}-${n}` (unique per run). */
  readonly keyPrefix: string;
  /** How long one number may be retried before the sequence gives up (and throws). */
  readonly retryLimitMs: number;
  /** Called with each number once the server has accepted it. */
  readonly onAccepted?: (seq: number) => void;
}

export interface SequenceResult {
  /** Numbers 0 … accepted − 1 are in the log, each once. */
  readonly accepted: number;
  /** Attempts answered with an error (or none) and sent again. */
  readonly retries: number;
  readonly errors: readonly string[];
  readonly startedAt: number;
  readonly endedAt: number;
}

/** A retry cannot change these answers. */
const FINAL_REFUSALS = new Set([400, 401, 403, 404, 409, 413, 422]);

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

  /**
   * Publishes `phase` events numbered 0, 1, 2, … one every 1000/rate ms for `durationMs`, one request
   * at a time, so the log holds them in number order. Each number is sent until it is accepted, under
   * its own Idempotency-Key with the same body, so a retry after a lost answer is not a second event:
   * the log holds every number exactly once. Behind schedule, the next one goes at once; none is skipped.
   */
  async inSequence(phase: string, rate: number, durationMs: number, o: SequenceOptions): Promise<SequenceResult> {
    const startedAt = wallClockMs();
    const errors: string[] = [];
    let retries = 0;
    let seq = 0;
    for (; ; seq++) {
      const due = startedAt + (seq * 1000) / rate;
      if (due - startedAt >= durationMs) break;
      const wait = due - wallClockMs();
      if (wait > 1) await sleep(wait);
      // Stamped once: a retry must repeat the body exactly for its key to be honoured.
      const body = this.target.body({ p: phase, s: seq, t: wallClockMs() });
      const firstTry = wallClockMs();
      for (;;) {
        const answer = await this.attempt(body, { 'idempotency-key': `${o.keyPrefix}-${seq}` });
        if (answer.ok) {
          o.onAccepted?.(seq);
          break;
        }
        if (errors.length < 5) errors.push(answer.error);
        if ((answer.status !== undefined && FINAL_REFUSALS.has(answer.status)) || wallClockMs() - firstTry > o.retryLimitMs) {
          throw new Error(`publishing number ${seq} of the sequence failed: ${answer.error} (${retries} retries so far; ${errors.join('; ')})`);
        }
        retries++;
        await sleep(200);
      }
    }
    return { accepted: seq, retries, errors, startedAt, endedAt: wallClockMs() };
  }

  private async attempt(body: string, headers: Readonly<Record<string, string>>): Promise<{ ok: true } | { ok: false; status: number | undefined; error: string }> {
    try {
      const res = await this.pool.request({ path: this.target.path, method: this.target.method ?? 'POST', headers: { 'content-type': 'application/json', ...this.target.headers, ...headers }, body });
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true };
      return { ok: false, status: res.statusCode, error: `${res.statusCode} ${text.slice(0, 200)}` };
    } catch (e) {
      return { ok: false, status: undefined, error: e instanceof Error ? e.message : String(e) };
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
