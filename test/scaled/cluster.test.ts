// Scaled mode with three real nodes on PostgreSQL, Redis and S3: fan-out across nodes, resume on
// another node, the cluster-wide stream limit, workflows taken over when a node dies, and draining.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { buildEstimatePdf, buildScannedPdf } from '../fixtures/documents.js';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { openSse, type SseStream } from '../helpers/sse.js';

describe('scaled mode: three nodes', () => {
  let cluster: Cluster;
  let a: Node;
  let b: Node;
  let c: Node;
  let hubId: string;
  let orgId: string;
  const member = async (node: Node) => {
    const contact = await cluster.admin(node, 'POST', `/hubs/${hubId}/contacts`, { name: 'm' });
    const token = await cluster.admin(node, 'POST', `/hubs/${hubId}/contacts/${contact.body.id as string}/tokens`, { ttl_seconds: 3600 });
    return { id: contact.body.id as string, token: token.body.access_token as string };
  };
  const publish = async (node: Node, i: number) => {
    const r = await cluster.admin(node, 'POST', `/hubs/${hubId}/events`, { type: 'test.ping', data: { i } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.id as string;
  };
  const stream = (node: Node, token: string, lastEventId?: string) => openSse(`${node.url}/realtime/events?hub_id=${hubId}`, { token, lastEventId });
  const ids = async (s: SseStream, n: number) => {
    const out: string[] = [];
    while (out.length < n) out.push((await s.next((f) => f.id !== undefined, 20_000)).id as string);
    return out;
  };

  before(async () => {
    cluster = await startCluster(3, { env: { CAPSTAN_WORKFLOW_LEASE_MS: '1500', CAPSTAN_WORKFLOW_CONCURRENCY: '1', CAPSTAN_REALTIME_DRAIN_WINDOW_MS: '200' } });
    [a, b, c] = cluster.nodes as [Node, Node, Node];
    orgId = (await cluster.admin(a, 'POST', '/orgs', { name: 'scaled', credits_micro: 1_000_000 })).body.id as string;
    hubId = (await cluster.admin(b, 'POST', `/orgs/${orgId}/hubs`, { name: 'hub' })).body.id as string;
  });
  after(() => cluster.close());

  test('an event published on any node reaches subscribers on every node, in one order', async () => {
    const m = await member(a);
    const sb = await stream(b, m.token);
    const sc = await stream(c, m.token);
    const published: string[] = [];
    // Publish from all three nodes at once: the order is decided cluster-wide.
    await Promise.all([a, b, c].map(async (node, k) => {
      for (let i = 0; i < 20; i++) published.push(await publish(node, k * 100 + i));
    }));
    const gotB = await ids(sb, 60);
    const gotC = await ids(sc, 60);
    assert.deepEqual(gotB, [...published].sort(), 'ids arrive in increasing order, none missing');
    assert.deepEqual(gotC, gotB);
    sb.close();
    sc.close();
  });

  test('a client that resumes on a different node gets exactly the events it missed', async () => {
    const m = await member(a);
    const s1 = await stream(b, m.token);
    const first = await publish(a, 1);
    assert.equal((await s1.next((f) => f.id !== undefined)).id, first);
    s1.close();
    const missed = [await publish(c, 2), await publish(a, 3), await publish(b, 4)];
    const s2 = await stream(c, m.token, first);
    assert.deepEqual(await ids(s2, 3), missed);
    s2.close();
  });

  test('the 5-stream limit holds across nodes and frees when a stream closes', async () => {
    const m = await member(a);
    const open: SseStream[] = [];
    for (const node of [a, b, c, a, b]) {
      const s = await stream(node, m.token);
      assert.equal(s.status, 200);
      open.push(s);
    }
    for (const node of [a, b, c]) assert.equal((await stream(node, m.token)).status, 429);
    open.shift()?.close();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const s = await stream(c, m.token);
      status = s.status;
      if (status === 200) open.push(s);
    }
    assert.equal(status, 200);
    for (const s of open) s.close();
  });

  test('one Idempotency-Key sent to two nodes at once on a balance that pays for one document: one document, billed once, no 402', async () => {
    const pdf = Buffer.from(await buildEstimatePdf()).toString('base64');
    const body = { file_base64: pdf, file_name: 'twins.pdf' };
    const orgOf = async (credits: number) => {
      const r = await cluster.admin(a, 'POST', '/orgs', { name: 'twins', credits_micro: credits });
      const key = r.body.api_key as string;
      const call = async (node: Node, method: string, path: string, headers: Record<string, string> = {}, payload?: unknown) => {
        const res = await fetch(node.url + path, { method, headers: { 'capout-api-key': key, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: payload === undefined ? undefined : JSON.stringify(payload) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      return { call };
    };
    const rich = await orgOf(1_000_000);
    assert.equal((await rich.call(a, 'POST', '/upload', {}, body)).status, 201);
    const cost = 1_000_000 - ((await rich.call(a, 'GET', '/credits')).body.balance_micro_credits as number);
    for (let round = 0; round < 3; round++) {
      const tight = await orgOf(cost);
      const headers = { 'idempotency-key': `twins-${round}` };
      const answers = await Promise.all([b, c].map((node) => tight.call(node, 'POST', '/upload', headers, body)));
      assert.ok(answers.every((x) => x.status === 201 || x.status === 409), JSON.stringify(answers));
      const retry = await tight.call(a, 'POST', '/upload', headers, body);
      assert.equal(retry.status, 201);
      for (const x of answers) if (x.status === 201) assert.equal(x.body.document_id, retry.body.document_id);
      assert.equal((await tight.call(a, 'GET', '/credits')).body.balance_micro_credits, 0, 'billed once');
      assert.equal(((await tight.call(a, 'GET', '/documents')).body.data as unknown[]).length, 1);
    }
  });

  test('a workflow whose node is killed mid-stage is finished by another node', async () => {
    const key = (await cluster.admin(a, 'POST', `/orgs/${orgId}/keys`, {})).body.api_key as string;
    const pdf = Buffer.from(await buildScannedPdf()).toString('base64');
    const up = await (await fetch(`${c.url}/upload`, { method: 'POST', headers: { 'capout-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ file_base64: pdf, file_name: 'scan.pdf' }) })).json() as { document_id: string; workflow_id: string };
    const db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
    try {
      let owner: string | undefined;
      for (let i = 0; i < 2000 && !owner; i++) {
        const row = (await db.query<{ lease_owner: string | null }>('select lease_owner from workflow_runs where id = $1', [up.workflow_id])).rows[0];
        const stage = (await db.query<{ n: string }>("select count(*) as n from workflow_stages where run_id = $1 and stage = 'ocr' and status = 'in_progress'", [up.workflow_id])).rows[0];
        if (row?.lease_owner && Number(stage?.n) > 0) owner = row.lease_owner;
        else await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(owner, 'the OCR stage was claimed');
      const victim = cluster.nodes.find((n) => n.proc.stdout.includes(owner));
      assert.ok(victim, 'the claiming node was found by its worker id');
      victim.proc.child.kill('SIGKILL');
      await victim.proc.exited;
      cluster.nodes.splice(cluster.nodes.indexOf(victim), 1);
      const survivor = cluster.nodes[0] as Node;
      let status = '';
      for (let i = 0; i < 1200 && status !== 'completed' && status !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = ((await (await fetch(`${survivor.url}/status/${up.document_id}`, { headers: { 'capout-api-key': key } })).json()) as { status: string }).status;
      }
      assert.equal(status, 'completed');
    } finally {
      await db.end();
    }
  });

  test('draining one node: its clients get stream.draining and resume on another node, losing nothing', async () => {
    const extra = await cluster.start({ CAPSTAN_REALTIME_DRAIN_WINDOW_MS: '200' });
    const survivor = cluster.nodes[0] as Node;
    const m = await member(survivor);
    const s = await stream(extra, m.token);
    const before = await publish(survivor, 1);
    assert.equal((await s.next((f) => f.id !== undefined)).id, before);
    extra.proc.child.kill('SIGTERM');
    const drain = await s.next((f) => f.event === 'stream.draining');
    // A window below the floor spreads nothing: every client waits the floor.
    assert.equal(JSON.parse(drain.data ?? '{}').retry_ms, 1000);
    const during = [await publish(survivor, 2), await publish(survivor, 3)];
    assert.equal(await extra.proc.exited, 0);
    cluster.nodes.splice(cluster.nodes.indexOf(extra), 1);
    const resumed = await stream(survivor, m.token, before);
    assert.deepEqual(await ids(resumed, 2), during);
    resumed.close();
  });
});
