// The admin API's contract at its edges: every JSON body refuses an unknown property and any other
// content type, a known path asked with another method is 405 with Allow, the switched-off API is a
// declared 404 on every route, and the OpenAPI document describes each admin operation completely
// (its credential, its real statuses, its codes, its Idempotency-Key, closed bodies).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, startServer, type TestServer } from './helpers/server.js';

type Body = Record<string, unknown>;
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Well-formed ids of nothing: bodies are checked before any lookup, so they never reach one. */
const ORG = 'org_doesnotexist000000';
const HUB = 'hub_doesnotexist000000';
const CT = 'ct_doesnotexist0000000';
const SPC = 'spc_doesnotexist000000';
const DSC = 'dsc_doesnotexist000000';
const WH = 'wh_doesnotexist0000000';

/** Every admin route that takes a JSON body, with a body it would accept. */
const BODY_ROUTES: readonly (readonly [string, string, Body])[] = [
  ['POST', '/orgs', { name: 'Acme' }],
  ['POST', `/orgs/${ORG}/keys`, { mode: 'live' }],
  ['POST', `/orgs/${ORG}/credits`, { amount_micro: 1000 }],
  ['POST', `/orgs/${ORG}/apps`, { name: 'App', environment: 'development' }],
  ['POST', '/apps/app_doesnotexist000000/regenerate-keys', {}],
  ['POST', `/orgs/${ORG}/hubs`, { name: 'Hub' }],
  ['POST', `/hubs/${HUB}/contacts`, { name: 'Ada' }],
  ['POST', `/hubs/${HUB}/contacts/${CT}/tokens`, { ttl_seconds: 60 }],
  ['POST', `/hubs/${HUB}/events`, { type: 'test.ping' }],
  ['POST', `/hubs/${HUB}/segments`, { name: 'Seg' }],
  ['POST', `/hubs/${HUB}/spaces`, { name: 'Lobby' }],
  ['PUT', `/hubs/${HUB}/contacts/${CT}/segments`, { segment_ids: [] }],
  ['POST', `/hubs/${HUB}/contacts/${CT}/ban`, {}],
  ['PUT', `/hubs/${HUB}/contacts/${CT}/role`, { role: 'moderator' }],
  ['PATCH', `/hubs/${HUB}/spaces/${SPC}`, { name: 'Renamed' }],
  ['POST', `/hubs/${HUB}/spaces/${SPC}/members/${CT}/mute`, {}],
  ['POST', `/hubs/${HUB}/discussions/${DSC}/lock`, {}],
  ['POST', `/hubs/${HUB}/discussions/${DSC}/unlock`, {}],
  ['POST', `/hubs/${HUB}/discussions/${DSC}/pin`, {}],
  ['POST', `/hubs/${HUB}/discussions/${DSC}/unpin`, {}],
  ['POST', `/hubs/${HUB}/broadcasts`, { title: 'Hello', body: 'World' }],
  ['POST', `/orgs/${ORG}/webhooks`, { url: 'https://hooks.example.com/x' }],
  ['PATCH', `/webhooks/${WH}`, { enabled: false }],
  ['POST', `/webhooks/${WH}/rotate-secret`, {}],
  ['POST', `/webhooks/${WH}/deliveries/whd_doesnotexist000000/retry`, {}],
  ['POST', `/webhooks/${WH}/test`, {}],
  ['PATCH', '/apps/app_doesnotexist000000', { name: 'Renamed' }],
  ['POST', `/orgs/${ORG}/keys/key_doesnotexist000000/rotate`, {}],
  ['POST', '/work/wf_doesnotexist0000000/retry', {}],
];

async function call(ts: TestServer, method: string, path: string, body: string | undefined, contentType?: string): Promise<{ status: number; body: Body; headers: Headers }> {
  const res = await fetch(`${ts.url}/admin/v1${path}`, { method, headers: { ...AUTH, ...(contentType ? { 'content-type': contentType } : {}) }, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Body) : {}, headers: res.headers };
}

