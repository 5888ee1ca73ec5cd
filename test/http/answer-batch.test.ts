// Answers finished in one pass of I/O go out together after it: each in order, none lost when one
// fails, and on a real server every client still gets its own answer, pipelined or side by side.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { AnswerBatch } from '../../src/http/answer-batch.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'error' }, sink), lines };
}

describe('the answer batch', () => {
  test('answers deferred in one pass go out after it, in the order they came', async () => {
    const { logger } = capturedLogger();
    const batch = new AnswerBatch(logger);
    const sent: string[] = [];
    batch.defer(() => sent.push('a'));
    batch.defer(() => sent.push('b'));
    queueMicrotask(() => batch.defer(() => sent.push('c')));
    await Promise.resolve();
    assert.deepEqual(sent, [], 'nothing goes out during the pass');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, ['a', 'b', 'c']);
  });

  test('one answer that throws is logged, and the others still go out', async () => {
    const { logger, lines } = capturedLogger();
    const batch = new AnswerBatch(logger);
    const sent: string[] = [];
    batch.defer(() => sent.push('first'));
    batch.defer(() => {
      throw new Error('socket gone');
    });
    batch.defer(() => sent.push('third'));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, ['first', 'third']);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.msg, 'sending an answer failed');
    assert.equal((lines[0]?.err as { message?: string }).message, 'socket gone');
  });

  test('an answer deferred while the batch goes out goes in the next pass, not lost', async () => {
    const { logger } = capturedLogger();
    const batch = new AnswerBatch(logger);
    const sent: string[] = [];
    batch.defer(() => {
      sent.push('outer');
      batch.defer(() => sent.push('inner'));
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, ['outer']);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, ['outer', 'inner']);
  });
});

describe('batched answers on a real server', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(() => s.close());

  test('requests pipelined in one write are answered in order, each with its own answer', async () => {
    const { hostname, port } = new URL(s.url);
    const socket = connect(Number(port), hostname);
    const head = (path: string, id: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Request-ID: ${id}\r\n${extra}\r\n`;
    const received: Buffer[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      socket.on('data', (d: Buffer) => received.push(d));
      socket.on('end', resolve);
      socket.on('error', reject);
    });
    socket.write(head('/healthz', 'one') + head('/version', 'two') + head('/no-such-route', 'three') + head('/admin/v1/orgs?limit=1', 'four', `Authorization: Bearer ${ADMIN_TOKEN}\r\nConnection: close\r\n`));
    await ended;
    const text = Buffer.concat(received).toString();
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 4, text);
    assert.deepEqual(answers.map((a) => /^HTTP\/1\.1 (\d+)/.exec(a)?.[1]), ['200', '200', '404', '200']);
    assert.deepEqual(answers.map((a) => /x-request-id: (\S+)/i.exec(a)?.[1]), ['one', 'two', 'three', 'four']);
    assert.match(answers[0]!, /"status":"ok"/);
    assert.match(answers[2]!, /"code":"route_not_found"/);
  });

  test('200 requests at once, each on its own connection, each get the answer to their own request', async () => {
    const orgs = await Promise.all(Array.from({ length: 4 }, (_, i) => s.admin('POST', '/orgs', { name: `batch-${i}` })));
    for (const o of orgs) assert.equal(o.status, 201, JSON.stringify(o.body));
    const ids = orgs.map((o) => o.body.id as string);
    const answers = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const id = ids[i % ids.length]!;
      const res = await fetch(`${s.url}/admin/v1/orgs/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': `req-${i}` } });
      return { i, id, status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as Record<string, unknown> };
    }));
    for (const a of answers) {
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(a.requestId, `req-${a.i}`);
      assert.equal(JSON.stringify(a.body).includes(a.id), true, `request ${a.i} got the answer about ${a.id}`);
    }
  });
});
