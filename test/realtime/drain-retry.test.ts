// The wait a drain asks for is never below a second. A browser EventSource keeps the `retry:` of
// stream.draining for every later failed reconnect: a client that drew a few milliseconds from a
// window starting at 0 reconnected hundreds of times a second while the node restarted, and with the
// window at 0 every client did.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { DRAIN_RETRY_FLOOR_MS, drainRetryMs } from '../../src/realtime/index.js';
import { makeHub } from '../helpers/hub.js';
import { makeOrg } from '../helpers/org.js';
import { startServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

describe('drainRetryMs', () => {
  test('uniform from the floor up to the window, never below the floor', () => {
    const draws = [0, 1e-9, 0.25, 0.5, 0.999_999, 1];
    for (const windowMs of [0, 1, 500, 999, 1000, 1001, 10_000, 2 ** 31 - 1]) {
      for (const draw of draws) {
        const retry = drainRetryMs(windowMs, () => draw);
        assert.ok(Number.isInteger(retry), `${windowMs}/${draw}: ${retry}`);
        assert.ok(retry >= DRAIN_RETRY_FLOOR_MS && retry <= Math.max(DRAIN_RETRY_FLOOR_MS, windowMs), `${windowMs}/${draw}: ${retry}`);
      }
    }
    assert.equal(DRAIN_RETRY_FLOOR_MS, 1000);
    assert.equal(drainRetryMs(0, () => 0.7), 1000, 'a window of 0 spreads nothing: every client waits the floor');
    assert.equal(drainRetryMs(10_000, () => 0), 1000);
    assert.equal(drainRetryMs(10_000, () => 0.5), 5500);
    assert.equal(drainRetryMs(10_000, () => 1), 10_000);
  });
});

describe('stream.draining with CAPSTAN_REALTIME_DRAIN_WINDOW_MS=0', () => {
  test('SSE and WebSocket streams are told to wait the floor, not 0', async () => {
    const ts = await startServer({ realtimeDrainWindowMs: 0 });
    let closed = false;
    try {
      const hub = await makeHub(ts);
      const m = await hub.member();
      const sse = await openSse(hub.streamUrl(), { token: m.token });
      assert.equal(sse.status, 200, sse.body);
      const org = await makeOrg(ts);
      const token = (await org.call('POST', '/ws/token')).body.token as string;
      const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}`);
      const messages: Record<string, unknown>[] = [];
      ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
      const wsClosed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });

      const closing = ts.close();
      closed = true;
      const drain = await sse.next((f) => f.event === 'stream.draining');
      assert.deepEqual(JSON.parse(drain.data ?? '{}'), { retry_ms: DRAIN_RETRY_FLOOR_MS });
      assert.equal(drain.retry, DRAIN_RETRY_FLOOR_MS, 'the retry: line a browser EventSource keeps');
      assert.equal(await wsClosed, 1012);
      assert.deepEqual(messages.at(-1), { type: 'stream.draining', retry_ms: DRAIN_RETRY_FLOOR_MS });
      await closing;
    } finally {
      if (!closed) await ts.close();
    }
  });
});
