// A connection that never sent a byte (a browser's preconnect) must not hold a closing server: Node
// counts it busy from its start, so the close used to wait the headers timeout for it. One whose
// request had begun still gets its 503 draining (test/lifecycle.test.ts).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { startServer } from '../helpers/server.js';

test('closing drops connections that never sent a byte, at once', async () => {
  // Both bounds far beyond the test's own: only dropping the silent connection lets it end in time.
  const ts = await startServer({ httpHeadersTimeoutMs: 300_000, shutdownGraceMs: 300_000 });
  const silent = net.connect(Number(new URL(ts.url).port), '127.0.0.1');
  await once(silent, 'connect');
  silent.on('error', () => undefined);
  const closed = once(silent, 'close');
  const bound = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 30_000).unref());
  assert.notEqual(await Promise.race([ts.close().then(() => 'closed' as const), bound]), 'stuck', 'the server waited for a connection that sent nothing');
  await closed;
});
