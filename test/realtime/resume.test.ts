// Gap-free resume: a client whose connection is cut every few hundred milliseconds while events are
// published receives every event exactly once, in order; a restarted server replays what was missed;
// and the `eventsource` package works as a client.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { makeHub } from '../helpers/hub.js';
import { startServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';

describe('gap-free resume', () => {
  test('cut-and-resume while publishing: 100% delivery, in order, no duplicate', async () => {
    const ts = await startServer();
    try {
      const hub = await makeHub(ts);
      const m = await hub.member();
      // Start from a known cursor, as a client that has seen the hub's latest event would.
      const start = (await ts.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { start: true } })).id;
      const published: string[] = [];
      let publishing = true;
      const publisher = (async () => {
        for (let i = 0; i < 400; i++) {
          published.push((await ts.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { i } })).id);
          // Paced to span several cut windows (about a second in all), however fast delivery is.
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 25));
        }
        publishing = false;
      })();
      const received: string[] = [];
      let cursor: string | undefined = start;
      let cuts = 0;
      while (publishing || received.length < published.length) {
        const s = await openSse(hub.streamUrl(), { token: m.token, lastEventId: cursor });
        assert.equal(s.status, 200);
        const cutAfter = 100 + Math.floor(Math.random() * 200);
        const until = Date.now() + cutAfter;
        while (Date.now() < until) {
          try {
            const f = await s.next((x) => x.id !== undefined, Math.max(1, until - Date.now()));
            received.push(f.id as string);
            cursor = f.id;
          } catch {
            break;
          }
        }
        s.close();
        cuts++;
        if (!publishing && received.length >= published.length) break;
        assert.ok(cuts < 500, 'bounded');
      }
      await publisher;
      assert.ok(cuts >= 3, `the connection was cut ${cuts} times`);
      assert.deepEqual(received, published);
    } finally {
      await ts.close();
    }
  });

  test('a client that reconnects to a restarted server with its last id receives every event it missed', async () => {
    const first = await startServer({ realtimeDrainWindowMs: 100 });
    const dataDir = first.dataDir;
    const hub = await makeHub(first);
    const m = await hub.member('restart', 3600);
    const s = await openSse(hub.streamUrl(), { token: m.token });
    const seen = await hub.publish({ type: 'test.ping', data: { n: 1 } });
    assert.equal((await s.next((f) => f.id !== undefined)).id, seen);
    const closing = first.server.close();
    const drain = await s.next((f) => f.event === 'stream.draining');
    // A window below the floor spreads nothing: every client waits the floor.
    assert.equal(JSON.parse(drain.data ?? '{}').retry_ms, 1000);
    await closing;

    const second = await startServer({ dataDir, realtimeDrainWindowMs: 100 });
    try {
      const missed = [
        (await second.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { n: 2 } })).id,
        (await second.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { n: 3 } })).id,
      ];
      const r = await openSse(`${second.url}/realtime/events?hub_id=${hub.hubId}`, { token: m.token, lastEventId: seen });
      assert.equal(r.status, 200, r.body);
      assert.equal((await r.next((f) => f.id !== undefined)).id, missed[0]);
      assert.equal((await r.next((f) => f.id !== undefined)).id, missed[1]);
      r.close();
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('the eventsource package receives named events and, after a dropped connection, resumes with Last-Event-ID', async () => {
    const ts = await startServer({ realtimeRetryMs: 50 });
    try {
      const hub = await makeHub(ts);
      const m = await hub.member();
      const es = new EventSource(hub.streamUrl(), {
        fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), Authorization: `Bearer ${m.token}` } }),
      });
      const got: { id: string; data: string }[] = [];
      // An event may arrive before the publish call that sent it has its answer: wait for a count.
      const waiters: { count: number; resolve: () => void }[] = [];
      es.addEventListener('community.broadcast.published', (e) => {
        got.push({ id: e.lastEventId, data: e.data });
        for (const w of waiters.splice(0)) if (got.length >= w.count) w.resolve(); else waiters.push(w);
      });
      const events = (count: number) => new Promise<void>((resolve) => (got.length >= count ? resolve() : waiters.push({ count, resolve })));
      let opens = 0;
      let reopened: () => void = () => undefined;
      const reopen = new Promise<void>((r) => (reopened = r));
      await new Promise<void>((resolve) => {
        es.onopen = () => {
          opens++;
          if (opens === 1) resolve();
          else reopened();
        };
      });
      const a = await hub.publish({ type: 'community.broadcast.published', data: { broadcast_id: 'a' } });
      await events(1);
      // Drop every connection; the event published meanwhile must arrive after the automatic reconnect.
      ts.server.app.server.closeAllConnections();
      const b = await hub.publish({ type: 'community.broadcast.published', data: { broadcast_id: 'b' } });
      await reopen;
      await events(2);
      es.close();
      assert.deepEqual(got.map((g) => g.id), [a, b]);
      assert.equal(JSON.parse(got[1]?.data ?? '{}').broadcast_id, 'b');
    } finally {
      await ts.close();
    }
  });
});