function assertError(res: { status: number; body: Body }, status: number, code: string, where: string): void {
  assert.equal(res.status, status, `${where}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, code, where);
  assert.equal(typeof res.body.error, 'string', where);
}

describe('admin API contract', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(() => ts.close());

  test('an unknown property in any admin body is 400 invalid_request naming it', async () => {
    for (const [method, path, valid] of BODY_ROUTES) {
      const res = await call(ts, method, path, JSON.stringify({ ...valid, surprise: 1 }), 'application/json');
      assertError(res, 400, 'invalid_request', `${method} ${path}`);
      assert.match(String(res.body.error), /unknown property "surprise"/, `${method} ${path} names the property`);
    }
  });

  test('a text/plain or form body on any admin body route is 415 unsupported_media_type', async () => {
    for (const [method, path, valid] of BODY_ROUTES) {
      assertError(await call(ts, method, path, JSON.stringify(valid), 'text/plain'), 415, 'unsupported_media_type', `${method} ${path} text/plain`);
      assertError(await call(ts, method, path, 'name=x', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type', `${method} ${path} form`);
    }
  });

  test('a known admin path asked with another method is 405 method_not_allowed with Allow', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/orgs', 'GET, HEAD, POST'],
      ['DELETE', `/orgs/${ORG}`, 'GET, HEAD'],
      ['GET', `/orgs/${ORG}/credits`, 'POST'],
      ['GET', `/hubs/${HUB}/events`, 'POST'],
      ['POST', `/hubs/${HUB}/contacts/${CT}`, 'DELETE'],
      ['GET', `/hubs/${HUB}/discussions/${DSC}/lock`, 'POST'],
      ['PUT', `/webhooks/${WH}`, 'GET, HEAD, PATCH, DELETE'],
      ['POST', '/webhook-event-types', 'GET, HEAD'],
    ] as const) {
      const res = await call(ts, method, path, undefined);
      assertError(res, 405, 'method_not_allowed', `${method} ${path}`);
      assert.equal(res.headers.get('allow'), allow, `${method} ${path} Allow`);
    }
  });

  test('a body-less POST means no options, and the answer matches its declaration', async () => {
    const org = await call(ts, 'POST', '/orgs', JSON.stringify({ name: 'Acme' }), 'application/json');
    assert.equal(org.status, 201);
    const key = await call(ts, 'POST', `/orgs/${String(org.body.id)}/keys`, undefined);
    assert.equal(key.status, 201, JSON.stringify(key.body));
    assert.equal(key.body.mode, 'test');
    assert.match(String(key.body.api_key), /^capout_test_/);
  });

  test('an Idempotency-Key replay answers the first status and body, marked Idempotent-Replayed, within the declaration', async () => {
    const send = (name: string) =>
      fetch(`${ts.url}/admin/v1/orgs`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json', 'idempotency-key': 'contract-org-1' }, body: JSON.stringify({ name }) });
    const first = await send('Once');
    assert.equal(first.status, 201);
    const firstBody = (await first.json()) as Body;
    const again = await send('Once');
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await again.json(), firstBody);
    const other = await send('Other');
    assert.equal(other.status, 409);
    assert.equal(((await other.json()) as Body).code, 'idempotency_conflict');
    const malformed = await fetch(`${ts.url}/admin/v1/orgs`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json', 'idempotency-key': 'has space' }, body: '{"name":"x"}' });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as Body).code, 'invalid_request');
  });
});

describe('admin API switched off', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ adminToken: null });
  });
  after(() => ts.close());

  test('every admin route answers its declared 404 route_not_found, body or not', async () => {
    const reads: readonly (readonly [string, string])[] = [['GET', '/orgs'], ['GET', `/orgs/${ORG}`], ['GET', '/webhook-event-types'], ['GET', `/webhooks/${WH}/deliveries`], ['GET', `/hubs/${HUB}/spaces`], ['DELETE', `/hubs/${HUB}/contacts/${CT}`]];
    for (const [method, path] of reads) assertError(await call(ts, method, path, undefined), 404, 'route_not_found', `${method} ${path}`);
    for (const [method, path, body] of BODY_ROUTES) assertError(await call(ts, method, path, JSON.stringify(body), 'application/json'), 404, 'route_not_found', `${method} ${path}`);
  });
});

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { additionalProperties?: unknown; examples?: unknown[] } }> };
  responses: Record<string, { description?: string; headers?: Record<string, unknown>; content?: Record<string, { schema?: { properties?: { code?: { enum?: string[] } }; examples?: unknown }; example?: unknown; examples?: unknown }> }>;
}

describe('admin operations in the OpenAPI document', () => {
  let ts: TestServer;
  let ops: [string, string, Operation][];
  before(async () => {
    ts = await startServer();
    const doc = (await (await fetch(`${ts.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    ops = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/v1/') && path !== '/admin/v1/session')
      .flatMap(([path, byMethod]) => Object.entries(byMethod).filter(([m]) => m !== 'head').map(([m, op]): [string, string, Operation] => [m.toUpperCase(), path, op]));
  });
  after(() => ts.close());

  const codesOf = (op: Operation, status: string): string[] => op.responses[status]?.content?.['application/json']?.schema?.properties?.code?.enum ?? [];

  test('each is under an admin tag, with the admin token, and 404 route_not_found for a switched-off API', () => {
    assert.ok(ops.length >= 39, `every admin operation is documented (${ops.length})`);
    for (const [method, path, op] of ops) {
      const where = `${method} ${path}`;
      assert.ok(op.tags?.length === 1 && ['admin', 'admin: hubs', 'admin: webhooks', 'admin: operations'].includes(op.tags[0] ?? ''), `${where} tag`);
      assert.deepEqual(op.security, [{ adminToken: [] }, { consoleSession: [] }], `${where} security`);
      assert.ok(codesOf(op, '404').includes('route_not_found'), `${where} declares 404 route_not_found`);
      assert.ok(codesOf(op, '401').includes('unauthorized'), `${where} declares 401`);
    }
  });

  test('each write takes an Idempotency-Key, declares 409 idempotency_conflict and the replay header, and closes its body', () => {
    for (const [method, path, op] of ops) {
      if (method === 'GET') continue;
      const where = `${method} ${path}`;
      assert.ok(op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'), `${where} Idempotency-Key`);
      assert.ok(codesOf(op, '409').includes('idempotency_conflict'), `${where} 409 idempotency_conflict`);
      const success = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      assert.equal(success.length, 1, `${where} has one success status`);
      assert.ok(op.responses[success[0] ?? '']?.headers?.['idempotent-replayed'], `${where} Idempotent-Replayed`);
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body) assert.equal(body.additionalProperties, false, `${where} closed body`);
      else assert.equal(method, 'DELETE', `${where}: only DELETEs take no body`);
    }
  });

  test('statuses are the real ones (201 for creations, 202 for queued sends) with example bodies', () => {
    const status = (method: string, path: string) => Object.keys(ops.find(([m, p]) => m === method && p === path)?.[2].responses ?? {}).filter((s) => s.startsWith('2'));
    for (const path of ['/admin/v1/orgs', '/admin/v1/orgs/{org_id}/keys', '/admin/v1/orgs/{org_id}/keys/{key_id}/rotate', '/admin/v1/orgs/{org_id}/apps', '/admin/v1/orgs/{org_id}/hubs', '/admin/v1/hubs/{hub_id}/contacts', '/admin/v1/hubs/{hub_id}/contacts/{contact_id}/tokens', '/admin/v1/hubs/{hub_id}/segments', '/admin/v1/hubs/{hub_id}/spaces', '/admin/v1/hubs/{hub_id}/broadcasts', '/admin/v1/orgs/{org_id}/webhooks']) {
      assert.deepEqual(status('POST', path), ['201'], `POST ${path}`);
    }
    for (const path of ['/admin/v1/hubs/{hub_id}/events', '/admin/v1/webhooks/{id}/test', '/admin/v1/webhooks/{id}/deliveries/{delivery_id}/retry']) assert.deepEqual(status('POST', path), ['202'], `POST ${path}`);
    for (const [method, path, op] of ops) {
      const success = Object.entries(op.responses).find(([s]) => s.startsWith('2'))?.[1];
      const json = success?.content?.['application/json'];
      // An admin stream shows an example of its frames in its schema.
      const stream = success?.content?.['text/event-stream'];
      assert.ok(json?.example !== undefined || json?.examples !== undefined || stream?.schema?.examples !== undefined, `${method} ${path} shows an example answer`);
      assert.notEqual(success?.description, 'Default Response', `${method} ${path} describes its answer`);
    }
  });
});
