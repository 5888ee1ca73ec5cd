// A failure repeating on every poll while PostgreSQL is away: one line when it starts, one a minute
// with how often it recurred, one when it ends.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { RepeatedFailureLog } from '../../src/util/repeated-failure.js';

test('a repeating failure is logged when it starts, once a minute while it lasts, and when it ends', (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const logger = {
    warn: (fields: Record<string, unknown>, message: string) => void lines.push({ level: 'warn', fields, message }),
    info: (fields: Record<string, unknown>, message: string) => void lines.push({ level: 'info', fields, message }),
  };
  const log = new RepeatedFailureLog(logger, 'workflow claim failed');
  const outage = new Error('connect ECONNREFUSED 127.0.0.1:5432');
  log.succeeded();
  assert.equal(lines.length, 0, 'nothing while all is well');

  // Ten polls a second for 90 s.
  for (let i = 0; i < 900; i++) {
    log.failed(outage);
    mock.timers.tick(100);
  }
  assert.deepEqual(lines.map((l) => [l.level, l.message]), [
    ['warn', 'workflow claim failed'],
    ['warn', 'workflow claim failed (still failing)'],
  ]);
  assert.equal(lines[0]!.fields.err, outage, 'the first line carries the error');
  assert.equal(lines[1]!.fields.repeated, 600, 'the minute line counts the failures it stands for');
  log.succeeded();
  log.succeeded();
  assert.deepEqual(lines.slice(2).map((l) => [l.level, l.message, l.fields.repeated]), [['info', 'workflow claim failed: working again', 299]]);

  // The next outage starts with a line of its own at once.
  log.failed(outage);
  assert.equal(lines.length, 4);
  assert.equal(lines[3]!.message, 'workflow claim failed');
});
