// Limits in scaled mode hold across the cluster, not per node: two real nodes sharing one Redis count
// one key's requests, one address's failed authentications and one key's open streams together, and
// a stream closed on one node frees its slot for a stream on the other.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { Redis } from 'ioredis';
import { randomToken } from '../../src/util/ids.js';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { openSse } from '../helpers/sse.js';

describe('scaled mode: limits across two nodes', () => {
  let cluster: Cluster;
  let redis: Redis;
  let a: Node;
  let b: Node;
  let orgId: string;

  before(async () => {
    cluster = await startCluster(2, {
      env: { CAPSTAN_RATE_LIMIT_PER_MINUTE: '8', CAPSTAN_AUTH_FAILURES_PER_MINUTE: '3', CAPSTAN_REALTIME_MAX_STREAMS_PER_KEY: '2' },
    });
    [a, b] = cluster.nodes as [Node, Node];
    redis = new Redis(cluster.redisUrl);
    orgId = (await cluster.admin(a, 'POST', '/orgs', { name: 'limits', credits_micro: 1_000_000 })).body.id as string;
  });
  after(async () => {
    const keys = await redis.keys(`${cluster.prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await cluster?.close();
  });

  const newKey = async () => (await cluster.admin(a, 'POST', `/orgs/${orgId}/keys`, {})).body.api_key as string;
  /** Waits until Redis holds `n` live slots under `slot` (a release reaches Redis just after the close). */
  const slotsHeld = async (slot: string, n: number) => {
    let held = -1;
    for (let i = 0; i < 200 && held !== n; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 20));
      held = await redis.zcard(`${cluster.prefix}conn:${slot}`);
    }
    assert.equal(held, n, `${slot} holds ${n}`);
  };

  test("one key's documents streams: two across the nodes, the third refused on either, a close frees one", async () => {
    const apiKey = await newKey();
    const res = await fetch(`${a.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': apiKey } });
    const token = ((await res.json()) as { token: string }).token;
    const kid = decodeJwt(token.slice('rt_'.length)).kid as string;
    const url = (node: Node) => `${node.url}/sse/status?token=${encodeURIComponent(token)}&recent=1`;
    const first = await openSse(url(a));
    const second = await openSse(url(b));
    try {
      assert.deepEqual([first.status, second.status], [200, 200]);
      for (const node of [a, b]) {
        const third = await openSse(url(node));
        assert.equal(third.status, 429, third.body);
        assert.equal(JSON.parse(third.body).code, 'too_many_connections');
        assert.ok(Number(third.headers['retry-after']) >= 1);
      }
      first.close();
      await slotsHeld(`org_key:${kid}`, 1);
      const next = await openSse(url(b));
      assert.equal(next.status, 200, 'the slot freed on node A serves a stream on node B');
      next.close();
    } finally {
      first.close();
      second.close();
    }
  });

  test("one app key's video streams are counted across the nodes", async () => {
    const app = (await cluster.admin(a, 'POST', `/orgs/${orgId}/apps`, { name: 'limits app', environment: 'development', allowed_origins: [] })).body;
    const key = app.secret_key as string;
    const url = (node: Node) => `${node.url}/api/developer/v1/events`;
    const streams = [await openSse(url(a), { token: key }), await openSse(url(b), { token: key })];
    try {
      assert.deepEqual(streams.map((s) => s.status), [200, 200]);
      assert.equal((await openSse(url(a), { token: key })).status, 429);
    } finally {
      for (const s of streams) s.close();
    }
  });

  test("one key's requests are counted across the nodes", async () => {
    const apiKey = await newKey();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${(i % 2 === 0 ? a : b).url}/credits`, { headers: { 'capout-api-key': apiKey } })).status);
    assert.deepEqual(statuses, Array<number>(8).fill(200));
    for (const node of [a, b]) {
      const res = await fetch(`${node.url}/credits`, { headers: { 'capout-api-key': apiKey } });
      assert.equal(res.status, 429, node.url);
      assert.equal(((await res.json()) as { code: string }).code, 'rate_limited');
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    }
  });

  // Last: it leaves this address unable to present any credential until the minute ends.
  test("one address's failed authentications are counted across the nodes", async () => {
    const guess = (node: Node) => fetch(`${node.url}/credits`, { headers: { 'capout-api-key': `capout_test_${randomToken(40)}` } }).then((r) => r.status);
    assert.deepEqual([await guess(a), await guess(b), await guess(a)], [401, 401, 401]);
    assert.deepEqual([await guess(b), await guess(a)], [429, 429]);
    const failures = await redis.keys(`${cluster.prefix}rate:auth_failures:*`);
    assert.equal(failures.length, 1, 'one counter for the address, none per made-up key');
  });
});
