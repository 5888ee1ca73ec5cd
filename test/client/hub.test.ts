// The hub stream through the SDK against a real server: events in order, resume after a cut with no
// loss or duplicate, a token expiring mid-stream or already expired (renewed through getToken, or a
// typed end without it), a drain with the server restarted on the same port and data, the 429 rule,
// and the heartbeat problem of @microsoft/fetch-event-source that the SDK does not have.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { CapstanError, createClient, type HubStreamItem } from '@capstan/client';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { pastExpiry } from '../helpers/tokens.js';
import { until } from '../helpers/wait.js';
import { assertFreshBuild, countingFetch, take } from './helpers.js';

const FAST = { backoff: { initialMs: 50, maxMs: 500 } };

describe('hub events through the SDK', () => {
  let ts: TestServer;
  let hub: TestHub;
  before(async () => {
    assertFreshBuild();
    ts = await startServer({ realtimeRetryMs: 50, realtimeHeartbeatMs: 100 });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  test('a cut mid-stream is resumed with Last-Event-ID: every event once, in order, heartbeats never surface', async () => {
    const m = await hub.member();
    // Published in-process: cutting every connection must not cut the test's own admin calls.
    const publish = async (n: number) => (await ts.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { n } })).id;
    const start = await publish(-1);
    const stream = createClient({ baseUrl: ts.url }).hub.events({ hubId: hub.hubId, token: m.token }, { ...FAST, lastEventId: start });
    const it = stream[Symbol.asyncIterator]();
    const published: string[] = [];
    const got: HubStreamItem[] = [];
    for (let n = 0; n < 30; n++) {
      published.push(await publish(n));
      if (n === 10 || n === 20) {
        // Once the client has read this far, the server side of its connection is destroyed; what
        // is published next goes out while it is away.
        got.push(...(await take(it, (items) => got.length + items.length >= published.length)));
        ts.server.app.server.closeAllConnections();
      }
    }
    got.push(...(await take(it, (items) => got.length + items.length >= published.length)));
    stream.close();
    assert.deepEqual(got.map((e) => e.id), published);
    assert.deepEqual(got.map((e) => (e.data as { n: number }).n), published.map((_, i) => i));
    for (const e of got) assert.equal(e.type, 'test.ping');
    assert.equal(stream.lastEventId, published.at(-1));
  });

  test('a token expiring mid-stream is renewed through getToken and the stream continues where it stopped', async () => {
    const m = await hub.member('short', 1);
    let tokens = 0;
    const start = await hub.publish({ type: 'test.ping', data: {} });
    const client = createClient({ baseUrl: ts.url });
    const stream = client.hub.events({ hubId: hub.hubId, token: m.token, getToken: async () => (tokens++, hub.token(m.id, 1)) }, { ...FAST, lastEventId: start });
    const it = stream[Symbol.asyncIterator]();
    const published: string[] = [];
    // Published across at least two expiries (1 s tokens live 1 to 2 s), and one event after them.
    const deadline = Date.now() + 15_000;
    for (let n = 0; tokens < 2 && Date.now() < deadline; n++) {
      published.push(await hub.publish({ type: 'test.ping', data: { n } }));
      await new Promise((r) => setTimeout(r, 300));
    }
    published.push(await hub.publish({ type: 'test.ping', data: { n: published.length } }));
    const got = await take(it, (items) => items.length >= published.length);
    stream.close();
    assert.deepEqual(got.map((e) => e.id), published);
    assert.ok(tokens >= 2, `getToken was called on expiry (${tokens} times)`);
  });

  test('a static token that expires ends the iteration with token_expired', async () => {
    const m = await hub.member('static', 1);
    const stream = createClient({ baseUrl: ts.url }).hub.events({ hubId: hub.hubId, token: m.token }, FAST);
    await assert.rejects(take(stream[Symbol.asyncIterator](), () => false, 10_000), (e: unknown) => e instanceof CapstanError && e.code === 'token_expired' && e.status === 401);
  });

  test('an already expired token with no refresher is token_expired after one request, with no retry loop', async () => {
    const m = await hub.member('expired', 1);
    await pastExpiry(m.token);
    const counting = countingFetch();
    const stream = createClient({ baseUrl: ts.url, fetch: counting.fetch }).hub.events({ hubId: hub.hubId, token: m.token }, FAST);
    await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.status === 401 && e.code === 'token_expired' && /no getToken/.test(e.message));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(counting.count('/realtime/events'), 1);
  });

  test('getToken handing out an already expired token ends with token_expired after one renewal', async () => {
    const m = await hub.member('expired-refresher', 1);
    await pastExpiry(m.token);
    let calls = 0;
    const counting = countingFetch();
    const stream = createClient({ baseUrl: ts.url, fetch: counting.fetch }).hub.events({ hubId: hub.hubId, getToken: async () => (calls++, m.token) }, FAST);
    await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.status === 401 && e.code === 'token_expired' && /getToken returned/.test(e.message));
    assert.equal(calls, 2, 'the first token, then one renewal');
    assert.equal(counting.count('/realtime/events'), 2);
  });

  test('a token refused for another reason than its expiry stays 401 unauthorized', async () => {
    const m = await hub.member('forged', 3600);
    const [header, payload] = m.token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    const stream = createClient({ baseUrl: ts.url }).hub.events({ hubId: hub.hubId, token: forged }, FAST);
    await assert.rejects(take(stream[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.status === 401 && e.code === 'unauthorized');
  });

  test('a ban ends the iteration with access_revoked', async () => {
    const m = await hub.member('banned');
    const start = await hub.publish({ type: 'test.ping', data: {} });
    const stream = createClient({ baseUrl: ts.url }).hub.events({ hubId: hub.hubId, token: m.token }, { ...FAST, lastEventId: start });
    const it = stream[Symbol.asyncIterator]();
    await hub.publish({ type: 'test.ping', data: {} });
    await take(it, (items) => items.length === 1);
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${m.id}/ban`)).status, 200);
    await assert.rejects(take(it, () => false), (e: unknown) => e instanceof CapstanError && e.code === 'access_revoked');
  });

  test('429 rule: a sixth stream of one contact is the typed 429 too_many_connections with its Retry-After', async () => {
    const m = await hub.member('greedy');
    const client = createClient({ baseUrl: ts.url });
    const start = await hub.publish({ type: 'test.ping', data: {} });
    const open = Array.from({ length: 5 }, () => client.hub.events({ hubId: hub.hubId, token: m.token }, { ...FAST, lastEventId: start }));
    const its = open.map((s) => s[Symbol.asyncIterator]());
    await hub.publish({ type: 'test.ping', data: {} });
    await Promise.all(its.map((it) => take(it, (items) => items.length === 1)));
    const sixth = client.hub.events({ hubId: hub.hubId, token: m.token }, { ...FAST, maxRetries: 0 });
    await assert.rejects(take(sixth[Symbol.asyncIterator](), () => false), (e: unknown) => e instanceof CapstanError && e.status === 429 && e.code === 'too_many_connections' && e.retryAfter === 5000);
    for (const s of open) s.close();
  });

  test('@microsoft/fetch-event-source hands heartbeats to onmessage as empty messages; the SDK yields none', async () => {
    const m = await hub.member('heartbeats');
    const g = globalThis as { window?: unknown; document?: unknown };
    g.window = globalThis;
    g.document = { hidden: false, addEventListener: () => undefined, removeEventListener: () => undefined };
    const messages: EventSourceMessage[] = [];
    const stop = new AbortController();
    const other = fetchEventSource(hub.streamUrl(), {
      headers: { authorization: `Bearer ${m.token}` },
      openWhenHidden: true,
      signal: stop.signal,
      fetch: (input, init) => fetch(input, init),
      onmessage: (ev) => messages.push(ev),
    });
    const sdk = createClient({ baseUrl: ts.url }).hub.events({ hubId: hub.hubId, token: m.token }, FAST);
    const it = sdk[Symbol.asyncIterator]();
    try {
      await until(() => messages.length > 0, 'the first fetch-event-source message');
      await hub.publish({ type: 'test.ping', data: { real: true } });
      // Heartbeats every 100 ms: wait for several.
      await new Promise((r) => setTimeout(r, 600));
      await hub.publish({ type: 'test.ping', data: { real: 2 } });
      const fromSdk: HubStreamItem[] = await take(it, (items) => items.length === 2);
      await until(() => messages.filter((x) => x.data !== '').length === 2, 'both events through fetch-event-source');
      const empty = messages.filter((x) => x.data === '');
      assert.ok(empty.length >= 3, `fetch-event-source passed ${empty.length} empty messages (heartbeats, retry) to onmessage`);
      assert.throws(() => JSON.parse(empty[0]?.data ?? ''), SyntaxError, 'the usual JSON.parse(ev.data) throws on them');
      assert.deepEqual(fromSdk.map((e) => e.data), [{ real: true }, { real: 2 }]);
    } finally {
      stop.abort();
      sdk.close();
      await other;
      delete g.window;
      delete g.document;
    }
  });
});

describe('hub stream across a server drain and restart', () => {
  test('stream.draining: the SDK waits retry_ms and resumes on the new server on the same port and data', async () => {
    assertFreshBuild();
    const first = await startServer({ realtimeDrainWindowMs: 200, realtimeRetryMs: 50 });
    const port = Number(new URL(first.url).port);
    const dataDir = first.dataDir;
    const hub = await makeHub(first);
    const m = await hub.member('drain', 3600);
    const start = await hub.publish({ type: 'test.ping', data: { n: 0 } });
    const stream = createClient({ baseUrl: first.url }).hub.events({ hubId: hub.hubId, token: m.token }, { ...FAST, lastEventId: start });
    const it = stream[Symbol.asyncIterator]();
    const before = await hub.publish({ type: 'test.ping', data: { n: 1 } });
    const got = await take(it, (items) => items.length === 1);
    await first.server.close();
    const second = await startServer({ dataDir, port, realtimeDrainWindowMs: 200 });
    try {
      const later = [
        (await second.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { n: 2 } })).id,
        (await second.server.ctx.hubs.publish(hub.hubId, { type: 'test.ping', data: { n: 3 } })).id,
      ];
      got.push(...(await take(it, (items) => items.length === 2)));
      assert.deepEqual(got.map((e) => e.id), [before, ...later]);
    } finally {
      stream.close();
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
