// The OCR pool's scheduling, over in-process stand-in workers whose jobs finish when the test says:
// pages spread over the workers, fair turns between documents, aborts, wedged and crashed workers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OcrPool, PoolClosedError, PoolJobOutOfMemoryError, PoolJobTimeoutError, PoolWorkerLostError, type PoolWorker } from '../../../src/pipelines/documents/ocr-pool.js';

interface Running {
  readonly job: string;
  readonly worker: number;
  readonly signal: AbortSignal;
  finish(): void;
  fail(error: Error): void;
}

/** Workers that hold each job until the test finishes it; `wedge` makes a worker never answer. */
/** A worker thread's end at its heap limit, as Node reports it. */
const outOfMemory = () => Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });

function stubWorkers(options: { wedge?: (job: string) => boolean; retireAfter?: (job: string) => boolean } = {}) {
  const running: Running[] = [];
  const started: string[] = [];
  const terminated: number[] = [];
  const closed: number[] = [];
  const crash: ((e: Error) => void)[] = [];
  let spawned = 0;
  const spawn = (): PoolWorker<string, string, string> => {
    const worker = spawned++;
    let exit: (e: Error) => void = () => undefined;
    let retiring = false;
    crash[worker] = (e) => {
      for (const r of running.filter((x) => x.worker === worker)) running.splice(running.indexOf(r), 1);
      exit(e);
    };
    return {
      run(job, signal) {
        started.push(job);
        if (options.wedge?.(job)) return new Promise(() => undefined);
        return new Promise((resolve, reject) => {
          const entry: Running = {
            job,
            worker,
            signal,
            finish: () => {
              running.splice(running.indexOf(entry), 1);
              retiring ||= options.retireAfter?.(job) === true;
              resolve(`${job} done`);
            },
            fail: (e) => {
              running.splice(running.indexOf(entry), 1);
              reject(e);
            },
          };
          running.push(entry);
        });
      },
      notify: () => undefined,
      exited: new Promise<Error>((resolve) => (exit = resolve)),
      close: async () => void closed.push(worker),
      terminate: async () => void terminated.push(worker),
      get retiring() {
        return retiring;
      },
    };
  };
  const find = (job: string) => {
    const r = running.find((x) => x.job === job);
    assert.ok(r, `${job} is running (running: ${running.map((x) => x.job).join(', ')})`);
    return r;
  };
  return { spawn, running, started, terminated, closed, crash, find, spawnedCount: () => spawned };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('OcrPool', () => {
  test('exclusive jobs spread over the workers, one at a time each; workers start only when needed', async () => {
    const w = stubWorkers();
    const pool = new OcrPool({ size: 3, spawn: w.spawn, timeoutMs: 60_000 });
    assert.equal(pool.started, 0, 'nothing starts before there is work');
    const results = ['p1', 'p2', 'p3', 'p4', 'p5'].map((p) => pool.run(p, { group: 'doc', exclusive: true }));
    await tick();
    assert.deepEqual(w.running.map((r) => r.job), ['p1', 'p2', 'p3']);
    assert.deepEqual(new Set(w.running.map((r) => r.worker)).size, 3, 'one job per worker');
    assert.equal(pool.queued, 2);
    w.find('p2').finish();
    await tick();
    assert.deepEqual(w.running.map((r) => r.job), ['p1', 'p3', 'p4'], 'the freed worker takes the next page');
    while (w.running.length > 0) {
      w.running[0]!.finish();
      await tick();
    }
    assert.deepEqual(await Promise.all(results), ['p1 done', 'p2 done', 'p3 done', 'p4 done', 'p5 done']);
    assert.equal(w.spawnedCount(), 3, 'never more workers than the size');
    await pool.close();
  });

  test('documents take turns: a short document queued behind a long one is not kept waiting for it', async () => {
    const w = stubWorkers();
    const pool = new OcrPool({ size: 1, spawn: w.spawn, timeoutMs: 60_000 });
    const finished: string[] = [];
    const submit = (group: string, job: string) => pool.run(job, { group, exclusive: true }).then(() => void finished.push(job));
    const all = [...['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((j) => submit('a', j)), ...['b1', 'b2'].map((j) => submit('b', j))];
    while (finished.length < 8) {
      await tick();
      w.running[0]?.finish();
      await tick();
    }
    await Promise.all(all);
    assert.deepEqual(w.started, ['a1', 'a2', 'b1', 'a3', 'b2', 'a4', 'a5', 'a6'], 'round-robin between the documents');
    await pool.close();
  });

  test('shared jobs run at once, beside the exclusive ones, even when every worker is busy', async () => {
    const w = stubWorkers();
    const pool = new OcrPool({ size: 2, spawn: w.spawn, timeoutMs: 60_000 });
    const pages = ['p1', 'p2', 'p3'].map((p) => pool.run(p, { group: 'doc', exclusive: true }));
    await tick();
    const count = pool.run('count', { exclusive: false });
    await tick();
    assert.ok(w.running.some((r) => r.job === 'count'), 'the count did not wait for a page');
    assert.equal(pool.queued, 1);
    w.find('count').finish();
    assert.equal(await count, 'count done');
    while (w.running.length > 0) {
      w.running[0]!.finish();
      await tick();
    }
    await Promise.all(pages);
    await pool.close();
  });

  test('an aborted signal takes its queued jobs out and stops its running one; other documents go on', async () => {
    const w = stubWorkers();
    const pool = new OcrPool({ size: 1, spawn: w.spawn, timeoutMs: 60_000 });
    const stage = new AbortController();
    const mine = ['m1', 'm2', 'm3'].map((j) => pool.run(j, { group: 'mine', exclusive: true, signal: stage.signal }));
    const other = pool.run('o1', { group: 'other', exclusive: true });
    await tick();
    stage.abort(new Error('lease lost'));
    for (const p of mine) await assert.rejects(p, /lease lost/);
    assert.equal(w.find('m1').signal.aborted, true, 'the running job is told to stop');
    assert.equal(pool.queued, 1, 'only the other document is still queued');
    w.find('m1').finish();
    await tick();
    w.find('o1').finish();
    assert.equal(await other, 'o1 done');
    assert.deepEqual(w.started, ['m1', 'o1'], 'the aborted queued pages never ran');
    await assert.rejects(pool.run('late', { exclusive: true, signal: stage.signal }), /lease lost/);
    await pool.close();
  });

  test('a job that overruns its time fails, its wedged worker is replaced, and its neighbours run again elsewhere', async () => {
    const w = stubWorkers({ wedge: (job) => job === 'stuck' || (job === 'count' && w.spawnedCount() === 1) });
    const pool = new OcrPool({ size: 1, spawn: w.spawn, timeoutMs: 100 });
    const started = Date.now();
    const stuck = pool.run('stuck', { group: 'a', exclusive: true });
    const count = pool.run('count', { exclusive: false });
    const next = pool.run('next', { group: 'b', exclusive: true });
    await assert.rejects(stuck, PoolJobTimeoutError);
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(w.terminated, [0], 'the wedged worker was stopped');
    await tick();
    assert.equal(w.spawnedCount(), 2, 'and replaced');
    w.find('count').finish();
    assert.equal(await count, 'count done', 'the light job caught on the wedged worker ran again on the new one');
    await tick();
    w.find('next').finish();
    assert.equal(await next, 'next done');
    await pool.close();
  });

  test('a crashed worker is replaced; its job runs once more, and fails if that worker dies too', async () => {
    const w = stubWorkers();
    const pool = new OcrPool({ size: 1, spawn: w.spawn, timeoutMs: 60_000 });
    const job = pool.run('page', { group: 'a', exclusive: true });
    await tick();
    w.crash[0]!(new Error('out of memory'));
    await tick();
    assert.equal(w.spawnedCount(), 2);
    assert.equal(w.find('page').worker, 1, 'the page runs again on the new worker');
    w.crash[1]!(new Error('out of memory'));
    await assert.rejects(job, PoolWorkerLostError);
    await pool.close();
  });

  test('a worker out of memory with one job fails that job for good, without running it again', async () => {
    const w = stubWorkers();
    const pool = new OcrPool({ size: 1, spawn: w.spawn, timeoutMs: 60_000 });
    const job = pool.run('bomb', { group: 'a', exclusive: true });
    await tick();
    w.crash[0]!(outOfMemory());
    await assert.rejects(job, PoolJobOutOfMemoryError);
    assert.deepEqual(w.started, ['bomb'], 'not run again');
    const next = pool.run('next', { group: 'b', exclusive: true });
    await tick();
    w.find('next').finish();
    assert.equal(await next, 'next done', 'a new worker takes the next job');
    await pool.close();
  });

  test('out of memory with several jobs, each runs once more; the one that runs out again fails', async () => {
    const w = stubWorkers();
    const pool = new OcrPool({ size: 1, spawn: w.spawn, timeoutMs: 60_000 });
    const bomb = pool.run('bomb', { group: 'a', exclusive: true });
    const count = pool.run('count', { exclusive: false });
    await tick();
    w.crash[0]!(outOfMemory());
    await tick();
    w.find('count').finish();
    assert.equal(await count, 'count done', 'the bystander is run again and answers');
    w.crash[1]!(outOfMemory());
    await assert.rejects(bomb, PoolJobOutOfMemoryError);
    await pool.close();
  });

  test('a worker that asks to retire takes no new job, is closed when its jobs end, and is replaced', async () => {
    const w = stubWorkers({ retireAfter: (job) => job === 'heavy' });
    const pool = new OcrPool({ size: 1, spawn: w.spawn, timeoutMs: 60_000 });
    const heavy = pool.run('heavy', { group: 'a', exclusive: true });
    const count = pool.run('count', { exclusive: false });
    await tick();
    w.find('heavy').finish();
    assert.equal(await heavy, 'heavy done');
    const next = pool.run('next', { group: 'b', exclusive: true });
    await tick();
    assert.equal(w.find('next').worker, 1, 'the next job goes to a new worker');
    assert.deepEqual(w.closed, [], 'the retiring worker still finishes its other job');
    w.find('count').finish();
    assert.equal(await count, 'count done');
    await tick();
    assert.deepEqual(w.closed, [0]);
    w.find('next').finish();
    await next;
    await pool.close();
  });

  test('close fails what is queued, closes the workers and refuses new jobs', async () => {
    const w = stubWorkers();
    const pool = new OcrPool({ size: 1, spawn: w.spawn, timeoutMs: 60_000 });
    const running = pool.run('p1', { group: 'a', exclusive: true });
    const queued = pool.run('p2', { group: 'a', exclusive: true });
    await tick();
    await pool.close();
    await assert.rejects(queued, PoolClosedError);
    await assert.rejects(running, PoolClosedError);
    assert.deepEqual(w.closed, [0]);
    await assert.rejects(pool.run('p3', { exclusive: true }), PoolClosedError);
  });

  test('a pool needs at least one worker', () => {
    const w = stubWorkers();
    assert.throws(() => new OcrPool({ size: 0, spawn: w.spawn, timeoutMs: 1000 }), RangeError);
    assert.throws(() => new OcrPool({ size: -2, spawn: w.spawn, timeoutMs: 1000 }), RangeError);
  });
});
