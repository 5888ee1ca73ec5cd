// The event-loop delay the node stats report, and the one period every monitor in the process ticks
// at. A stall is asserted from below only (a busy machine makes it later, never earlier); no test
// here depends on the machine being quiet.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { createMetrics } from '../../src/http/metrics.js';
import { LOOP_DELAY_RESOLUTION_MS, LoopDelay, lateByMs } from '../../src/util/loop-delay.js';

function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the loop is held: the monitor's tick due meanwhile runs late
  }
}

test('a stall of the event loop reads as its length past the period, and a read resets the window', async () => {
  const loop = new LoopDelay();
  try {
    await sleep(LOOP_DELAY_RESOLUTION_MS * 3);
    block(400);
    await sleep(LOOP_DELAY_RESOLUTION_MS * 2);
    // The tick due during the stall ran at least 400 − 50 ms late; the period itself is not counted.
    assert.ok(loop.read() >= 400 - LOOP_DELAY_RESOLUTION_MS, 'the stall is seen');
    // Nothing recorded since the read: nothing to report.
    assert.equal(loop.read(), 0);
  } finally {
    loop.close();
  }
});

test('a tick on time reads 0, a late one the time past its period', () => {
  assert.equal(lateByMs(LOOP_DELAY_RESOLUTION_MS + 0.004), 0);
  assert.equal(lateByMs(LOOP_DELAY_RESOLUTION_MS + 1.234), 1.23);
  assert.equal(lateByMs(LOOP_DELAY_RESOLUTION_MS + 250), 250);
  // Faster than the period (the first tick after enabling) and nothing recorded both read 0.
  assert.equal(lateByMs(LOOP_DELAY_RESOLUTION_MS - 3), 0);
  assert.equal(lateByMs(0), 0);
  assert.equal(lateByMs(Number.NaN), 0);
});

test('/metrics keeps its event-loop gauges, from a monitor at the same period', async () => {
  const metrics = createMetrics();
  await sleep(LOOP_DELAY_RESOLUTION_MS * 5);
  const text = await metrics.registry.metrics();
  const p50 = /^capstan_nodejs_eventloop_lag_p50_seconds (\S+)$/m.exec(text);
  assert.ok(p50, 'the p50 gauge is exposed');
  // Each tick's whole interval is recorded, so the median sits near the period (not at a 10-ms
  // monitor's). On a busy machine a tick can follow a late one by less than the period (libuv
  // re-arms the timer from the loop's cached time), so the bound is half the period, still far
  // above 10 ms.
  assert.ok(Number(p50[1]) >= LOOP_DELAY_RESOLUTION_MS / 2 / 1000, `p50 ${p50[1]} s`);
  for (const name of ['min', 'max', 'mean', 'p90', 'p99']) assert.match(text, new RegExp(`^capstan_nodejs_eventloop_lag_${name}_seconds \\S+$`, 'm'));
});
