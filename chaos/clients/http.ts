// REST calls as a careful client behind a load balancer makes them: each attempt goes to a live node,
// network errors, the statuses the caller names and a 409 that says when to retry (an Idempotency-Key
// still held by a request in progress) are retried (with the same Idempotency-Key, which the caller
// puts in the headers) until a deadline, and every attempt is kept as evidence.
import type { CapstanCluster } from '../cluster.js';
import { parseJson, type Json } from '../lib/json.js';
import { assertLoopback, sleep } from '../lib/net.js';
import type { Prng } from '../lib/prng.js';

export interface Answer {
  readonly status: number;
  /** Retry-After in milliseconds, when the answer names one in seconds. */
  readonly retryAfterMs?: number;
  readonly body: Json | undefined;
  readonly text: string;
  readonly node: string;
}

export interface Attempt {
  readonly node: string;
  readonly status?: number;
  /** The start of the body of an answer that was not a success. */
  readonly answer?: string;
  readonly error?: string;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  readonly ms: number;
}

export interface RequestSpec {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Per attempt; an attempt that takes longer counts as a network error (its outcome is unknown). */
  readonly timeoutMs?: number;
}

export interface RetryPolicy {
  /** HTTP statuses worth another attempt; network errors are always retried. */
  readonly retryOn: (status: number) => boolean;
  /** Give up after this long (from the first attempt). */
  readonly deadlineMs: number;
  /** Called as each attempt leaves, with the node it goes to (a fault can be aimed at it). */
  readonly onDispatch?: (nodeUrl: string) => void;
}

export interface RetryResult {
  /** The last HTTP answer, if any attempt got one. */
  readonly answer: Answer | undefined;
  readonly attempts: readonly Attempt[];
}

export const retryTransient = (status: number): boolean => status === 502 || status === 503;
export const retryServerErrors = (status: number): boolean => status >= 500;

export class ClusterClient {
  constructor(
    private readonly cluster: CapstanCluster,
    private readonly prng: Prng,
  ) {}

  /** One attempt against `baseUrl`; throws on a network error or timeout. */
  async send(baseUrl: string, spec: RequestSpec): Promise<Answer> {
    assertLoopback(baseUrl);
    const hasBody = spec.body !== undefined;
    const res = await fetch(`${baseUrl}${spec.path}`, {
      method: spec.method,
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...spec.headers },
      body: hasBody ? JSON.stringify(spec.body) : undefined,
      signal: AbortSignal.timeout(spec.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
    return { status: res.status, body: parseJson(text), text: text.slice(0, 2000), node: this.cluster.nodeOf(baseUrl) ?? baseUrl, ...(Number.isFinite(retryAfter) ? { retryAfterMs: retryAfter * 1000 } : {}) };
  }

  async retrying(spec: RequestSpec, policy: RetryPolicy): Promise<RetryResult> {
    const attempts: Attempt[] = [];
    const deadline = Date.now() + policy.deadlineMs;
    let answer: Answer | undefined;
    let waitMs = 0;
    for (let n = 0; Date.now() < deadline; n++) {
      const urls = this.cluster.liveUrls();
      if (urls.length === 0) {
        await sleep(100);
        continue;
      }
      const url = this.prng.pick(urls);
      const node = this.cluster.nodeOf(url) ?? url;
      const startedAt = Date.now();
      const pending = this.send(url, { ...spec, timeoutMs: Math.min(spec.timeoutMs ?? 10_000, Math.max(500, deadline - startedAt)) });
      policy.onDispatch?.(url);
      try {
        answer = await pending;
        attempts.push({ node, status: answer.status, ...(answer.status >= 300 ? { answer: answer.text.slice(0, 200) } : {}), startedAt, ms: Date.now() - startedAt });
        // A 409 with Retry-After is an Idempotency-Key still held by a request in progress (say, one
        // whose answer this client gave up on): asked again after it, the retry gets that answer.
        const held = answer.status === 409 && answer.retryAfterMs !== undefined;
        if (!policy.retryOn(answer.status) && !held) return { answer, attempts };
        waitMs = held ? (answer.retryAfterMs ?? 0) : 0;
      } catch (e) {
        attempts.push({ node, error: describeError(e), startedAt, ms: Date.now() - startedAt });
        waitMs = 0;
      }
      await sleep(Math.max(waitMs, Math.min(500, 50 * 2 ** Math.min(n, 4)) + this.prng.int(0, 50)));
    }
    return { answer, attempts };
  }
}

export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as Error & { cause?: unknown }).cause;
  const code = cause instanceof Error ? ((cause as Error & { code?: unknown }).code ?? cause.message) : undefined;
  return code === undefined ? e.message : `${e.message} (${String(code)})`;
}
