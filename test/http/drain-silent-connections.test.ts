// A connection that never sent a byte (a browser's preconnect) must not hold a closing server: Node
// counts it busy from its start, so the close used to wait the headers timeout for it. One whose
// request had begun still gets its 503 draining (test/lifecycle.test.ts), and so does one whose request
// was sent as the close began but not yet read.
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

test('a request sent as the close begins, not yet read, is answered 503 draining, not reset', async () => {
  const ts = await startServer({ httpHeadersTimeoutMs: 300_000, shutdownGraceMs: 300_000 });
  const socket = net.connect(Number(new URL(ts.url).port), '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  let failure: Error | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', (err) => (failure = err));
  const closed = once(socket, 'close');
  // The close starts in this turn; the request reaches the server's socket before the server reads it.
  const closing = ts.close();
  socket.write('GET /version HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: just-in-time\r\n\r\n');
  await closed;
  await closing;
  assert.equal(failure, undefined, 'the connection was reset');
  assert.match(received, /^HTTP\/1\.1 503 /);
  assert.match(received, /x-request-id: just-in-time/i);
  assert.match(received, /"code":"draining"/);
});
