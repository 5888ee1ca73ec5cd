// Shared by the client tests: they import the built package (@capstan/client → packages/client/dist),
// so a stale build would test old code. Build it first: `npx tsc -p packages/client/tsconfig.json`.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../../packages/client');

function newest(dir: string): number {
  return Math.max(0, ...readdirSync(dir).map((name) => {
    const path = join(dir, name);
    const s = statSync(path);
    return s.isDirectory() ? newest(path) : s.mtimeMs;
  }));
}

/** Fails with the command to run when packages/client/dist is older than its sources. */
export function assertFreshBuild(): void {
  let built = 0;
  try {
    built = statSync(join(ROOT, 'dist/index.js')).mtimeMs;
  } catch {
    // No build at all: reported below.
  }
  assert.ok(built >= newest(join(ROOT, 'src')), 'packages/client/dist is missing or older than its sources: run `npx tsc -p packages/client/tsconfig.json`');
}

/** Takes items from an async iterator until `stop` says so; fails after `timeoutMs`. */
export async function take<T>(iterator: AsyncIterator<T>, stop: (items: T[]) => boolean, timeoutMs = 20_000): Promise<T[]> {
  const items: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!stop(items)) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${items.length} items: ${JSON.stringify(items).slice(-400)}`)), Math.max(1, left)))),
    ]).finally(() => clearTimeout(timer));
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

/** A fetch that counts requests by path (and can be told to fail some). */
export function countingFetch(fail?: (url: URL, init?: RequestInit) => boolean): { fetch: (input: string, init?: RequestInit) => Promise<Response>; count: (path: string) => number } {
  const counts = new Map<string, number>();
  return {
    fetch: async (input, init) => {
      const url = new URL(input);
      counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
      if (fail?.(url, init)) throw new TypeError('fetch failed (test)');
      return fetch(input, init);
    },
    count: (path) => counts.get(path) ?? 0,
  };
}
