// An ECONNRESET is the client's only while its request is still arriving. A handler that fails with
// one after the whole body arrived has lost its database connection (PostgreSQL restarting): that is
// 503 unavailable with Retry-After, retryable, not a 400 a careful client would take as final. A body
// cut short by the client is still answered as the client's.
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorHandler } from '../../src/http/error-handler.js';

const reset = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });

describe('an ECONNRESET in a handler', () => {
  let app: FastifyInstance;
  let url = '';
  const seen: string[] = [];
  before(async () => {
    app = Fastify();
    app.setErrorHandler(errorHandler);
    app.post('/write', async (req) => {
      seen.push(JSON.stringify(req.body));
      throw reset();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(() => app.close());

  test('after the whole body arrived is the database\'s: 503 unavailable with Retry-After', async () => {
    const res = await fetch(`${url}/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 1, pad: 'x'.repeat(100_000) }) });
    const body = (await res.json()) as { code: string };
    assert.equal(res.status, 503, JSON.stringify(body));
    assert.equal(body.code, 'unavailable');
    assert.ok(res.headers.get('retry-after'));
    assert.equal(seen.length, 1, 'the handler had the whole body');
  });

  test('a body the client cut short never reaches the handler, and the server stays up', async () => {
    const before = seen.length;
    const { port } = app.server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' }, () => {
        socket.write('POST /write HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"amount":');
        setTimeout(() => socket.resetAndDestroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
    const res = await fetch(`${url}/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 503);
    assert.equal(seen.length, before + 1, 'only the whole request reached the handler');
  });
});
