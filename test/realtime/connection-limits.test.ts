// Connection limits on every realtime surface: documents streams (SSE and WebSocket) and organizer
// sockets per organization key, video streams per app key, and every connection of a node under one
// cap. Each refusal is 429 too_many_connections with Retry-After (a refused upgrade in the
// catalogue's shape), a refusal gives back what it took, and a close frees the slot for the next.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { uuidv7At } from '../../src/util/ids.js';
import { refusal } from '../organizer/helpers.js';
import { makeHub } from '../helpers/hub.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseStream } from '../helpers/sse.js';
import { makeApp } from '../helpers/videos.js';

async function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return ws;
}

function assertFull(stream: SseStream, what: string): void {
  assert.equal(stream.status, 429, `${what}: ${stream.body}`);
  assert.equal(JSON.parse(stream.body).code, 'too_many_connections', what);
  assert.ok(Number(stream.headers['retry-after']) >= 1, `${what}: Retry-After`);
}

/** A closed connection frees its slot once the server has seen the close: try until it is admitted. */
async function eventually<T>(open: () => Promise<T>, admitted: (t: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const t = await open();
    if (admitted(t) || i === 100) return t;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('per-key connection limits', () => {
  let s: TestServer;
  let org: TestOrg;
  let wsBase: string;
  before(async () => {
    s = await startServer({ realtimeMaxStreamsPerKey: 2 });
    org = await makeOrg(s);
    wsBase = s.url.replace('http', 'ws');
  });
  after(() => s.close());

  const mint = async (apiKey: string) => {
    const res = await fetch(`${s.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': apiKey } });
    return encodeURIComponent(((await res.json()) as { token: string }).token);
  };

  test('documents: SSE and WebSocket streams of one key share its budget, whatever token each uses', async () => {
    const sseUrl = async () => `${s.url}/sse/status?token=${await mint(org.apiKey)}&recent=1`;
    const first = await openSse(await sseUrl());
    const socket = await openWs(`${wsBase}/ws/status?token=${await mint(org.apiKey)}&recent=1`);
    try {
      assert.equal(first.status, 200);
      assertFull(await openSse(await sseUrl()), 'a third stream, SSE');
      const refused = await refusal(`${wsBase}/ws/status?token=${await mint(org.apiKey)}&recent=1`);
      assert.equal(refused.status, 429, 'a third stream, WebSocket');
      assert.equal(refused.body.code, 'too_many_connections');

      const otherKey = (await s.admin('POST', `/orgs/${org.id}/keys`, {})).body.api_key as string;
      const another = await openSse(`${s.url}/sse/status?token=${await mint(otherKey)}&recent=1`);
      assert.equal(another.status, 200, 'another key of the organization has its own budget');
      another.close();

      first.close();
      const next = await eventually(async () => openSse(await sseUrl()), (t) => t.status === 200);
      assert.equal(next.status, 200, 'a closed stream frees its slot');
      next.close();
    } finally {
      first.close();
      socket.close();
    }
  });

  test('documents: a client that leaves while its stream is being admitted gives its slot back', async () => {
    const other = await makeOrg(s);
    const token = await mint(other.apiKey);
    const { port, hostname, host } = new URL(s.url);
    // Leaving at once, or a few milliseconds in, lands some of these while the server is still
    // looking up the stream's scope, before the response it would answer on is open.
    for (const delayMs of [0, 1, 2, 3, 5]) {
      for (let i = 0; i < 40; i++) {
        const socket = net.connect(Number(port), hostname);
        await new Promise<void>((r) => socket.once('connect', () => r()));
        socket.write(`GET /sse/status?token=${token}&recent=1 HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
        await new Promise((r) => setTimeout(r, delayMs));
        socket.destroy();
      }
    }
    const first = await eventually(() => openSse(`${s.url}/sse/status?token=${token}&recent=1`), (t) => t.status === 200);
    const second = await openSse(`${s.url}/sse/status?token=${token}&recent=1`);
    try {
      assert.deepEqual([first.status, second.status], [200, 200], 'both slots of the key are free again');
    } finally {
      first.close();
      second.close();
    }
  });

  test('documents: tokens without a key id count against their organization', async () => {
    const token = async () => encodeURIComponent(`rt_${(await s.server.ctx.tokens.issue('realtime', org.id, { scope: 'documents' }, 60)).token}`);
    const streams = [await openSse(`${s.url}/sse/status?token=${await token()}&recent=1`), await openSse(`${s.url}/sse/status?token=${await token()}&recent=1`)];
    try {
      assert.deepEqual(streams.map((t) => t.status), [200, 200]);
      assertFull(await openSse(`${s.url}/sse/status?token=${await token()}&recent=1`), 'a third stream of the organization');
    } finally {
      for (const t of streams) t.close();
    }
  });

  test('video event stream: per app key; a refused or stale-resumed stream holds nothing', async () => {
    const app = await makeApp(s);
    const url = `${s.url}/api/developer/v1/events`;
    const streams = [await openSse(url, { token: app.secretKey }), await openSse(url, { token: app.secretKey })];
    try {
      assert.deepEqual(streams.map((t) => t.status), [200, 200]);
      for (let i = 0; i < 3; i++) assertFull(await openSse(url, { token: app.secretKey }), `stream ${i + 3}`);
      streams.shift()?.close();
      const stale = await eventually(() => openSse(url, { token: app.secretKey, lastEventId: uuidv7At(Date.now() - 3_600_000) }), (t) => t.status === 200);
      assert.equal((await stale.next((f) => f.event !== undefined)).event, 'stream.stale_resume');
      await stale.ended;
      const next = await eventually(() => openSse(url, { token: app.secretKey }), (t) => t.status === 200);
      assert.equal(next.status, 200, 'a closed stream frees its slot');
      streams.push(next);
    } finally {
      for (const t of streams) t.close();
    }
  });

  test('organizer: one socket per client_id, and at most so many client_ids per key', async () => {
    const url = (clientId: string) => `${wsBase}/api/v1/ws/${clientId}?token=${org.apiKey}`;
    const a = await openWs(url('client-a'));
    let b = await openWs(url('client-b'));
    try {
      const same = await refusal(url('client-a'));
      assert.equal(same.status, 409, 'a client_id already connected is a conflict');
      const third = await refusal(url('client-c'));
      assert.equal(third.status, 429, 'a third client_id for the key');
      assert.equal(third.body.code, 'too_many_connections');
      b.close();
      const c = await eventually(() => openWs(url('client-c')).catch(() => undefined), (ws) => ws !== undefined);
      assert.ok(c, 'a closed socket frees its client_id for another');
      b = c;
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('per-node connection cap', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ realtimeMaxConnectionsPerNode: 2 });
  });
  after(() => s.close());

  test('every surface shares the cap; refusals give back the node slot they took', async () => {
    const org = await makeOrg(s);
    const hub = await makeHub(s, org.id);
    const member = await hub.member();
    const wsBase = s.url.replace('http', 'ws');
    const token = encodeURIComponent((await org.call('POST', '/ws/token')).body.token as string);
    const docsUrl = `${s.url}/sse/status?token=${token}&recent=1`;
    const hubStream = await openSse(hub.streamUrl(), { token: member.token });
    const socket = await openWs(`${wsBase}/api/v1/ws/client-a?token=${org.apiKey}`);
    const open: { close(): void }[] = [hubStream, socket];
    try {
      assert.equal(hubStream.status, 200);
      const full = await openSse(docsUrl);
      assertFull(full, 'a third connection on the node');
      assert.match(JSON.parse(full.body).error, /node/);
      const refused = await refusal(`${wsBase}/api/v1/ws/client-b?token=${org.apiKey}`);
      assert.equal(refused.status, 429, 'a third socket on the node');
      assert.equal(refused.body.code, 'too_many_connections');

      hubStream.close();
      // Each of these takes the free node slot before its client_id is found taken, and gives it back.
      const conflicts = [];
      for (let i = 0; i < 3; i++) conflicts.push((await eventually(() => refusal(`${wsBase}/api/v1/ws/client-a?token=${org.apiKey}`), (r) => r.status === 409)).status);
      assert.deepEqual(conflicts, [409, 409, 409]);
      const docs = await openSse(docsUrl);
      open.push(docs);
      assert.equal(docs.status, 200, 'after a close and three refusals, the next connection is admitted');
      assertFull(await openSse(docsUrl), 'and the cap holds again');
    } finally {
      for (const c of open) c.close();
    }
  });
});
