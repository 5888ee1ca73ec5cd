// The per-request logger makes its pino child only for a line that is written, and the lines it
// writes carry the request's bindings, as a child made at once would.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import pino from 'pino';
import { RequestLogger, requestLoggerFactory } from '../../src/http/request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level, base: { service: 'capstan' } }, stream);
  let children = 0;
  // Children inherit the method (pino children are made with Object.create), so `this` is kept.
  const child = logger.child;
  logger.child = function (this: typeof logger, ...args: Parameters<typeof child>) {
    children++;
    return child.apply(this, args);
  } as typeof logger.child;
  return { logger, lines, children: () => children, flush: () => new Promise<void>((resolve) => setImmediate(resolve)) };
}

describe('request logger', () => {
  test('below its level nothing is made or written', async () => {
    const c = capture('warn');
    const log = requestLoggerFactory(c.logger, { reqId: 'r-1' }, {});
    assert.ok(log instanceof RequestLogger);
    log.info({ method: 'GET' }, 'request');
    log.debug('details');
    await c.flush();
    assert.equal(c.children(), 0);
    assert.deepEqual(c.lines, []);
    assert.equal(log.level, 'warn');
  });

  test("lines at its level carry the request's bindings, from one child", async () => {
    const c = capture('info');
    const log = requestLoggerFactory(c.logger, { reqId: 'r-2' }, {});
    log.info({ method: 'GET', status: 200 }, 'request');
    log.error(new Error('boom'), 'failed');
    assert.equal(c.children(), 1);
    log.child({ part: 'inner' }).warn('nested');
    await c.flush();
    assert.deepEqual(c.lines.map((l) => [l.reqId, l.msg, l.service]), [['r-2', 'request', 'capstan'], ['r-2', 'failed', 'capstan'], ['r-2', 'nested', 'capstan']]);
    assert.equal(c.lines[0]?.status, 200);
    assert.equal((c.lines[1]?.err as { message?: string }).message, 'boom');
    assert.equal(c.lines[2]?.part, 'inner');
  });

  test('a route level makes the child at once, as before', () => {
    const c = capture('warn');
    const log = requestLoggerFactory(c.logger, { reqId: 'r-3' }, { level: 'debug' });
    assert.equal(c.children(), 1);
    assert.equal(log.level, 'debug');
  });
});
