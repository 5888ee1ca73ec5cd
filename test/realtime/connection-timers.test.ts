// A connection keeps no timer of its own while idle: the node's tick wheel checks it, arms the token's
// expiry once it is near (so the stream still ends at the expiry instant), and the stall watch holds it
// as a peer to drop, until the connection closes and leaves both.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { EventRecord } from '../../src/events/index.js';
import { describe, mock, test } from 'node:test';
import { Connection, type ConnectionDeps } from '../../src/realtime/connection.js';
import { Fanout } from '../../src/realtime/fanout.js';
import type { StalledPeer, StallWatch, WatchedPeer } from '../../src/realtime/liveness.js';
import { namedSseCodec } from '../../src/realtime/sse.js';
import { TickWheel, tickPeriodMs } from '../../src/realtime/tick-wheel.js';
import type { Wire } from '../../src/realtime/types.js';

function fakeWire(calls: string[], socket?: Socket): Wire {
  return {
    transport: 'sse',
    socket,
    write: (frame) => void calls.push(`write:${String(frame).split('\n')[0]}`),
    bufferedBytes: () => 0,
    flush: () => undefined,
    end: (t) => void calls.push(`end:${t ?? ''}`),
    destroy: () => void calls.push('destroy'),
    onClose: () => undefined,
  };
}

function deps(closed: Connection[], extra: Partial<ConnectionDeps> = {}): ConnectionDeps {
  return {
    log: {} as never,
    fanout: new Fanout({ subscribe: async () => () => undefined }),
    limits: { heartbeatMs: 1000, idleTimeoutMs: 60_000, queueLimitBytes: 1024, replayPageSize: 10, maxBufferedEvents: 10 },
    onClosed: (c) => void closed.push(c),
    onError: (e) => assert.fail(String(e)),
    ...extra,
  };
}

