// Waiting before a reconnect: exponential with jitter, unless the server named the wait (retry_ms of
// stream.draining, the SSE `retry:` field, Retry-After), which is kept with a little jitter on top
// so clients told the same number do not return in one burst.
import { abortedError } from './errors.js';

export interface BackoffOptions {
  /** First wait after a failure when the server gave no hint. Default 500 ms. */
  readonly initialMs?: number;
  /** Longest wait. Default 30 s. */
  readonly maxMs?: number;
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}, hintMs?: number): number {
  const max = options.maxMs ?? 30_000;
  if (hintMs !== undefined) return hintMs + Math.random() * Math.min(hintMs * 0.1, 1000);
  const cap = Math.min(max, (options.initialMs ?? 500) * 2 ** Math.min(attempt, 20));
  return cap / 2 + Math.random() * (cap / 2);
}

/** Resolves after `ms`, or rejects with `aborted` as soon as the signal is. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
