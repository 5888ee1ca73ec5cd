// The hub SSE endpoint as seed 004 describes it: headers, frames, heartbeats, every status code
// before the stream opens, and publish's bad inputs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { uuidv7, uuidv7At } from '../../src/util/ids.js';
import { VERSION } from '../../src/util/version.js';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';
import { pastExpiry } from '../helpers/tokens.js';

describe('hub realtime stream', () => {
  let ts: TestServer;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ realtimeHeartbeatMs: 100 });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  test('opens with the SSE headers, a retry hint and heartbeats, then delivers id/event/data frames', async () => {
    const m = await hub.member();
    const s = await openSse(hub.streamUrl(), { token: m.token });
    try {
      assert.equal(s.status, 200);
      assert.match(String(s.headers['content-type']), /^text\/event-stream/);
      assert.equal(s.headers['cache-control'], 'no-cache');
      assert.equal(s.headers['x-accel-buffering'], 'no');
      assert.equal(s.headers['x-api-version'], VERSION);
      assert.ok(s.headers['x-request-id']);
      assert.equal((await s.next((f) => f.retry !== undefined)).retry, 3000);
      assert.equal((await s.next((f) => f.comment !== undefined)).comment, 'heartbeat');
      const id = await hub.publish({ type: 'test.ping', data: { hello: 'world' } });
      const frame = await s.next((f) => f.event === 'test.ping');
      assert.equal(frame.id, id);
      assert.deepEqual(JSON.parse(frame.data ?? ''), { hello: 'world' });
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      s.close();
    }
  });

  test('400: Last-Event-ID that is not a UUIDv7 (v4, truncated, garbage, from the future), in header or query', async () => {
    const m = await hub.member();
    const future = uuidv7At(Date.now() + 3600_000);
    for (const bad of ['6f1c2d7e-8a6b-4c1d-9e2f-3a4b5c6d7e8f', uuidv7().slice(0, 30), 'not-a-cursor', future]) {
      const viaHeader = await openSse(hub.streamUrl(), { token: m.token, lastEventId: bad });
      assert.equal(viaHeader.status, 400, bad);
      assert.equal(JSON.parse(viaHeader.body).code, 'invalid_cursor');
      assert.match(JSON.parse(viaHeader.body).error as string, /^Last-Event-ID (must be a UUIDv7|is from the future)$/);
      const viaQuery = await openSse(hub.streamUrl(`&last_event_id=${encodeURIComponent(bad)}`), { token: m.token });
      assert.equal(viaQuery.status, 400, bad);
      assert.match(JSON.parse(viaQuery.body).error as string, /^last_event_id (must be a UUIDv7|is from the future)$/, 'the refusal names the parameter sent');
    }
    // The header wins over the parameter, but a malformed parameter beside it is still refused.
    const id = await hub.publish({ type: 'test.ping', data: {} });
    const both = await openSse(hub.streamUrl('&last_event_id=nope'), { token: m.token, lastEventId: id });
    assert.equal(both.status, 400);
    assert.deepEqual(JSON.parse(both.body), { error: 'last_event_id must be a UUIDv7', code: 'invalid_cursor' });
    const emptyBeside = await openSse(hub.streamUrl('&last_event_id='), { token: m.token, lastEventId: id });
    assert.equal(emptyBeside.status, 200, 'an empty parameter is no cursor, beside the header as alone');
    emptyBeside.close();
  });

  test('credentials come before the cursor: a bad cursor without a token is 401, with a forged one 401', async () => {
    for (const bad of ['garbage', uuidv7At(Date.now() + 3600_000)]) {
      const none = await openSse(hub.streamUrl(), { lastEventId: bad });
      assert.equal(none.status, 401, bad);
      assert.equal(JSON.parse(none.body).code, 'unauthorized');
      const forged = await openSse(hub.streamUrl(`&last_event_id=${encodeURIComponent(bad)}`), { token: 'eyJhbGciOiJIUzI1NiJ9.e30.forged' });
      assert.equal(forged.status, 401, bad);
    }
  });

  test('400: a cursor a few seconds ahead (within the clock skew allowed between nodes) that no event has is from the future; one the log has is resumed', async () => {
    const m = await hub.member();
    const ahead = uuidv7At(Date.now() + 30_000);
    for (const headers of [{ lastEventId: ahead }]) {
      const s = await openSse(hub.streamUrl(), { token: m.token, ...headers });
      assert.equal(s.status, 400);
      assert.equal(JSON.parse(s.body).code, 'invalid_cursor');
    }
    assert.equal((await openSse(hub.streamUrl(`&last_event_id=${ahead}`), { token: m.token })).status, 400);
    // The documents stream and the admin tail check the same way.
    const org = (await ts.admin('POST', '/orgs', { name: 'cursors' })).body as { api_key: string };
    const minted = (await (await fetch(`${ts.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': org.api_key } })).json()) as { token: string };
    const documents = await fetch(`${ts.url}/sse/status?token=${encodeURIComponent(minted.token)}&recent=1`, { headers: { 'last-event-id': ahead } });
    assert.equal(documents.status, 400);
    assert.equal(((await documents.json()) as { code: string }).code, 'invalid_cursor');

    // An event's own id always resumes, even when its node's clock ran ahead of this one's.
    const id = await hub.publish({ type: 'test.ping', data: { n: 1 } });
    assert.equal(await ts.server.ctx.events.checkCursor(id, Date.now() - 20_000), 'ok');
    assert.equal(await ts.server.ctx.events.checkCursor(uuidv7At(Date.now() + 5_000)), 'future');
    const resumed = await openSse(hub.streamUrl(), { token: m.token, lastEventId: id });
    try {
      assert.equal(resumed.status, 200);
      const next = await hub.publish({ type: 'test.ping', data: { n: 2 } });
      assert.equal((await resumed.next((f) => f.event === 'test.ping')).id, next);
    } finally {
      resumed.close();
    }
  });

  test('an empty cursor, in the header or the query, is none: the stream starts fresh', async () => {
    const m = await hub.member();
    await hub.publish({ type: 'test.ping', data: { n: 0 } });
    for (const [query, options] of [['&last_event_id=', {}], ['', { lastEventId: '' }], ['&last_event_id=', { lastEventId: '' }]] as const) {
      const s = await openSse(hub.streamUrl(query), { token: m.token, ...options });
      try {
        assert.equal(s.status, 200, s.body);
        const live = await hub.publish({ type: 'test.ping', data: { n: 1 } });
        await s.next((f) => f.id === live);
        assert.deepEqual(s.frames.filter((f) => f.event === 'test.ping').map((f) => f.id), [live], 'nothing replayed');
      } finally {
        s.close();
      }
    }
  });

  test('a cursor in capitals is the same id (RFC 9562): it resumes after that event, not before it', async () => {
    const m = await hub.member();
    const first = await hub.publish({ type: 'test.ping', data: { n: 1 } });
    const after = [await hub.publish({ type: 'test.ping', data: { n: 2 } })];
    for (const [query, options] of [['', { lastEventId: first.toUpperCase() }], [`&last_event_id=${first.toUpperCase()}`, {}]] as const) {
      const s = await openSse(hub.streamUrl(query), { token: m.token, ...options });
      try {
        assert.equal(s.status, 200, s.body);
        const live = await hub.publish({ type: 'test.ping', data: { n: after.length + 2 } });
        await s.next((f) => f.id === live);
        assert.deepEqual(s.frames.filter((f) => f.event === 'test.ping').map((f) => f.id), [...after, live]);
        after.push(live);
      } finally {
        s.close();
      }
    }
  });

  test('400: hub_id missing or malformed', async () => {
    const m = await hub.member();
    assert.equal((await openSse(`${ts.url}/realtime/events`, { token: m.token })).status, 400);
    assert.equal((await openSse(`${ts.url}/realtime/events?hub_id=${encodeURIComponent("x' OR 1=1")}`, { token: m.token })).status, 400);
    assert.equal((await openSse(`${ts.url}/realtime/events?hub_id=`, { token: m.token })).status, 400);
  });

  test('401: missing, malformed, expired, foreign-key and alg:none tokens', async () => {
    const m = await hub.member();
    const parts = m.token.split('.');
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${parts[1]}.`;
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('another-secret-another-secret-1234'));
    const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'));
    const expiredOwn = await hub.token(m.id, 1);
    for (const [label, token] of [['missing', undefined], ['garbage', 'abc'], ['alg none', none], ['foreign key', foreign], ['expired foreign', expired], ['tampered', `${parts[0]}.${parts[1]}x.${parts[2]}`]] as const) {
      const s = await openSse(hub.streamUrl(), token === undefined ? {} : { token });
      assert.equal(s.status, 401, label);
      assert.equal(JSON.parse(s.body).code, 'unauthorized');
    }
    // Our own token after its expiry instant.
    await pastExpiry(expiredOwn);
    assert.equal((await openSse(hub.streamUrl(), { token: expiredOwn })).status, 401);
  });

  test('404: hub missing, token for another hub, banned and removed contacts', async () => {
    const m = await hub.member();
    assert.equal((await openSse(`${ts.url}/realtime/events?hub_id=hub_doesnotexist`, { token: m.token })).status, 404);
    const other = await makeHub(ts, hub.orgId);
    assert.equal((await openSse(other.streamUrl(), { token: m.token })).status, 404);
    const banned = await hub.member('banned');
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${banned.id}/ban`)).status, 200);
    assert.equal((await openSse(hub.streamUrl(), { token: banned.token })).status, 404);
    const removed = await hub.member('removed');
    assert.equal((await ts.admin('DELETE', `/hubs/${hub.hubId}/contacts/${removed.id}`)).status, 200);
    assert.equal((await openSse(hub.streamUrl(), { token: removed.token })).status, 404);
  });

  test('429 on the sixth stream of one contact, across hubs; a slot frees when one closes', async () => {
    const m = await hub.member();
    const open = [];
    for (let i = 0; i < 5; i++) {
      const s = await openSse(hub.streamUrl(), { token: m.token });
      assert.equal(s.status, 200);
      open.push(s);
    }
    const sixth = await openSse(hub.streamUrl(), { token: m.token });
    assert.equal(sixth.status, 429);
    assert.equal(JSON.parse(sixth.body).code, 'too_many_connections');
    const other = await hub.member('other');
    const fine = await openSse(hub.streamUrl(), { token: other.token });
    assert.equal(fine.status, 200, 'the limit is per contact');
    fine.close();
    open[0]?.close();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const retry = await openSse(hub.streamUrl(), { token: m.token });
      status = retry.status;
      if (status === 200) open.push(retry);
    }
    assert.equal(status, 200);
    for (const s of open) s.close();
  });

  test('publish refuses unknown types (400), oversized payloads (413), and contacts or spaces of another hub (400)', async () => {
    const unknown = await ts.admin('POST', `/hubs/${hub.hubId}/events`, { type: 'community.nope', data: {} });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'invalid_request');
    const big = await ts.admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', data: { blob: 'x'.repeat(20_000) } });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'payload_too_large');
    const other = await makeHub(ts, hub.orgId);
    const stranger = await other.member();
    const res = await ts.admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', contact_ids: [stranger.id], data: {} });
    assert.equal(res.status, 400);
    // Contacts of this hub who can hear nothing: a banned and a removed one.
    const [banned, removed] = [await hub.member(), await hub.member()];
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/contacts/${banned.id}/ban`)).status, 200);
    assert.equal((await ts.admin('DELETE', `/hubs/${hub.hubId}/contacts/${removed.id}`)).status, 200);
    for (const gone of [banned, removed]) {
      const r = await ts.admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', contact_ids: [gone.id], data: {} });
      assert.equal(r.status, 400);
      assert.match(r.body.error as string, /active contacts/);
    }
    const space = await ts.admin('POST', `/hubs/${other.hubId}/spaces`, { name: 'elsewhere' });
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', space_id: space.body.id, data: {} })).status, 400);
    assert.equal((await ts.admin('POST', `/hubs/hub_missing/events`, { type: 'test.ping', data: {} })).status, 404);
    assert.equal((await ts.admin('POST', `/hubs/${hub.hubId}/events`, { type: 'Bad Type!', data: {} })).status, 400);
  });

  test('publish refuses another surface\'s event types: a forged video.ready or document.status reaches no one', async () => {
    const m = await hub.member();
    const stream = await openSse(hub.streamUrl(), { token: m.token });
    try {
      for (const type of ['video.ready', 'document.status', 'document.completed', 'organizer.job_complete', 'webhook.endpoint_disabled']) {
        const r = await ts.admin('POST', `/hubs/${hub.hubId}/events`, { type, data: { videoId: 'vid_forged', status: 'completed' } });
        assert.equal(r.status, 400, type);
        assert.equal(r.body.code, 'invalid_request', type);
        assert.match(r.body.error as string, /not a hub event type/);
      }
      const forged = await ts.server.ctx.storage.db.selectFrom('events').select('id').where('topic', '=', `hub:${hub.hubId}`).where('type', 'not like', 'community.%').where('type', 'not like', 'test.%').where('type', 'not like', 'access.%').execute();
      assert.deepEqual(forged, [], 'nothing of another surface is in the hub\'s log');
      const ok = await ts.admin('POST', `/hubs/${hub.hubId}/events`, { type: 'test.ping', data: { after: true } });
      assert.equal(ok.status, 202);
      const first = await stream.next((f) => f.event !== undefined);
      assert.equal(first.event, 'test.ping', 'the first event the member hears is the ping');
    } finally {
      stream.close();
    }
  });
});

describe('hub realtime stream while draining', () => {
  test('503 for new streams; open streams get stream.draining with retry_ms within the window, never below a second', async () => {
    const ts = await startServer({ realtimeDrainWindowMs: 2000 });
    try {
      const hub = await makeHub(ts);
      const m = await hub.member();
      const streams = await Promise.all([1, 2, 3].map(() => openSse(hub.streamUrl(), { token: m.token })));
      await new Promise((r) => setTimeout(r, 50));
      ts.server.ctx.realtime.drain();
      for (const s of streams) {
        const f = await s.next((x) => x.event === 'stream.draining');
        assert.equal(f.id, undefined, 'terminal events carry no id');
        const { retry_ms } = JSON.parse(f.data ?? '{}') as { retry_ms: number };
        assert.ok(Number.isInteger(retry_ms) && retry_ms >= 1000 && retry_ms <= 2000);
        assert.equal(f.retry, retry_ms, 'the retry: field carries it too, for a browser EventSource');
        await s.ended;
      }
      const refused = await openSse(hub.streamUrl(), { token: m.token });
      assert.equal(refused.status, 503);
      assert.equal(JSON.parse(refused.body).code, 'draining');
    } finally {
      await ts.close();
    }
  });
});
