// The operators' live views: the event tail (replay then live, filters, truncation, refusals), the
// node registry, the list of open connections and ending one, and the system stream.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseFrame } from '../helpers/sse.js';
import { until } from '../helpers/wait.js';

type Msg = Record<string, unknown>;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** An EventSource that sends the admin token (browsers send the console cookie instead). */
function adminSource(url: string): EventSource {
  return new EventSource(url, { fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...auth } }) });
}

const body = (f: SseFrame): Msg => JSON.parse(f.data ?? '{}') as Msg;

describe('admin live views', () => {
  let ts: TestServer;
  let org: TestOrg;
  let hubId: string;
  let pdf64: string;
  const upload = async () => (await org.call('POST', '/upload', { file_base64: pdf64, file_name: 'claim-123-scope.pdf' })).body.document_id as string;
  const publish = async (data: Msg, type = 'test.ping') => {
    const r = await ts.admin('POST', `/hubs/${hubId}/events`, { type, data });
    assert.equal(r.status, 202);
    return r.body.id as string;
  };

  before(async () => {
    pdf64 = Buffer.from(await buildEstimatePdf()).toString('base64');
    ts = await startServer({ eventMaxPayloadBytes: 200_000 });
    org = await makeOrg(ts);
    const hub = await ts.admin('POST', `/orgs/${org.id}/hubs`, { name: 'Live' });
    hubId = hub.body.id as string;
  });
  after(() => ts.close());

  test('the event tail replays after a cursor, then delivers live events in order, once each', async () => {
    const first = await publish({ n: 1 });
    const replayed = [await publish({ n: 2 }), await publish({ n: 3 })];
    const source = adminSource(`${ts.url}/admin/v1/live/events?hub_id=${hubId}&after=${first}`);
    const got: Msg[] = [];
    source.addEventListener('event', (e) => got.push(JSON.parse(e.data) as Msg));
    try {
      await until(() => got.length >= 2, 'the replay');
      const live = [await publish({ n: 4 }), await publish({ n: 5 })];
      await until(() => got.length >= 4, 'the live events');
      assert.deepEqual(got.map((m) => m.id), [...replayed, ...live]);
      assert.deepEqual(got.map((m) => (m.data as Msg).n), [2, 3, 4, 5]);
      const e = got[0]!;
      assert.deepEqual(Object.keys(e).sort(), ['created_at', 'data', 'id', 'org_id', 'scope', 'size_bytes', 'topic', 'truncated', 'type']);
      assert.equal(e.type, 'test.ping');
      assert.equal(e.topic, `hub:${hubId}`);
      assert.equal(e.org_id, org.id);
      assert.equal(e.truncated, false);
      assert.equal(e.size_bytes, Buffer.byteLength(JSON.stringify({ n: 2 })));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(got.length, 4, 'no duplicate');
    } finally {
      source.close();
    }
  });

  test('filters: a document id and a type prefix', async () => {
    const other = await upload();
    await waitForStatus(org, other, (s) => s.status === 'completed');
    const all = adminSource(`${ts.url}/admin/v1/live/events?org_id=${org.id}&type=document.`);
    const seen: Msg[] = [];
    all.addEventListener('event', (e) => seen.push(JSON.parse(e.data) as Msg));
    try {
      await until(() => ts.server.ctx.realtime.list().some((c) => c.topic === `org:${org.id}`), 'the tail to open');
      const mine = await upload();
      const byDoc = await openSse(`${ts.url}/admin/v1/live/events?document_id=${mine}`, { headers: auth });
      assert.equal(byDoc.status, 200);
      await waitForStatus(org, mine, (s) => s.status === 'completed');
      const done = await byDoc.next((f) => f.event === 'event' && (body(f).data as Msg).status === 'completed');
      assert.equal((body(done).scope as Msg).document_id, mine);
      await until(() => seen.some((m) => (m.data as Msg).document_id === mine && (m.data as Msg).status === 'completed'), 'the org tail to see it');
      for (const m of seen) assert.ok(String(m.type).startsWith('document.'));
      for (const f of byDoc.frames.filter((x) => x.event === 'event')) assert.equal((body(f).scope as Msg).document_id, mine, 'only the named document');
      byDoc.close();
      // Another organization's document with this org's scope: not found.
      const stranger = await makeOrg(ts);
      const res = await fetch(`${ts.url}/admin/v1/live/events?org_id=${stranger.id}&document_id=${mine}`, { headers: auth });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as Msg).code, 'not_found');
    } finally {
      all.close();
    }
  });

  test('a 100 KiB payload arrives truncated and the stream keeps going', async () => {
    const stream = await openSse(`${ts.url}/admin/v1/live/events?hub_id=${hubId}`, { headers: auth });
    try {
      assert.equal(stream.status, 200);
      await until(() => ts.server.ctx.realtime.list().some((c) => c.topic === `hub:${hubId}` && c.surface === 'admin'), 'the tail to open');
      const big = await publish({ blob: 'x'.repeat(100 * 1024) });
      const small = await publish({ n: 6 });
      const a = body(await stream.next((f) => f.id === big));
      assert.equal(a.truncated, true);
      assert.ok((a.size_bytes as number) > 100 * 1024);
      const cut = (a.data as Msg)._truncated as string;
      assert.equal(cut.length, 2048);
      assert.ok(cut.startsWith('{"blob":"xxx'));
      const b = body(await stream.next((f) => f.id === small));
      assert.equal(b.truncated, false);
      assert.deepEqual(b.data, { n: 6 });
    } finally {
      stream.close();
    }
  });

  test('the event tail refuses bad inputs before it opens', async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      ['', auth, 400, 'invalid_request'],
      [`org_id=${org.id}&hub_id=${hubId}`, auth, 400, 'invalid_request'],
      ['org_id=org_nope', auth, 404, 'not_found'],
      ['hub_id=hub_nope', auth, 404, 'not_found'],
      ['document_id=doc_nope', auth, 404, 'not_found'],
      ['video_id=nope', auth, 404, 'not_found'],
      ['job_id=nope', auth, 404, 'not_found'],
      [`org_id=${org.id}&after=bogus`, auth, 400, 'invalid_cursor'],
      [`org_id=${org.id}&after=7fffffff-ffff-7fff-bfff-ffffffffffff`, auth, 400, 'invalid_cursor'],
      [`org_id=${org.id}&type=Bad Type`, auth, 400, 'invalid_request'],
      [`org_id=${org.id}`, { ...auth, 'last-event-id': 'nope' }, 400, 'invalid_cursor'],
      [`org_id=${org.id}`, {}, 401, 'unauthorized'],
      [`org_id=${org.id}`, { authorization: 'Bearer wrong' }, 401, 'unauthorized'],
    ];
    for (const [query, headers, status, code] of cases) {
      const res = await fetch(`${ts.url}/admin/v1/live/events?${query}`, { headers });
      assert.equal(res.status, status, query);
      assert.equal(((await res.json()) as Msg).code, code, query);
    }
    // A refused cursor is named as the client sent it: `after` wins over the header, which is named when alone.
    const refusal = async (query: string, headers: Record<string, string>) =>
      ((await (await fetch(`${ts.url}/admin/v1/live/events?org_id=${org.id}${query}`, { headers })).json()) as { error: string }).error;
    assert.equal(await refusal('&after=bogus', { ...auth, 'last-event-id': 'nope' }), 'after must be a UUIDv7');
    assert.equal(await refusal('&after=7fffffff-ffff-7fff-bfff-ffffffffffff', auth), 'after is from the future');
    assert.equal(await refusal('', { ...auth, 'last-event-id': 'nope' }), 'Last-Event-ID must be a UUIDv7');
    const sys = await fetch(`${ts.url}/admin/v1/live/system`);
    assert.equal(sys.status, 401);
    assert.equal(((await sys.json()) as Msg).code, 'unauthorized');
  });

  test('GET /nodes answers this node with its stats and history', async () => {
    const r = await ts.admin('GET', '/nodes');
    assert.equal(r.status, 200);
    const nodes = r.body.data as Msg[];
    assert.equal(nodes.length, 1);
    const node = nodes[0]!;
    assert.equal(node.id, ts.server.ctx.nodes.id);
    assert.equal(node.mode, 'embedded');
    assert.equal(node.alive, true);
    const stats = node.stats as Msg;
    assert.equal(stats.redis, 'off');
    assert.equal(stats.database, 'ok');
    assert.ok((stats.rss_bytes as number) > 0);
    const history = node.history as Record<string, number[]>;
    assert.ok(history.t!.length >= 1);
    for (const k of ['connections', 'events_per_second', 'workflow_backlog', 'rss_bytes', 'event_loop_delay_ms']) assert.equal(history[k]!.length, history.t!.length, k);
    const none = await fetch(`${ts.url}/admin/v1/nodes`);
    assert.equal(none.status, 401);
  });

  test('a node silent for 20 s is not alive and its connections are no longer listed; one silent 10 s is', async () => {
    // Rows as a killed node of a cluster leaves them: it wrote its connections, then stopped writing.
    const self = ((await ts.admin('GET', '/nodes')).body.data as Msg[])[0]!;
    const { db } = ts.server.ctx.storage;
    const rowOf = (id: string, silentMs: number) => {
      const seen = new Date(Date.now() - silentMs).toISOString();
      const connection = { id: `conn_${id}`, node_id: id, surface: 'hub', transport: 'sse', org_id: org.id, credential: 'contact_token:con_x', topic: `hub:${hubId}`, remote_address: '127.0.0.1', since: seen, bytes_queued: 0, events_sent: 0 };
      return { id, started_at: new Date(Date.now() - 3_600_000).toISOString(), seen_at: seen, version: self.version as string, mode: 'scaled' as const, stats: JSON.stringify({ stats: self.stats, history: self.history, connections: [connection] }) };
    };
    await db.insertInto('nodes').values([rowOf('node_silent20s', 21_000), rowOf('node_silent10s', 10_000)]).execute();
    try {
      const nodes = (await ts.admin('GET', '/nodes')).body.data as Msg[];
      assert.equal(nodes.find((n) => n.id === 'node_silent20s')?.alive, false);
      assert.equal(nodes.find((n) => n.id === 'node_silent10s')?.alive, true);
      const listed = ((await ts.admin('GET', `/connections?org_id=${org.id}&surface=hub`)).body.data as Msg[]).map((c) => c.id);
      assert.deepEqual(listed, ['conn_node_silent10s']);
      const gone = await ts.admin('DELETE', '/connections/conn_node_silent20s');
      assert.equal(gone.status, 404);
      assert.equal(gone.body.code, 'not_found');
      assert.equal((await ts.admin('DELETE', '/connections/conn_node_silent10s')).status, 200, 'a command left for the node');
    } finally {
      await db.deleteFrom('nodes').where('id', 'in', ['node_silent20s', 'node_silent10s']).execute();
      await db.deleteFrom('node_commands').where('node_id', 'in', ['node_silent20s', 'node_silent10s']).execute();
    }
  });

  test('an open documents stream is listed with its credential, and DELETE ends it', async () => {
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const stream = await openSse(`${ts.url}/sse/status?token=${encodeURIComponent(token)}&recent=1`);
    try {
      assert.equal(stream.status, 200);
      let listed: Msg | undefined;
      for (let i = 0; i < 100 && !listed; i++) {
        const r = await ts.admin('GET', `/connections?surface=documents&org_id=${org.id}`);
        assert.equal(r.status, 200);
        listed = (r.body.data as Msg[])[0];
        if (!listed) await new Promise((res) => setTimeout(res, 20));
      }
      assert.ok(listed, 'the stream is listed');
      assert.equal(listed.transport, 'sse');
      assert.equal(listed.node_id, ts.server.ctx.nodes.id);
      assert.match(listed.credential as string, /^realtime_token:key_/);
      assert.equal(listed.topic, `org:${org.id}`);
      assert.equal(listed.remote_address, '127.0.0.1');
      // An embedded node answers for its connections from memory; its registry row, written every
      // sample (5 s), does not carry them: no other node reads them.
      const openedAt = new Date().toISOString();
      const row = async () => (await ts.server.ctx.storage.db.selectFrom('nodes').select(['seen_at', 'stats']).where('id', '=', ts.server.ctx.nodes.id).executeTakeFirst())!;
      let sampled = await row();
      for (let i = 0; i < 80 && sampled.seen_at <= openedAt; i++) {
        await new Promise((res) => setTimeout(res, 100));
        sampled = await row();
      }
      assert.ok(sampled.seen_at > openedAt, 'a registry sample after the stream opened');
      const stored = JSON.parse(sampled.stats) as { connections: unknown[]; stats: { connections: { total: number } } };
      assert.deepEqual(stored.connections, []);
      assert.ok(stored.stats.connections.total >= 1, 'the count is still sampled');
      const d = await ts.admin('DELETE', `/connections/${listed.id as string}`);
      assert.equal(d.status, 200);
      assert.deepEqual(d.body, { success: true });
      const last = await stream.next((f) => body(f).type === 'stream.unauthorized');
      assert.deepEqual(body(last), { type: 'stream.unauthorized', reason: 'disconnected_by_operator' });
      await stream.ended;
      const again = await ts.admin('DELETE', `/connections/${listed.id as string}`);
      assert.equal(again.status, 404);
      assert.equal(again.body.code, 'not_found');
    } finally {
      stream.close();
    }
    const bad = await ts.admin('GET', '/connections?surface=nope');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_request');
    const badLimit = await ts.admin('GET', '/connections?limit=0');
    assert.equal(badLimit.status, 400);
    const noAuth = await fetch(`${ts.url}/admin/v1/connections/abc`, { method: 'DELETE' });
    assert.equal(noAuth.status, 401);
  });

  test('an organizer socket is listed with its key, and DELETE closes it after the terminal message', async () => {
    const socket = new WebSocket(`${ts.url.replace('http', 'ws')}/api/v1/ws/live-client?token=${encodeURIComponent(org.apiKey)}`);
    const messages: Msg[] = [];
    socket.on('message', (raw: Buffer) => messages.push(JSON.parse(raw.toString()) as Msg));
    const closed = new Promise<number>((resolve) => socket.once('close', (code: number) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    let listed: Msg | undefined;
    for (let i = 0; i < 100 && !listed; i++) {
      listed = ((await ts.admin('GET', '/connections?surface=organizer')).body.data as Msg[])[0];
      if (!listed) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(listed, 'the socket is listed');
    assert.equal(listed.transport, 'ws');
    assert.equal(listed.org_id, org.id);
    assert.match(listed.credential as string, /^org_key:key_/);
    assert.equal((await ts.admin('DELETE', `/connections/${listed.id as string}`)).status, 200);
    assert.equal(await closed, 4403);
    assert.deepEqual(messages.at(-1), { type: 'stream.unauthorized', reason: 'disconnected_by_operator' });
  });

  test('the system stream sends nodes, work and connections frames', async () => {
    const stream = await openSse(`${ts.url}/admin/v1/live/system`, { headers: auth });
    try {
      assert.equal(stream.status, 200);
      const nodes = body(await stream.next((f) => f.event === 'nodes'));
      assert.equal((nodes.data as Msg[])[0]!.id, ts.server.ctx.nodes.id);
      const work = body(await stream.next((f) => f.event === 'work'));
      assert.ok(Array.isArray(work.in_flight) && Array.isArray(work.recent));
      const connections = body(await stream.next((f) => f.event === 'connections'));
      assert.ok((connections.data as Msg[]).some((c) => c.topic === 'admin:system'), 'the system stream lists itself');
      const doc = await upload();
      const runs = (w: Msg) => [...(w.in_flight as Msg[]), ...(w.recent as Msg[])];
      const seen = body(await stream.next((f) => f.event === 'work' && runs(body(f)).some((r) => r.resource_id === doc), 30_000));
      const run = runs(seen).find((r) => r.resource_id === doc)!;
      assert.equal(run.kind, 'document');
      assert.equal(run.org_id, org.id);
      assert.ok((run.stages as Msg[]).length > 0);
      const isDone = (w: Msg) => (w.recent as Msg[]).some((r) => r.resource_id === doc && r.status === 'completed');
      const finished = isDone(seen) ? seen : body(await stream.next((f) => f.event === 'work' && isDone(body(f)), 30_000));
      const done = (finished.recent as Msg[]).find((r) => r.resource_id === doc)!;
      assert.equal(done.progress, 1);
      assert.ok((done.stages as Msg[]).every((s) => s.status === 'completed' || s.status === 'skipped'));
    } finally {
      stream.close();
    }
  });
});
