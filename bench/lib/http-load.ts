// Keep-alive HTTP load over an undici pool: `connections` sockets, one request in flight on each, until a
// request count or a time limit (whichever first). Used by the REST scenarios against Capstan and a
// Fastify hello-world alike.
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

export async function httpLoad(origin: string, paths: readonly string[], headers: Readonly<Record<string, string>>, connections: number, seconds: number, maxRequests: number): Promise<HttpLoadResult> {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const latency = new Histogram();
  const errors: string[] = [];
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = wallClockMs();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (next < maxRequests && wallClockMs() < deadline) {
      const path = paths[next++ % paths.length] ?? '/';
      const t0 = wallClockMs();
      try {
        const res = await pool.request({ path, method: 'GET', headers });
        await res.body.text();
        if (res.statusCode === 200) ok++;
        else {
          failed++;
          if (errors.length < 5) errors.push(`status ${res.statusCode}`);
        }
      } catch (e) {
        failed++;
        if (errors.length < 5) errors.push(e instanceof Error ? e.message : String(e));
      }
      latency.recordMillis(wallClockMs() - t0);
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    await pool.destroy();
  }
  const elapsed = (wallClockMs() - started) / 1000;
  return { requests: next, ok, failed, seconds: Math.round(elapsed * 1000) / 1000, requestsPerSec: Math.round(ok / elapsed), p50Ms: latency.quantileMillis(0.5), p99Ms: latency.quantileMillis(0.99), errors };
}
