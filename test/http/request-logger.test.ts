// The per-request logger Fastify gets from the app writes what a pino child would, with the request's
// bindings, and only at the levels that are on; a route with a level of its own gets a real child.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import pino from 'pino';
import { requestLogger } from '../../src/http/logger.js';

function captured(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('the request logger', () => {
  test('writes with the request bindings at the levels that are on, nothing below', () => {
    const { logger, lines } = captured('warn');
    const log = requestLogger(logger, { reqId: 'r-1' }, {});
    assert.equal(log.level, 'warn');
    log.info({ skipped: true }, 'below the level');
    log.debug('below the level');
    log.warn({ n: 1 }, 'kept');
    log.error('also kept');
    assert.deepEqual(lines.map((l) => [l.reqId, l.msg, l.n]), [['r-1', 'kept', 1], ['r-1', 'also kept', undefined]]);
  });

  test('its own children keep the request bindings', () => {
    const { logger, lines } = captured('info');
    requestLogger(logger, { reqId: 'r-2' }, {}).child({ part: 'x' }).info('from a child');
    assert.deepEqual([lines[0]?.reqId, lines[0]?.part, lines[0]?.msg], ['r-2', 'x', 'from a child']);
  });

  test('a route level of its own gets a pino child at once, with that level', () => {
    const { logger, lines } = captured('warn');
    const log = requestLogger(logger, { reqId: 'r-3' }, { level: 'debug' });
    log.debug('on for this route');
    assert.equal(log.level, 'debug');
    assert.deepEqual([lines[0]?.reqId, lines[0]?.msg], ['r-3', 'on for this route']);
  });
});
