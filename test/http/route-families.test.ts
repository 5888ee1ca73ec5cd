// Every route family, driven from the OpenAPI document itself so a new route is covered the day it
// is added: a wrong method on a known path is 405 with Allow, a body in a content type the route does
// not take is 415, a JSON body with an unknown property is 400 — each with real credentials, so the
// refusal is the route's and not the authentication's. The WebSocket endpoints answer a plain GET 426.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeHub } from '../helpers/hub.js';
import { makeOrg } from '../helpers/org.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { makeApp } from '../helpers/videos.js';

interface Operation {
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, unknown> };
}
type Paths = Record<string, Record<string, Operation>>;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
let server: TestServer;
let paths: Paths;
let credentials: Record<string, Record<string, string>>;
/** Real ids for the path parameters that name the caller's own tenant, so the route gets as far as its body. */
let ids: Record<string, string>;

before(async () => {
  server = await startServer();
  paths = ((await (await fetch(server.url + '/openapi.json')).json()) as { paths: Paths }).paths;
  const org = await makeOrg(server);
  const app = await makeApp(server);
  const hub = await makeHub(server, org.id);
  const member = await hub.member();
  ids = { org_id: org.id, app_id: app.id, hub_id: hub.hubId };
  credentials = {
    orgApiKey: { 'capout-api-key': org.apiKey },
    adminToken: { authorization: `Bearer ${ADMIN_TOKEN}` },
    appSecretKey: { authorization: `Bearer ${app.secretKey}` },
    appPublicKey: { authorization: `Bearer ${app.publicKey}` },
    contactToken: { authorization: `Bearer ${member.token}` },
  };
});
after(() => server.close());

/** A concrete URL for a templated path: the caller's own tenant ids, and well-formed ids that name nothing for the rest. */
const concrete = (path: string): string => path.replace(/\{([^}]+)\}/g, (_m, name: string) => ids[name] ?? 'abc123');

function headersFor(op: Operation): Record<string, string> {
  const scheme = Object.keys(op.security?.[0] ?? {})[0];
  return scheme ? (credentials[scheme] ?? {}) : {};
}

test('a known path asked with a method it does not take answers 405 with Allow listing the methods it takes', async () => {
  let checked = 0;
  for (const [path, ops] of Object.entries(paths)) {
    const declared = Object.keys(ops).map((m) => m.toUpperCase()).filter((m) => METHODS.includes(m));
    const wrong = METHODS.filter((m) => !declared.includes(m) && !(m === 'HEAD' && declared.includes('GET')));
    for (const method of wrong) {
      const res = await fetch(server.url + concrete(path), { method, headers: credentials.adminToken });
      const where = `${method} ${path}`;
      assert.equal(res.status, 405, where);
      if (method !== 'HEAD') assert.equal(((await res.json()) as { code: string }).code, 'method_not_allowed', where);
      else await res.arrayBuffer();
      const allow = (res.headers.get('allow') ?? '').split(', ');
      for (const m of declared) assert.ok(allow.includes(m), `${where}: Allow names ${m} (${allow.join(', ')})`);
      checked++;
    }
  }
  assert.ok(checked > 100, `wrong methods tried: ${checked}`);
});

test('every route that takes a JSON body refuses another content type with 415 and an unknown property with 400', async () => {
  let checked = 0;
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const content = op.requestBody?.content;
      if (!content || !('application/json' in content)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const url = server.url + concrete(path);
      const headers = headersFor(op);
      if (!('text/plain' in content)) {
        const res = await fetch(url, { method: method.toUpperCase(), headers: { ...headers, 'content-type': 'text/plain' }, body: 'hello' });
        const body = (await res.json()) as { code: string };
        assert.equal(res.status, 415, `${where} text/plain: ${JSON.stringify(body)}`);
        assert.equal(body.code, 'unsupported_media_type', where);
      }
      const res = await fetch(url, { method: method.toUpperCase(), headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ zz_not_a_field: 1 }) });
      const body = (await res.json()) as { code: string; error: string };
      assert.equal(res.status, 400, `${where} unknown property: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'invalid_request', where);
      // A long unknown key is named by its start, not echoed whole.
      const long = `zz${'k'.repeat(100_000)}`;
      const named = await fetch(url, { method: method.toUpperCase(), headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ [long]: 1 }) });
      const namedBody = (await named.json()) as { code: string; error: string };
      assert.equal(named.status, 400, where);
      assert.ok(namedBody.error.length < 300, `${where}: ${namedBody.error.slice(0, 300)}`);
      if (namedBody.error.includes('unknown property')) assert.match(namedBody.error, /"zzk{98}…" \(100002 characters\)/, where);
      checked++;
    }
  }
  assert.ok(checked >= 40, `JSON body routes tried: ${checked}`);
});

test('the WebSocket endpoints answer a plain GET 426 upgrade_required with Upgrade: websocket', async () => {
  for (const path of ['/ws/status', '/api/v1/ws/abc123']) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 426, path);
    assert.equal(res.headers.get('upgrade'), 'websocket', path);
    assert.equal(((await res.json()) as { code: string }).code, 'upgrade_required', path);
  }
});

test('a path parameter left empty (a trailing slash, a doubled one) is 404 route_not_found, never a validation error', async () => {
  let checked = 0;
  for (const [path, ops] of Object.entries(paths)) {
    const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.includes(method.toUpperCase())) continue;
      for (const empty of names) {
        const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) => (name === empty ? '' : (ids[name] ?? 'abc123')));
        const res = await fetch(server.url + url, { method: method.toUpperCase(), headers: { ...headersFor(op), ...credentials.adminToken, ...headersFor(op) } });
        const where = `${method.toUpperCase()} ${url}`;
        assert.equal(res.status, 404, where);
        if (method !== 'head') assert.equal(((await res.json()) as { code: string }).code, 'route_not_found', where);
        else await res.arrayBuffer();
        checked++;
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} cases`);
});
