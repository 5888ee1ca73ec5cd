// Terminal events end a stream with no id: expiry at the token's instant, a ban mid-stream, a stale
// cursor, a client too slow to keep up; and the idle rule closes streams that deliver nothing.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { uuidv7At } from '../../src/util/ids.js';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { eventsOf, openSse } from '../helpers/sse.js';
import { tokenExpiryMs } from '../helpers/tokens.js';

describe('terminal events', () => {
  let ts: TestServer;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ realtimeRetentionSeconds: 2, realtimeQueueLimitBytes: 1024 });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  test('stream.expired at the token expiry instant, then the stream closes', async () => {
    const m = await hub.member('short', 2);
    const expMs = tokenExpiryMs(m.token);
    const s = await openSse(hub.streamUrl(), { token: m.token });
    assert.equal(s.status, 200);
    const f = await s.next((x) => x.event === 'stream.expired', 10_000);
    assert.ok(Date.now() >= expMs, 'not before the expiry instant');
    assert.equal(f.id, undefined);
    assert.equal(JSON.parse(f.data ?? '{}').reason, 'token_expired');
    await s.ended;
  });

  test('stream.unauthorized when the contact is banned mid-stream; other members keep streaming', async () => {
    const bad = await hub.member('bad');
    const good = await hub.member('good');
    const sBad = await openSse(hub.streamUrl(), { token: bad.token });
    const sGood = await openSse(hub.streamUrl(), { token: good.token });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${bad.id}/ban`)).status, 200);
    const f = await sBad.next((x) => x.event === 'stream.unauthorized');
    assert.equal(f.id, undefined);
    await sBad.ended;
    const id = await hub.publish({ type: 'test.ping', data: {} });
    assert.equal((await sGood.next((x) => x.event === 'test.ping')).id, id);
    assert.ok(!eventsOf(sBad).some((x) => x.id === id));
    sGood.close();
  });

  test('stream.stale_resume for a cursor older than the retention window', async () => {
    const m = await hub.member();
    const s = await openSse(hub.streamUrl(), { token: m.token, lastEventId: uuidv7At(Date.now() - 10_000) });
    assert.equal(s.status, 200);
    const f = await s.next((x) => x.event === 'stream.stale_resume');
    assert.equal(f.id, undefined);
    await s.ended;
  });

  test('after stream.stale_resume, @microsoft/fetch-event-source reconnects without the stale Last-Event-ID', async () => {
    // Its parser skips a field line without a colon, so the empty id must be spelled `id:`.
    const m = await hub.member('stale-fes');
    const g = globalThis as { window?: unknown; document?: unknown };
    g.window = globalThis;
    g.document = { hidden: false, addEventListener: () => undefined, removeEventListener: () => undefined };
    const sent: (string | undefined)[] = [];
    const types: string[] = [];
    const stop = new AbortController();
    const stream = fetchEventSource(hub.streamUrl(), {
      headers: { authorization: `Bearer ${m.token}`, 'last-event-id': uuidv7At(Date.now() - 10_000) },
      openWhenHidden: true,
      signal: stop.signal,
      fetch: (input, init) => {
        sent.push((init?.headers as Record<string, string> | undefined)?.['last-event-id']);
        return fetch(input, init);
      },
      onmessage: (ev) => void (ev.event !== '' && types.push(ev.event)),
      // The documented way to have it reconnect after the server ends a stream.
      onclose: () => {
        throw new Error('the stream ended');
      },
      onerror: () => 50,
    });
    try {
      const deadline = Date.now() + 10_000;
      while (sent.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // A client stuck on the stale cursor would be back within a few of its 50-ms retries.
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(sent.length >= 2, `reconnected (${sent.length} requests)`);
      assert.ok(sent[0] !== undefined, 'the first request carried the stale cursor');
      assert.deepEqual(sent.slice(1), sent.slice(1).map(() => undefined), 'no reconnect repeats the stale cursor');
      assert.equal(types.filter((t) => t === 'stream.stale_resume').length, 1, types.join(', '));
    } finally {
      stop.abort();
      await stream;
      delete g.window;
      delete g.document;
    }
  });
});

describe('idle rule', () => {
  test('a stream that delivers neither an event nor a heartbeat within the idle window is closed', async () => {
    const ts = await startServer({ realtimeHeartbeatMs: 0, realtimeIdleTimeoutMs: 300 });
    try {
      const hub = await makeHub(ts);
      const m = await hub.member();
      const s = await openSse(hub.streamUrl(), { token: m.token });
      assert.equal(s.status, 200);
      await s.ended;
      assert.equal(eventsOf(s).length, 0);
    } finally {
      await ts.close();
    }
  });

  test('heartbeats keep an idle stream open past the idle window', async () => {
    const ts = await startServer({ realtimeHeartbeatMs: 50, realtimeIdleTimeoutMs: 300 });
    try {
      const hub = await makeHub(ts);
      const m = await hub.member();
      const s = await openSse(hub.streamUrl(), { token: m.token });
      for (let i = 0; i < 12; i++) await s.next((x) => x.comment === 'heartbeat');
      const id = await hub.publish({ type: 'test.ping', data: {} });
      assert.equal((await s.next((x) => x.event === 'test.ping')).id, id);
      s.close();
    } finally {
      await ts.close();
    }
  });
});

describe('slow consumers', () => {
  test('a client that stops reading is closed with stream.overflow and loses nothing on resume', async (t) => {
    const ts = await startServer({ realtimeQueueLimitBytes: 1024, eventMaxPayloadBytes: 65_536 });
    t.after(() => ts.close());
    const hub = await makeHub(ts);
    const m = await hub.member();
    const url = new URL(hub.streamUrl());
    // A raw socket that never reads: the server's buffers fill up.
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.pause();
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${m.token}\r\nAccept: text/event-stream\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    const ids: string[] = [];
    const payload = 'x'.repeat(60_000);
    let closed = false;
    socket.once('close', () => (closed = true));
    // 60 KB events, one at a time: the kernel's socket buffers take a few megabytes before the server
    // holds more than the 1 KiB bound; the events after the overflow are missed live.
    for (let i = 0; i < 400 && ts.server.ctx.realtime.size > 0; i++) {
      ids.push((await ts.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { i, payload } })).id);
    }
    assert.equal(ts.server.ctx.realtime.size, 0, 'the slow connection was closed');
    socket.resume();
    const raw = await new Promise<string>((resolve) => {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => (text += c));
      socket.on('close', () => resolve(text));
      if (closed) resolve(text);
    });
    assert.match(raw, /event: stream\.overflow/);
    const delivered = [...raw.matchAll(/^id: (.+)$/gm)].map((x) => x[1] as string);
    const last = delivered.at(-1);
    assert.ok(last, 'some events arrived before the overflow');
    const resumed = await openSse(hub.streamUrl(), { token: m.token, lastEventId: last });
    const rest = ids.slice(ids.indexOf(last) + 1);
    assert.ok(rest.length > 0);
    for (const id of rest) assert.equal((await resumed.next((x) => x.id !== undefined)).id, id);
    resumed.close();
  });
});