describe('connection timers', () => {
  test('a token expiring many ticks away ends the stream at its instant, not at the tick after', async () => {
    mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'], now: 1_000_000 });
    try {
      const calls: string[] = [];
      const closed: Connection[] = [];
      const ticks = new TickWheel(1000);
      const expiresAtMs = 1_000_000 + 10_500;
      const connection = new Connection('c1', { topic: 't', access: { allows: () => true }, wire: fakeWire(calls), codec: namedSseCodec(), expiresAtMs }, deps(closed, { ticks }));
      await connection.start();
      mock.timers.tick(10_499);
      assert.ok(!calls.includes('end:stream.expired'), 'not before the instant');
      assert.ok(calls.includes('write:: heartbeat'), 'the wheel ticks it meanwhile');
      mock.timers.tick(1);
      assert.deepEqual(calls.slice(-2), ['write:event: stream.expired', 'end:stream.expired']);
      assert.deepEqual(closed, [connection]);
      assert.equal(ticks.size, 0, 'a closed connection leaves the wheel');
    } finally {
      mock.timers.reset();
    }
  });

  test('a heartbeat goes only to a silent stream, and no stream is silent for longer than one heartbeat', async () => {
    mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'], now: 1_000_000 });
    try {
      const calls: string[] = [];
      const writtenAt: number[] = [];
      const wire = fakeWire(calls);
      const write = wire.write;
      wire.write = (frame) => {
        writtenAt.push(Date.now());
        write(frame);
      };
      const ticks = new TickWheel(tickPeriodMs(1000, 60_000));
      const connection = new Connection('c1', { topic: 't', access: { allows: () => true }, wire, codec: namedSseCodec() }, deps([], { ticks }));
      await connection.start();
      const event = (n: number) => ({ id: `evt_${String(n).padStart(4, '0')}`, seq: n, topic: 't', orgId: 'org_1', type: 'hub.note', scope: {}, data: { n }, createdAt: '2026-12-02T00:00:00Z' }) as EventRecord;
      const beats = () => calls.filter((c) => c === 'write:: heartbeat').length;

      for (let n = 1; n <= 25; n++) {
        for (let i = 0; i < 4; i++) mock.timers.tick(100);
        connection.onMessage({ kind: 'event', event: event(n) });
      }
      assert.equal(beats(), 0, 'an event every 400 ms leaves no silence to fill');
      assert.equal(writtenAt.length, 25);

      for (let n = 26; n <= 30; n++) {
        for (let i = 0; i < 9; i++) mock.timers.tick(100);
        connection.onMessage({ kind: 'event', event: event(n) });
      }
      const beatsBefore = beats();
      // In steps: a mock clock reads the end of a tick inside every timer that tick runs.
      for (let i = 0; i < 100; i++) mock.timers.tick(100);
      const silentBeats = beats() - beatsBefore;
      assert.ok(silentBeats >= 9 && silentBeats <= 11, `one heartbeat a second once silent, not one a tick (${silentBeats})`);
      let longest = 0;
      for (let i = 1; i < writtenAt.length; i++) longest = Math.max(longest, writtenAt[i]! - writtenAt[i - 1]!);
      assert.ok(longest <= 1000, `never silent for longer than the heartbeat (longest gap ${longest} ms)`);
      connection.terminate('stream.expired');
      assert.equal(ticks.size, 0);
    } finally {
      mock.timers.reset();
    }
  });

  test('the stall watch holds the connection as a peer: a stalled peer is dropped, a closed connection is unwatched', async () => {
    const watched: StalledPeer[] = [];
    const unwatched: WatchedPeer[] = [];
    const stalls: StallWatch = {
      watch: (_socket, peer) => {
        watched.push(peer);
        return { peer };
      },
      unwatch: (w) => void unwatched.push(w),
    };
    const ticks = new TickWheel(1000);
    const dropped: string[] = [];
    const socket = { destroyed: false, resetAndDestroy: () => void dropped.push('reset') } as unknown as Socket;
    const closed: Connection[] = [];

    const a = new Connection('a', { topic: 't', access: { allows: () => true }, wire: fakeWire(dropped, socket), codec: namedSseCodec() }, deps(closed, { stalls, ticks }));
    await a.start();
    assert.deepEqual(watched, [a]);
    a.stalled();
    assert.deepEqual(dropped, ['reset', 'destroy'], 'dropped without a terminal event (it could not arrive), with a reset that frees what the kernel holds');
    assert.equal(unwatched.length, 0, 'the watch already let go of a peer it reported');

    const ended: string[] = [];
    const b = new Connection('b', { topic: 't', access: { allows: () => true }, wire: fakeWire(ended, socket), codec: namedSseCodec() }, deps(closed, { stalls, ticks }));
    await b.start();
    b.terminate('stream.draining', { retry_ms: 0 });
    assert.deepEqual(unwatched.map((w) => w.peer), [b]);
    assert.deepEqual(closed, [a, b]);
    assert.equal(ticks.size, 0);
  });

  test('a slow reader whose buffer never empties is not idle while it takes bytes; one that takes none is dropped at the idle deadline', async () => {
    mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'], now: 1_000_000 });
    try {
      const idleTimeoutMs = 10_000;
      const event = (n: number) => ({ id: `evt_${String(n).padStart(4, '0')}`, seq: n, topic: 't', orgId: 'org_1', type: 'hub.note', scope: {}, data: { pad: 'x'.repeat(200) }, createdAt: '2026-12-02T00:00:00Z' }) as EventRecord;
      /** A wire whose client takes `takesPerSecond` bytes a second of what is queued, never all of it. */
      const slowWire = (calls: string[], takesPerSecond: number) => {
        let buffered = 0;
        let at = Date.now();
        const wire = fakeWire(calls);
        wire.write = (frame) => {
          calls.push('write');
          buffered += frame.length;
        };
        wire.bufferedBytes = () => {
          buffered = Math.max(1, buffered - Math.floor(((Date.now() - at) * takesPerSecond) / 1000));
          at = Date.now();
          return buffered;
        };
        return wire;
      };
      const run = async (takesPerSecond: number) => {
        const calls: string[] = [];
        const ticks = new TickWheel(tickPeriodMs(1000, idleTimeoutMs));
        const limits = { heartbeatMs: 1000, idleTimeoutMs, queueLimitBytes: 1 << 20, replayPageSize: 10, maxBufferedEvents: 10 };
        const connection = new Connection('c', { topic: 't', access: { allows: () => true }, wire: slowWire(calls, takesPerSecond), codec: namedSseCodec() }, deps([], { ticks, limits }));
        await connection.start();
        for (let n = 1; n <= 60 && !calls.includes('destroy'); n++) {
          connection.onMessage({ kind: 'event', event: event(n) });
          mock.timers.tick(500);
        }
        return calls.includes('destroy');
      };
      assert.equal(await run(200), false, 'a reader taking 200 B/s of ~500 B/s is behind, not gone');
      assert.equal(await run(0), true, 'a reader taking nothing is dropped');
    } finally {
      mock.timers.reset();
    }
  });
});
