// Loopback helpers: a free port, waiting for a server to answer, and the source addresses load
// clients spread over (each has its own ephemeral port range toward one server port).
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers 2xx, for at most `timeoutMs`, while `isAlive` (the server process
 * runs): an answer counts only if the process still runs after it, since with the process gone it
 * came from something else on the port.
 */
export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline && isAlive()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok && isAlive()) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

/** `count` addresses 127.0.0.2, 127.0.0.3, … starting after `skip` of them. */
export function loopbackSources(count: number, skip = 0): string[] {
  if (skip + count > 253) throw new Error('at most 253 loopback source addresses (127.0.0.2 … 127.0.0.254)');
  return Array.from({ length: count }, (_, i) => `127.0.0.${2 + skip + i}`);
}
