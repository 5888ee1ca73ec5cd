// ProgressThrottle: how the ocr stage's page counts become a few writes a second, the last always.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProgressThrottle } from '../../src/documents/ocr-progress.js';
import { createLogger } from '../../src/http/index.js';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ProgressThrottle', () => {
  test('writes the first value at once, then at most one per interval with the latest value, and the last on flush', async () => {
    const writes: { value: number; at: number }[] = [];
    let overlapping = 0;
    let writing = 0;
    const throttle = new ProgressThrottle<number>(100, async (value) => {
      writing++;
      overlapping = Math.max(overlapping, writing);
      writes.push({ value, at: Date.now() });
      await sleep(5);
      writing--;
    }, logger);
    const started = Date.now();
    for (let v = 1; v <= 30; v++) {
      throttle.update(v);
      await sleep(10);
    }
    await throttle.flush();
    const elapsed = Date.now() - started;
    assert.equal(writes[0]?.value, 1, 'the first value is not held back');
    assert.equal(writes.at(-1)?.value, 30, 'the last value is always written');
    assert.ok(writes.length <= Math.ceil(elapsed / 100) + 2, `${writes.length} writes in ${elapsed} ms`);
    assert.ok(writes.length >= 3, 'values in between were written too');
    assert.ok(writes.every((w, i) => i === 0 || w.value > writes[i - 1]!.value), 'in order, never a stale value after a newer one');
    assert.ok(writes.slice(1, -1).every((w, i) => w.at - writes[i]!.at >= 95), 'an interval between writes');
    assert.equal(overlapping, 1, 'one write at a time');
  });

  test('flush writes nothing twice; stop drops what is not written', async () => {
    const writes: number[] = [];
    const throttle = new ProgressThrottle<number>(1000, async (v) => void writes.push(v), logger);
    throttle.update(1);
    await throttle.flush();
    await throttle.flush();
    assert.deepEqual(writes, [1]);
    throttle.update(2);
    throttle.stop();
    await throttle.flush();
    throttle.update(3);
    await sleep(20);
    assert.deepEqual(writes, [1]);
  });

  test('a failed write is not fatal: the next value is still written', async () => {
    const writes: number[] = [];
    const throttle = new ProgressThrottle<number>(0, async (v) => {
      if (v === 1) throw new Error('database busy');
      writes.push(v);
    }, logger);
    throttle.update(1);
    await throttle.flush();
    throttle.update(2);
    await throttle.flush();
    assert.deepEqual(writes, [2]);
  });
});
