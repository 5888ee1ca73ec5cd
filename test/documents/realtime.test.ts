// Documents realtime as seed 000 describes it: the seed's own SSE and WebSocket examples (only the
// base URL changed), subscriptions, snapshots, expiry, resume, and bad inputs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { WebSocket } from 'ws';
import { buildEstimatePdf } from '../fixtures/documents.js';
import { makeOrg, waitForStatus, type TestOrg } from '../helpers/org.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { uuidv7At } from '../../src/util/ids.js';
import { openSse } from '../helpers/sse.js';
import { holdStatusLookups, replyOrder } from '../helpers/held-lookups.js';

type Msg = Record<string, unknown>;

describe('documents realtime', () => {
  let ts: TestServer;
  let org: TestOrg;
  let pdf64: string;
  const upload = async (o: TestOrg = org) => (await o.call('POST', '/upload', { file_base64: pdf64, file_name: 'claim-123-scope.pdf' })).body.document_id as string;

  before(async () => {
    pdf64 = Buffer.from(await buildEstimatePdf()).toString('base64');
    ts = await startServer({ realtimeTokenTtlSeconds: 60 });
    org = await makeOrg(ts);
  });
  after(() => ts.close());

  test("seed 000's SSE example (recent=10): existing documents' status first, then a new upload's changes to completion", async () => {
    const existing = await upload();
    await waitForStatus(org, existing, (s) => s.status === 'completed');
    process.env.CAPOUT_API_KEY = org.apiKey;
    const base = ts.url;
    // --- the seed's code, with only the base URL changed ---
    const tokenResponse = await fetch(`${base}/ws/token`, {
      method: 'POST',
      headers: {
        'capout-api-key': process.env.CAPOUT_API_KEY,
      },
    }).then((res) => res.json()) as { token: string; sse_url: string; ws_url: string; organization_id: string; expires_at: string };

    const streamUrl = new URL(tokenResponse.sse_url, base);
    streamUrl.searchParams.set('token', tokenResponse.token);
    streamUrl.searchParams.set('recent', '10');

    const source = new EventSource(streamUrl);
    const received: Msg[] = [];
    source.onmessage = (event) => {
      received.push(JSON.parse(event.data) as Msg);
    };
    // --- end of the seed's code ---
    try {
      assert.equal(tokenResponse.organization_id, org.id);
      assert.equal(tokenResponse.ws_url, '/ws/status');
      assert.ok(Date.parse(tokenResponse.expires_at) > Date.now());
      await until(() => received.some((m) => m.document_id === existing));
      assert.equal(received.find((m) => m.document_id === existing)?.status, 'completed', 'the snapshot comes first');
      const fresh = await upload();
      await until(() => received.some((m) => m.document_id === fresh && m.status === 'completed'));
      const mine = received.filter((m) => m.document_id === fresh);
      assert.equal(mine[0]?.status, 'processing');
      for (const m of mine) assert.deepEqual(Object.keys(m.progress as Msg).sort(), ['actions', 'categories', 'ocr', 'structure', 'trades']);
      const status = await org.call('GET', `/status/${fresh}`);
      assert.deepEqual(mine.at(-1), status.body, 'each event carries the GET /status shape');
    } finally {
      source.close();
    }
  });

  test("seed 000's WebSocket example: document_id in the URL plus a subscribe message", async () => {
    const docId = await upload();
    const base = ts.url.replace('http', 'ws');
    const tokenResponse = await org.call('POST', '/ws/token');
    // --- the seed's code, with only the base URL changed (and ws's WebSocket for Node 20) ---
    const wsUrl = new URL(tokenResponse.body.ws_url as string, base);
    wsUrl.searchParams.set('token', tokenResponse.body.token as string);
    wsUrl.searchParams.append('document_id', docId);

    const socket = new WebSocket(wsUrl);

    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({
        action: 'subscribe',
        document_ids: [docId],
      }));
    });

    const received: Msg[] = [];
    socket.addEventListener('message', (event) => {
      received.push(JSON.parse(String(event.data)) as Msg);
    });
    // --- end of the seed's code ---
    try {
      await until(() => received.some((m) => m.document_id === docId && m.status === 'completed'));
      assert.ok(received.some((m) => m.type === 'subscribed' && (m.document_ids as string[]).includes(docId)));
      assert.equal(received.find((m) => m.document_id === docId)?.document_id, docId);
    } finally {
      socket.close();
    }
  });

  test('WebSocket: subscribe and unsubscribe change what arrives; bad messages get an error and the socket stays open', async () => {
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}`);
    const got: Msg[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d)) as Msg));
    await new Promise((r) => ws.once('open', r));
    ws.send('not json');
    ws.send(JSON.stringify({ action: 'explode', document_ids: [] }));
    ws.send(JSON.stringify({ action: 'subscribe', document_ids: 'doc_1' }));
    ws.send(JSON.stringify(['array']));
    await until(() => got.filter((m) => m.type === 'error').length === 4);
    for (const e of got.filter((m) => m.type === 'error')) assert.equal(e.code, 'invalid_request');
    const other = await makeOrg(ts);
    const foreign = await upload(other);
    ws.send(JSON.stringify({ action: 'subscribe', document_ids: [foreign, 'doc_nothing'] }));
    await until(() => got.some((m) => m.type === 'subscribed'));
    assert.deepEqual(got.find((m) => m.type === 'subscribed')?.not_found, [foreign, 'doc_nothing'], "another organization's document is not found");
    const docId = await upload();
    ws.send(JSON.stringify({ action: 'subscribe', document_ids: [docId] }));
    await until(() => got.some((m) => m.document_id === docId));
    ws.send(JSON.stringify({ action: 'unsubscribe', document_ids: [docId] }));
    await until(() => got.some((m) => m.type === 'unsubscribed'));
    await waitForStatus(org, docId, (s) => s.status === 'completed');
    await waitForStatus(other, foreign, (s) => s.status === 'completed');
    assert.ok(!got.some((m) => m.document_id === foreign));
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
  });

  test('refusals before the stream: bad tokens (401), no scope or a huge recent (400)', async () => {
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    for (const q of ['recent=5', `token=garbage&recent=5`, `token=${token}x&recent=5`]) {
      assert.equal((await openSse(`${ts.url}/sse/status?${q}`)).status, 401, q);
    }
    for (const q of [`token=${token}`, `token=${token}&recent=100000`, `token=${token}&recent=-1`, `token=${token}&recent=abc`, `token=${token}&document_id=${encodeURIComponent('bad id!')}`]) {
      assert.equal((await openSse(`${ts.url}/sse/status?${q}`)).status, 400, q);
    }
    const socketStatus = (q: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?${q}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
      });
    assert.equal(await socketStatus('token=nope'), 401);
    // As on the SSE route, a parameter taken once is refused when given twice, whichever comes first.
    for (const q of [`token=${token}&token=nope&recent=5`, `token=nope&token=${token}&recent=5`, `token=${token}&recent=5&recent=1`]) {
      assert.equal(await socketStatus(q), 400, q);
      assert.equal((await openSse(`${ts.url}/sse/status?${q}`)).status, 400, q);
    }
    assert.equal(await socketStatus(`token=${token}&recent=5`), 101);
  });

  test('WebSocket upgrades are counted and logged as requests: 101 when opened, the refusal\'s status otherwise', async () => {
    const series = async () => {
      const text = await (await fetch(`${ts.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
      const count = (status: string) => Number(new RegExp(`^capstan_http_requests_total\\{method="GET",route="/ws/status",status="${status}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      return { opened: count('101'), refused: count('401') };
    };
    const before = await series();
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.close();
    const refused = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=rt_not-a-token`);
    await new Promise((resolve) => refused.once('error', resolve));
    const after = await series();
    assert.deepEqual([after.opened - before.opened, after.refused - before.refused], [1, 1]);
  });

  test('WebSocket replies keep the order of the requests, a message refused for waiting too long in its place', async () => {
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}`);
    const replies: Msg[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d)) as Msg));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    // The first lookup waits until every message is in, so that the later ones queue behind it.
    const lookups = holdStatusLookups(ts.server.ctx.documents);
    try {
      const sent = 45;
      // Unknown ids name each request in its reply's not_found.
      for (let i = 0; i < sent; i++) ws.send(JSON.stringify({ action: 'subscribe', document_ids: [`doc_order${String(i).padStart(12, '0')}`] }));
      await new Promise((r) => setTimeout(r, 300));
      lookups.release();
      await until(() => replies.length >= sent);
      const order = replyOrder(replies, (i) => `doc_order${String(i).padStart(12, '0')}`);
      const refused = order.indexOf('rate_limited');
      assert.ok(refused > 0, `some messages were refused for waiting: ${order.join(' ')}`);
      assert.deepEqual(order, [...Array<string>(refused).fill('ok'), ...Array<string>(sent - refused).fill('rate_limited')], 'each reply in its request\'s place');
    } finally {
      lookups.restore();
      ws.close();
    }
  });

  test('a fresh stream and a subscribe skip the events their opening status already reflects: no repeat, never back to an older status', async () => {
    const doc = await upload();
    await waitForStatus(org, doc, (s) => s.status === 'completed');
    const { publisher, documents } = ts.server.ctx;
    const statusEvent = (note: string) => publisher.publish({ topic: `org:${org.id}`, orgId: org.id, type: 'document.status', scope: { document_id: doc }, data: { document_id: doc, status: 'processing', note } });
    // The stream's status read is late: two older statuses commit while the stream already hears the
    // topic, so they reach it while it is still reading (as a node's feed brings them late).
    const statuses = documents.statuses.bind(documents);
    let lateReads = 0;
    documents.statuses = async (orgId, ids) => {
      if (ids.includes(doc) && lateReads > 0) {
        lateReads--;
        await statusEvent('committed before the read');
        await statusEvent('committed before the read');
        await new Promise((r) => setTimeout(r, 50));
      }
      return statuses(orgId, ids);
    };
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const wsUrl = `${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}`;
    const statusesOf = (msgs: readonly Msg[]) => msgs.filter((m) => m.document_id === doc).map((m) => `${String(m.status)}${m.note ? ` (${String(m.note)})` : ''}`);
    const expected = ['completed', 'processing (committed after the read)'];
    /** One stream at a time: what one stream's late read commits is news to another already open. */
    const check = async (name: string, open: () => Promise<{ received: () => Msg[]; close: () => void }>) => {
      lateReads = 1;
      const stream = await open();
      try {
        await until(() => lateReads === 0 && statusesOf(stream.received()).length >= 1);
        await new Promise((r) => setTimeout(r, 200));
        // Committed after the status was read: the stream gets it, once.
        await statusEvent('committed after the read');
        await until(() => statusesOf(stream.received()).length >= 2);
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(statusesOf(stream.received()), expected, name);
      } finally {
        stream.close();
      }
    };
    const socket = async (url: string, first?: Msg) => {
      const ws = new WebSocket(url);
      const received: Msg[] = [];
      ws.on('message', (d) => received.push(JSON.parse(String(d)) as Msg));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      if (first) ws.send(JSON.stringify(first));
      return { received: () => received, close: () => ws.close() };
    };
    try {
      await check('SSE', async () => {
        const sse = await openSse(`${ts.url}/sse/status?token=${encodeURIComponent(token)}&document_id=${doc}`);
        return { received: () => sse.frames.flatMap((f) => (f.data === undefined ? [] : [JSON.parse(f.data) as Msg])), close: () => sse.close() };
      });
      await check('WebSocket opened with document_id', () => socket(`${wsUrl}&document_id=${doc}`));
      await check('WebSocket subscribe', () => socket(wsUrl, { action: 'subscribe', document_ids: [doc] }));
    } finally {
      documents.statuses = statuses;
    }
  });

  test('a subscribe sent while the socket is still opening waits for its snapshot: the status comes once', async () => {
    const doc = await upload();
    await waitForStatus(org, doc, (s) => s.status === 'completed');
    const { events } = ts.server.ctx;
    const lastId = events.lastId.bind(events);
    // The opening snapshot is slow to start (as a node's subscription to the bus can be): the
    // subscribe sent on open comes in meanwhile.
    let slow = 1;
    events.lastId = async (topic) => {
      if (slow-- > 0) await new Promise((r) => setTimeout(r, 300));
      return lastId(topic);
    };
    try {
      const token = (await org.call('POST', '/ws/token')).body.token as string;
      const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}`);
      const received: Msg[] = [];
      ws.on('message', (d) => received.push(JSON.parse(String(d)) as Msg));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send(JSON.stringify({ action: 'subscribe', document_ids: [doc] }));
      try {
        await until(() => received.some((m) => m.type === 'subscribed'));
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(received.map((m) => (m.type === 'subscribed' ? 'subscribed' : `${String(m.document_id)} ${String(m.status)}`)), ['subscribed', `${doc} completed`]);
      } finally {
        ws.close();
      }
    } finally {
      events.lastId = lastId;
    }
  });

  test('SSE resumes with Last-Event-ID; the reconnect flow with a fresh token keeps the scope', async () => {
    const docId = await upload();
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const s = await openSse(`${ts.url}/sse/status?token=${encodeURIComponent(token)}&document_id=${docId}`);
    const first = await s.next((f) => f.id !== undefined);
    s.close();
    await waitForStatus(org, docId, (x) => x.status === 'completed');
    const fresh = (await org.call('POST', '/ws/token')).body.token as string;
    const r = await openSse(`${ts.url}/sse/status?token=${encodeURIComponent(fresh)}&document_id=${docId}`, { lastEventId: first.id });
    const last = await r.next((f) => f.id !== undefined && JSON.parse(f.data ?? '{}').status === 'completed');
    assert.ok((last.id ?? '') > (first.id ?? ''));
    assert.ok(!r.frames.some((f) => f.id === first.id), 'nothing before the cursor is repeated');
    r.close();
  });

  test('a cursor older than the replay window gets the current state and stays open, not a terminal event a browser would loop on', async () => {
    const doc = await upload();
    await waitForStatus(org, doc, (s) => s.status === 'completed');
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const stale = uuidv7At(Date.now() - 3_600_000);
    const s = await openSse(`${ts.url}/sse/status?token=${encodeURIComponent(token)}&document_id=${doc}`, { lastEventId: stale });
    assert.equal(s.status, 200);
    const snapshot = await s.next((f) => f.data !== undefined);
    assert.equal(snapshot.id, undefined, 'a snapshot is not a cursor');
    const body = JSON.parse(snapshot.data ?? '{}') as { document_id: string; status: string };
    assert.deepEqual([body.document_id, body.status], [doc, 'completed']);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!s.frames.some((f) => (f.data ?? '').includes('stream.stale_resume')));
    s.close();
  });
});

describe('documents realtime token expiry', () => {
  test('SSE and WebSocket end with stream.expired at the token expiry', async () => {
    const ts = await startServer({ realtimeTokenTtlSeconds: 1 });
    try {
      const org = await makeOrg(ts);
      const token = (await org.call('POST', '/ws/token')).body.token as string;
      const s = await openSse(`${ts.url}/sse/status?token=${encodeURIComponent(token)}&recent=1`);
      const ws = new WebSocket(`${ts.url.replace('http', 'ws')}/ws/status?token=${encodeURIComponent(token)}`);
      const closed = new Promise<{ code: number; msgs: Msg[] }>((resolve) => {
        const msgs: Msg[] = [];
        ws.on('message', (d) => msgs.push(JSON.parse(String(d)) as Msg));
        ws.on('close', (code) => resolve({ code, msgs }));
      });
      const f = await s.next((x) => x.data !== undefined && JSON.parse(x.data).type === 'stream.expired');
      assert.equal(f.id, undefined);
      await s.ended;
      const { code, msgs } = await closed;
      assert.equal(code, 4401);
      assert.equal(msgs.at(-1)?.type, 'stream.expired');
    } finally {
      await ts.close();
    }
  });
});

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
