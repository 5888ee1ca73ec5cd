// A stream's connection ends with the stream, so SSE responses say `Connection: close` from the start:
// a pooling client then never puts a stream's socket back in its pool, where the next request would
// find it closed ("other side closed"). And the request timeouts, which bound how long a request takes
// to arrive, never cut a stream that is being answered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { makeOrg } from '../helpers/org.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse } from '../helpers/sse.js';
import { makeApp } from '../helpers/videos.js';
import { VERSION } from '../../src/util/version.js';

const STREAMS = 20;

describe('SSE responses close their connection, and pooled clients know it', () => {
  let ts: TestServer;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ realtimeMaxStreamsPerContact: STREAMS });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  test('20 pooled requests right after 20 streams ended with a terminal event all succeed', async () => {
    const agent = new Agent({ connections: STREAMS, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
    try {
      // Tokens that expire in 5 s (time enough to open 20 streams on a loaded machine): every stream
      // ends with stream.expired, and its connection with it.
      const member = await hub.member('pooled', 5);
      const streams = await Promise.all(Array.from({ length: STREAMS }, () => request(hub.streamUrl(), { dispatcher: agent, headers: { authorization: `Bearer ${member.token}` } })));
      for (const s of streams) {
        assert.equal(s.statusCode, 200);
        assert.equal(s.headers.connection, 'close');
      }
      const bodies = await Promise.all(streams.map((s) => s.body.text()));
      for (const body of bodies) assert.match(body, /event: stream\.expired/);
      const follow = await Promise.allSettled(Array.from({ length: STREAMS }, async () => {
        const res = await request(`${ts.url}/version`, { dispatcher: agent });
        await res.body.text();
        return res.statusCode;
      }));
      const failed = follow.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      assert.deepEqual(failed, [], `${failed.length} of ${STREAMS} follow-up requests failed`);
      assert.deepEqual(follow.map((r) => (r as PromiseFulfilledResult<number>).value), Array.from({ length: STREAMS }, () => 200));
    } finally {
      await agent.close();
    }
  });

  test('the documents stream says so too (every stream shares the SSE wire)', async () => {
    const org = await makeOrg(ts);
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const controller = new AbortController();
    const res = await fetch(`${ts.url}/sse/status?token=${token}&recent=1`, { signal: controller.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('connection'), 'close');
    controller.abort();
  });

  test('a HEAD on a stream route is 405 at once (Allow: GET), never a stream written onto an answer without a body', async () => {
    // Fastify's automatic HEAD opened the stream: the video stream's events went out with no status
    // line before them, and the hub stream never answered at all.
    const org = await makeOrg(ts);
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    const app = await makeApp(ts, { orgId: org.id });
    const member = await hub.member('head');
    const cases: [string, Record<string, string>][] = [
      [hub.streamUrl(), { authorization: `Bearer ${member.token}` }],
      [`${ts.url}/sse/status?token=${token}&recent=1`, {}],
      [`${ts.url}/api/developer/v1/events`, { authorization: `Bearer ${app.secretKey}` }],
    ];
    for (const [url, headers] of cases) {
      const res = await fetch(url, { method: 'HEAD', headers, signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 405, url);
      assert.equal(res.headers.get('allow'), 'GET', url);
      assert.equal(res.headers.get('x-api-version'), VERSION);
    }
    assert.equal((await fetch(`${ts.url}/healthz`)).status, 200);
  });
});

describe('streams outlive the request timeouts', () => {
  let ts: TestServer;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ httpHeadersTimeoutMs: 200, httpRequestTimeoutMs: 200, httpKeepAliveTimeoutMs: 200, realtimeHeartbeatMs: 0 });
    hub = await makeHub(ts);
  });
  after(() => ts.close());

  test('a stream open for 10 times the timeouts, quiet all along, still gets the next event', async () => {
    const member = await hub.member('patient');
    const stream = await openSse(hub.streamUrl(), { token: member.token });
    try {
      assert.equal(stream.status, 200);
      await new Promise((r) => setTimeout(r, 2000));
      await hub.publish({ type: 'test.ping', data: { late: true } });
      const frame = await stream.next((f) => f.event === 'test.ping', 3000);
      assert.deepEqual(JSON.parse(frame.data ?? '{}'), { late: true });
    } finally {
      stream.close();
    }
  });
});
