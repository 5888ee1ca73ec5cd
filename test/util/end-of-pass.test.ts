// The end of a pass runs the answers to requests before the fan-out's writes, whichever was queued
// first, so that a publisher has its answer (and sends its next event) while the writes go out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { AnswerBatch } from '../../src/http/answer-batch.js';
import { FrameBatch } from '../../src/realtime/write-batch.js';
import { atEndOfPass } from '../../src/util/end-of-pass.js';

const nextPass = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the end of a pass', () => {
  test('runs every answer before any write, each step in the order its tasks came', async () => {
    const ran: string[] = [];
    atEndOfPass('writes', () => ran.push('write 1'));
    atEndOfPass('answers', () => ran.push('answer 1'));
    atEndOfPass('writes', () => ran.push('write 2'));
    atEndOfPass('answers', () => ran.push('answer 2'));
    await Promise.resolve();
    assert.deepEqual(ran, [], 'nothing runs during the pass');
    await nextPass();
    assert.deepEqual(ran, ['answer 1', 'answer 2', 'write 1', 'write 2']);
  });

  test('a task queued while the end of a pass runs waits for the next pass', async () => {
    const ran: string[] = [];
    atEndOfPass('writes', () => {
      ran.push('write');
      atEndOfPass('answers', () => ran.push('late answer'));
    });
    await nextPass();
    assert.deepEqual(ran, ['write']);
    await nextPass();
    assert.deepEqual(ran, ['write', 'late answer']);
  });

  test('a task that throws does not keep the others from running, and its error becomes a warning', async () => {
    const ran: string[] = [];
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      atEndOfPass('answers', () => {
        throw new Error('socket gone');
      });
      atEndOfPass('answers', () => ran.push('answer'));
      atEndOfPass('writes', () => ran.push('write'));
      await nextPass();
      await nextPass();
      assert.deepEqual(ran, ['answer', 'write']);
      const warning = warnings.find((w) => w.message.endsWith('socket gone'));
      assert.ok(warning, 'the error is reported');
      assert.equal((warning as Error & { code?: string }).code, 'CAPSTAN_END_OF_PASS');
    } finally {
      process.off('warning', onWarning);
    }
  });

  test("a publish's answer leaves before the fan-out it started is written", async () => {
    const order: string[] = [];
    const frames = new FrameBatch({ sendBatch: (bytes) => order.push(`frames ${bytes.toString()}`), transportQueued: () => 0 });
    const answers = new AnswerBatch(pino({ level: 'silent' }));
    // As in a publish: the event is queued to the subscriber's batch, then the request is answered.
    frames.push(Buffer.from('e1'));
    answers.defer(() => order.push('answer 1'));
    await nextPass();
    assert.deepEqual(order, ['answer 1', 'frames e1']);
  });
});
