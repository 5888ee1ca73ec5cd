// Loopback helpers: free ports, waiting for a port to open or close, and bounded polling. Every
// address the suite uses is on 127.0.0.1; `assertLoopback` guards URLs built from server answers.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };
/** The same free-port helper the benchmarks use. */
export { freePort } from '../../bench/lib/net.js';

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Calls `check` every `everyMs` until it returns a value; throws after `limitMs` naming `what`. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, everyMs: number, limitMs: number, what: string): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`the chaos suite talks to loopback addresses only, not ${url}`);
}
