// The member API and the hub stream against their declarations: every JSON body refuses an unknown
// property (400 naming it) and a body that is not JSON (415), a known path asked with another method
// is 405 with Allow, and the OpenAPI document describes each route as the server answers it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { as, expectStatus, memberWithRole } from '../helpers/community.js';
import { makeHub, type Member, type TestHub } from '../helpers/hub.js';
import { startServer, type TestServer } from '../helpers/server.js';

interface Operation {
  operationId?: string;
  tags?: string[];
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { additionalProperties?: unknown } }> };
  responses?: Record<string, { content?: Record<string, { schema?: { properties?: { code?: { enum?: string[] } } } }> }>;
}

describe('hub member API and stream: contract', () => {
  let ts: TestServer;
  let hub: TestHub;
  let admin: Member;
  let bob: Member;
  let space: string;
  let discussion: string;
  let conversation: string;
  let message: string;
  /** Every member route that takes a JSON body (path after /hubs/:hub_id), with a valid body. */
  let bodyRoutes: [string, string, Record<string, unknown>][];

  before(async () => {
    ts = await startServer();
    hub = await makeHub(ts);
    admin = await memberWithRole(ts, hub, 'Ada', 'admin');
    bob = await hub.member('Bob');
    space = expectStatus(await as(ts, hub, admin, 'POST', '/spaces', { name: 'Lobby' }), 201).id as string;
    expectStatus(await as(ts, hub, admin, 'POST', `/spaces/${space}/join`), 200);
    discussion = expectStatus(await as(ts, hub, admin, 'POST', `/spaces/${space}/discussions`, { title: 'Hi', body: 'First' }), 201).id as string;
    conversation = expectStatus(await as(ts, hub, admin, 'POST', '/conversations', { contact_ids: [bob.id], name: 'Pair' }), 201).id as string;
    message = expectStatus(await as(ts, hub, admin, 'POST', `/conversations/${conversation}/messages`, { body: 'Hello' }), 201).id as string;
    bodyRoutes = [
      ['POST', '/spaces', { name: 'Other' }],
      ['PATCH', `/spaces/${space}`, { name: 'Lobby 2' }],
      ['PATCH', '/profile', { bio: 'hi' }],
      ['POST', '/broadcasts', { title: 'News', body: 'Text' }],
      ['POST', `/spaces/${space}/discussions`, { title: 'T', body: 'B' }],
      ['PATCH', `/discussions/${discussion}`, { body: 'B2' }],
      ['POST', `/discussions/${discussion}/replies`, { body: 'R' }],
      ['POST', `/discussions/${discussion}/reactions`, { reaction: 'thumbsup' }],
      ['POST', '/conversations', { contact_ids: [bob.id] }],
      ['POST', `/conversations/${conversation}/members`, { contact_id: bob.id }],
      ['POST', `/conversations/${conversation}/messages`, { body: 'M' }],
      ['PATCH', `/conversations/${conversation}/messages/${message}`, { body: 'M2' }],
    ];
  });
  after(() => ts.close());

  test('an unknown property on every JSON body is 400 invalid_request naming it, and changes nothing', async () => {
    for (const [method, path, body] of bodyRoutes) {
      const res = await as(ts, hub, admin, method, path, { ...body, surprise: 1 });
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'invalid_request', `${method} ${path}`);
      assert.match(String(res.body.error), /surprise/, `${method} ${path} names the property`);
    }
    // Nothing was applied: the discussion keeps its body, the space its name, the conversation its messages.
    assert.equal(expectStatus(await as(ts, hub, admin, 'GET', `/discussions/${discussion}`), 200).body, 'First');
    assert.equal(expectStatus(await as(ts, hub, admin, 'GET', `/spaces/${space}`), 200).name, 'Lobby');
    const messages = expectStatus(await as(ts, hub, admin, 'GET', `/conversations/${conversation}/messages`), 200).data as unknown[];
    assert.equal(messages.length, 1);
  });

  test('a body that is not JSON (text/plain, a form) is 415 unsupported_media_type on every body route', async () => {
    for (const [method, path, body] of bodyRoutes) {
      for (const [type, payload] of [['text/plain', JSON.stringify(body)], ['application/x-www-form-urlencoded', 'body=x']]) {
        const res = await as(ts, hub, admin, method, path, payload, { 'content-type': type as string });
        assert.equal(res.status, 415, `${method} ${path} as ${type}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.code, 'unsupported_media_type');
      }
    }
  });

  test('another method on a known path is 405 method_not_allowed with Allow', async () => {
    const cases: [string, string, string[]][] = [
      ['PUT', `/hubs/${hub.hubId}/spaces`, ['GET', 'POST']],
      ['POST', `/hubs/${hub.hubId}/profile`, ['GET', 'PATCH']],
      ['PUT', `/hubs/${hub.hubId}/discussions/${discussion}`, ['GET', 'PATCH', 'DELETE']],
      ['GET', `/hubs/${hub.hubId}/discussions/${discussion}/lock`, ['POST']],
      ['DELETE', `/hubs/${hub.hubId}/conversations/${conversation}`, ['GET']],
      ['PUT', `/hubs/${hub.hubId}/conversations/${conversation}/messages/${message}`, ['PATCH', 'DELETE']],
      ['POST', `/realtime/events?hub_id=${hub.hubId}`, ['GET']],
    ];
    for (const [method, path, methods] of cases) {
      const res = await fetch(ts.url + path, { method, headers: { authorization: `Bearer ${admin.token}` } });
      const body = (await res.json()) as { code: string };
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(body.code, 'method_not_allowed');
      const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim());
      for (const m of methods) assert.ok(allow.includes(m), `${method} ${path}: Allow ${allow.join(', ')} lists ${m}`);
      assert.ok(!allow.includes(method), `${method} ${path}: Allow does not list ${method}`);
    }
  });

  test('an Idempotency-Key replay is marked and a malformed key is 400 on member writes', async () => {
    const headers = { 'idempotency-key': 'contract-msg-1' };
    const first = await as(ts, hub, bob, 'POST', `/conversations/${conversation}/messages`, { body: 'Once' }, headers);
    const again = await fetch(`${ts.url}/hubs/${hub.hubId}/conversations/${conversation}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ body: 'Once' }),
    });
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(((await again.json()) as { id: string }).id, first.body.id);
    const other = await as(ts, hub, bob, 'POST', `/conversations/${conversation}/messages`, { body: 'Twice' }, headers);
    assert.equal(other.status, 409);
    assert.equal(other.body.code, 'idempotency_conflict');
    const bad = await as(ts, hub, bob, 'POST', `/conversations/${conversation}/messages`, { body: 'Bad' }, { 'idempotency-key': 'has space' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_request');
  });

  test('the OpenAPI document: member routes are tagged, secured with contactToken, named, and take closed bodies', async () => {
    const doc = (await (await fetch(ts.url + '/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>> };
    const hubOps = Object.entries(doc.paths).filter(([p]) => p.startsWith('/hubs/')).flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => [`${m.toUpperCase()} ${p}`, op] as const));
    assert.ok(hubOps.length >= 35, `${hubOps.length} member operations`);
    const ids = new Set<string>();
    for (const [name, op] of hubOps) {
      assert.deepEqual(op.tags, ['hub members'], name);
      assert.deepEqual(op.security, [{ contactToken: [] }], name);
      assert.match(op.operationId ?? '', /^[a-z][A-Za-z]+$/, name);
      assert.ok(!ids.has(op.operationId ?? ''), `${name}: operationId is unique`);
      ids.add(op.operationId ?? '');
      const json = op.requestBody?.content?.['application/json']?.schema;
      if (json) assert.equal(json.additionalProperties, false, `${name}: its body is closed`);
      const notFound = op.responses?.['404']?.content?.['application/json']?.schema?.properties?.code?.enum ?? [];
      assert.ok(notFound.includes('not_found'), `${name}: declares 404 not_found (a token of another hub, a removed member)`);
      if (!name.startsWith('GET')) assert.ok(op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), `${name}: takes Idempotency-Key`);
    }
  });

  test('the OpenAPI document: the hub stream is text/event-stream with its pre-stream refusals and Last-Event-ID', async () => {
    const doc = (await (await fetch(ts.url + '/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>> };
    const op = doc.paths['/realtime/events']?.get;
    assert.ok(op, 'GET /realtime/events is documented');
    assert.deepEqual(op.tags, ['hub realtime']);
    assert.deepEqual(op.security, [{ contactToken: [] }]);
    assert.equal(op.operationId, 'streamHubEvents');
    assert.match(op.description ?? '', /\/asyncapi\.json/);
    assert.ok(op.responses?.['200']?.content?.['text/event-stream'], '200 is an event stream');
    const codes = (status: string) => op.responses?.[status]?.content?.['application/json']?.schema?.properties?.code?.enum ?? [];
    assert.ok(codes('400').includes('invalid_cursor'));
    assert.ok(codes('401').includes('unauthorized'));
    assert.ok(codes('404').includes('not_found'));
    assert.ok(codes('429').includes('too_many_connections'));
    assert.ok(codes('503').includes('draining'));
    assert.ok(op.parameters?.some((p) => p.in === 'header' && p.name === 'last-event-id'), 'Last-Event-ID is declared');
    assert.ok(op.parameters?.some((p) => p.in === 'query' && p.name === 'hub_id'), 'hub_id is declared');
  });
});
