// The one timer every connection's heartbeat and idle check share: each member ticks once per period,
// about a period after it joined; members joining at different moments tick at different moments; a
// removed member never ticks again, and an empty wheel holds no timer.
import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { TickWheel, tickPeriodMs } from '../../src/realtime/tick-wheel.js';

describe('the tick wheel', () => {
  test('each member ticks once per period, the first time about a period after it joined', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const wheel = new TickWheel(1600);
      const ticks: number[] = [];
      wheel.add({ tick: () => void ticks.push(1) });
      mock.timers.tick(1400);
      assert.deepEqual(ticks, [], 'not before most of a period has passed');
      mock.timers.tick(200);
      assert.deepEqual(ticks, [1]);
      mock.timers.tick(1600 * 3);
      assert.deepEqual(ticks, [1, 1, 1, 1], 'then once per period');
    } finally {
      mock.timers.reset();
    }
  });

  test('members that join at different moments tick at different moments, each once per period', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const wheel = new TickWheel(1600);
      const seen: [string, number][] = [];
      let now = 0;
      const step = (ms: number) => {
        for (let i = 0; i < ms / 100; i++) {
          now += 100;
          mock.timers.tick(100);
        }
      };
      wheel.add({ tick: () => void seen.push(['a', now]) });
      step(800);
      wheel.add({ tick: () => void seen.push(['b', now]) });
      step(3200);
      const at = (who: string) => seen.filter(([w]) => w === who).map(([, t]) => t);
      assert.equal(at('a').length, 2);
      assert.equal(at('b').length, 2);
      assert.equal(at('a')[1]! - at('a')[0]!, 1600);
      assert.equal(at('b')[1]! - at('b')[0]!, 1600);
      assert.notEqual(at('a')[0]! % 1600, at('b')[0]! % 1600, 'spread over the period, not all at once');
    } finally {
      mock.timers.reset();
    }
  });

  test('a removed member stops ticking, also when it removes itself during its tick; an empty wheel stops its timer', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const wheel = new TickWheel(100);
      let a = 0;
      let b = 0;
      const memberA = {
        tick: () => {
          a += 1;
          wheel.remove(memberA);
        },
      };
      const memberB = {
        tick: () => {
          b += 1;
        },
      };
      wheel.add(memberA);
      wheel.add(memberB);
      mock.timers.tick(100);
      assert.deepEqual([a, b], [1, 1]);
      assert.equal(wheel.size, 1);
      wheel.remove(memberB);
      wheel.remove(memberB);
      assert.equal(wheel.size, 0);
      mock.timers.tick(1000);
      assert.deepEqual([a, b], [1, 1]);
      // Joining again restarts the timer.
      wheel.add(memberB);
      mock.timers.tick(100);
      assert.equal(b, 2);
    } finally {
      mock.timers.reset();
    }
  });

  test('the period is half the heartbeat, and at least three checks per idle window', () => {
    assert.equal(tickPeriodMs(25_000, 90_000), 12_500);
    assert.equal(tickPeriodMs(25_001, 90_000), 12_501);
    assert.equal(tickPeriodMs(0, 90_000), 30_000);
    assert.equal(tickPeriodMs(60_000, 90_000), 30_000);
    assert.equal(tickPeriodMs(90_000, 30_000), 10_000);
    assert.equal(tickPeriodMs(1, 3), 10, 'never below 10 ms');
  });
});
