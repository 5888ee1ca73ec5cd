// HTTP conventions shared by every response: X-API-Version, X-Request-ID, the error shape and its
// mapping of framework failures, the operational endpoints, rate limits, and a burst of bad input.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ERRORS, errorBodyFields } from '../../src/http/index.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const JSON_TYPE = { 'content-type': 'application/json' };

async function errorOf(res: Response): Promise<{ error: string; code: string }> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(typeof body.error, 'string');
  assert.ok((body.error as string).length > 0);
  const code = body.code as keyof typeof ERRORS;
  for (const key of Object.keys(body)) assert.ok(errorBodyFields(code).includes(key), `an error body is {error, code} and its code's documented fields: ${JSON.stringify(body)}`);
  assert.ok(code in ERRORS, `${String(code)} is in the catalogue`);
  assert.equal(ERRORS[code].status, res.status, `${code} answers with its catalogue status`);
  return body as { error: string; code: string };
}

describe('HTTP conventions', () => {
  let s: TestServer;
  let version: string;

  before(async () => {
    s = await startServer({ bodyLimitBytes: 1024 });
    const res = await fetch(`${s.url}/version`);
    assert.equal(res.status, 200);
    version = ((await res.json()) as { version: string }).version;
  });
  after(() => s.close());

  describe('X-API-Version', () => {
    test('GET /version answers the package version, and so does its header', async () => {
      assert.equal(version, PACKAGE_VERSION);
      const res = await fetch(`${s.url}/version`);
      assert.equal(res.headers.get('x-api-version'), version);
    });

    test('on a normal response', async () => {
      const res = await fetch(`${s.url}/healthz`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-api-version'), version);
    });

    test('on a 404', async () => {
      const res = await fetch(`${s.url}/no/such/route`);
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('x-api-version'), version);
      assert.equal((await errorOf(res)).code, 'route_not_found');
    });

    test('on a 400 error', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body: '{}' });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-api-version'), version);
      assert.equal((await errorOf(res)).code, 'invalid_request');
    });

    test('on a 401 error', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('x-api-version'), version);
      assert.equal((await errorOf(res)).code, 'unauthorized');
    });

    test('on a CORS preflight, which also answers CORS', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('x-api-version'), version);
      assert.ok(res.headers.get('x-request-id'));
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    });

    test('an OPTIONS that is not a whole preflight is 400 invalid_request in the catalogue shape', async () => {
      // The CORS plugin answered these in plain text ("Invalid Preflight Request").
      const cases: Record<string, string>[] = [{}, { origin: 'https://app.example.com' }, { 'access-control-request-method': 'POST' }];
      for (const headers of cases) {
        const res = await fetch(`${s.url}/admin/v1/orgs`, { method: 'OPTIONS', headers });
        assert.equal(res.status, 400, JSON.stringify(headers));
        assert.equal(res.headers.get('x-api-version'), version);
        assert.equal((await errorOf(res)).code, 'invalid_request');
      }
    });

    test('CORS responses expose the convention headers to browsers', async () => {
      const res = await fetch(`${s.url}/version`, { headers: { origin: 'https://app.example.com' } });
      const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase();
      for (const h of ['x-api-version', 'x-request-id', 'retry-after']) assert.ok(exposed.includes(h), `${h} is exposed`);
    });
  });

  describe('X-Request-ID', () => {
    test('a valid incoming id is echoed', async () => {
      const id = 'client-req_42.attempt:1';
      const res = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': id } });
      assert.equal(res.headers.get('x-request-id'), id);
    });

    test('echoed on errors too', async () => {
      const id = 'err-req-1';
      const res = await fetch(`${s.url}/no/such/route`, { headers: { 'x-request-id': id } });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('x-request-id'), id);
    });

    test('generated when missing, one per request', async () => {
      const a = (await fetch(`${s.url}/healthz`)).headers.get('x-request-id') ?? '';
      const b = (await fetch(`${s.url}/healthz`)).headers.get('x-request-id') ?? '';
      assert.match(a, UUID);
      assert.match(b, UUID);
      assert.notEqual(a, b);
    });

    test('generated when the incoming one is invalid', async () => {
      for (const bad of ['has spaces in it', 'x'.repeat(500), 'semi;colon', '<script>']) {
        const res = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': bad } });
        const got = res.headers.get('x-request-id') ?? '';
        assert.notEqual(got, bad);
        assert.match(got, UUID, `a fresh id replaces ${JSON.stringify(bad.slice(0, 20))}`);
      }
    });
  });

  describe('error bodies', () => {
    test('malformed JSON → 400 malformed_json', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body: '{"name": "acme",' });
      assert.equal(res.status, 400);
      assert.equal((await errorOf(res)).code, 'malformed_json');
    });

    test('a wrong content type (text/plain) → 415 unsupported_media_type', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'text/plain' }, body: '{"name":"acme"}' });
      assert.equal(res.status, 415);
      assert.equal((await errorOf(res)).code, 'unsupported_media_type');
    });

    test('a body over bodyLimitBytes → 413 payload_too_large naming the limit', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body: JSON.stringify({ name: 'x'.repeat(2048) }) });
      assert.equal(res.status, 413);
      const body = (await res.json()) as { code: string; error: string; limit_bytes: number };
      assert.equal(body.code, 'payload_too_large');
      assert.equal(body.limit_bytes, s.config.bodyLimitBytes);
      assert.match(body.error, new RegExp(`${s.config.bodyLimitBytes} bytes`));
    });

    test('a body just under the limit is accepted up to validation', async () => {
      const res = await fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body: JSON.stringify({ name: 'x'.repeat(900) }) });
      assert.equal(res.status, 400, 'too long a name, but not too large a body');
      assert.equal((await errorOf(res)).code, 'invalid_request');
    });

    test('an unknown route → 404 route_not_found, whatever the method', async () => {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const res = await fetch(`${s.url}/v9/nothing-here`, { method });
        assert.equal(res.status, 404);
        assert.equal((await errorOf(res)).code, 'route_not_found');
      }
    });
  });

  describe('operational endpoints', () => {
    test('/healthz and /readyz', async () => {
      for (const path of ['/healthz', '/readyz']) {
        const res = await fetch(s.url + path);
        assert.equal(res.status, 200, path);
        assert.deepEqual(await res.json(), { status: 'ok' });
      }
    });

    test('/metrics is Prometheus text with requests by route and status, latency and open connections', async () => {
      await fetch(`${s.url}/healthz`);
      await fetch(`${s.url}/no/such/route`);
      const res = await fetch(`${s.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.match(text, /^# TYPE capstan_http_requests_total counter$/m);
      assert.match(text, /^capstan_http_requests_total\{[^}]*route="\/healthz"[^}]*status="200"[^}]*\} \d+/m);
      assert.match(text, /^capstan_http_requests_total\{[^}]*status="404"[^}]*\} \d+/m);
      assert.match(text, /^# TYPE capstan_http_request_duration_seconds histogram$/m);
      assert.match(text, /^capstan_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*route="\/healthz"[^}]*\} \d+/m);
      assert.match(text, /^capstan_http_request_duration_seconds_count\{/m);
      assert.match(text, /^# TYPE capstan_realtime_open_connections gauge$/m);
    });

    test('/openapi.json is an OpenAPI document with the admin paths', async () => {
      const res = await fetch(`${s.url}/openapi.json`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { openapi: string; info: { version: string }; paths: Record<string, Record<string, { tags?: string[] }>> };
      assert.match(doc.openapi, /^3\./);
      assert.equal(doc.info.version, version);
      for (const [path, method] of [
        ['/version', 'get'],
        ['/admin/v1/orgs', 'post'],
        ['/admin/v1/orgs', 'get'],
        ['/admin/v1/orgs/{org_id}', 'get'],
        ['/admin/v1/orgs/{org_id}/keys', 'post'],
        ['/admin/v1/orgs/{org_id}/keys/{key_id}', 'delete'],
        ['/admin/v1/orgs/{org_id}/credits', 'post'],
        ['/admin/v1/orgs/{org_id}/apps', 'post'],
        ['/admin/v1/apps/{app_id}/regenerate-keys', 'post'],
        ['/admin/v1/orgs/{org_id}/hubs', 'post'],
        ['/admin/v1/hubs/{hub_id}/contacts', 'post'],
        ['/admin/v1/hubs/{hub_id}/contacts/{contact_id}/tokens', 'post'],
      ] as const) {
        assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is in the OpenAPI document`);
      }
      assert.ok(!doc.paths['/healthz'] && !doc.paths['/metrics'], 'operational endpoints are hidden');
    });

    // The page itself is rendered in the browser (test/http/docs-page.test.ts); what it shows is the
    // OpenAPI document, whose description carries the error catalogue.
    test('/docs is an HTML page rendering /openapi.json, whose description lists the error codes', async () => {
      const res = await fetch(`${s.url}/docs`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      const html = await res.text();
      assert.match(html, /^<!doctype html>/i);
      assert.ok(html.includes('data-spec="openapi.json"'));
      const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as { info: { description?: string } };
      for (const [code, e] of Object.entries(ERRORS)) {
        assert.match(doc.info.description ?? '', new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${e.status}\\s*\\|`), `${code} is listed with ${e.status}`);
      }
    });
  });

  describe('a burst of bad requests', () => {
    test('300 concurrent bad requests each get a catalogue error, and the server keeps answering', async () => {
      const kinds = [
        () => fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body: '{"name": [' }),
        () => fetch(`${s.url}/admin/v1/orgs`, { headers: { authorization: 'Bearer wrong-token' } }),
        () => fetch(`${s.url}/admin/v1/orgs`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
        () => fetch(`${s.url}/no/such/route?x=${'%41'.repeat(20)}`),
        () => fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'text/plain' }, body: 'hello' }),
        () => fetch(`${s.url}/admin/v1/orgs`, { method: 'POST', headers: { ...ADMIN, ...JSON_TYPE }, body: JSON.stringify({ name: 'x'.repeat(4096) }) }),
      ];
      const expected = ['malformed_json', 'unauthorized', 'unauthorized', 'route_not_found', 'unsupported_media_type', 'payload_too_large'];
      const results = await Promise.all(
        Array.from({ length: 300 }, async (_, i) => {
          const kind = i % kinds.length;
          const res = await kinds[kind]!();
          return { kind, code: (await errorOf(res)).code };
        }),
      );
      for (const r of results) assert.equal(r.code, expected[r.kind]);
      const health = await fetch(`${s.url}/healthz`);
      assert.equal(health.status, 200);
      const created = await s.admin('POST', '/orgs', { name: 'after the burst' });
      assert.equal(created.status, 201);
    });
  });
});

describe('rate limits', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ rateLimitPerMinute: 5 });
  });
  after(() => s.close());

  test('the 6th request in a minute from one caller gets 429 rate_limited with Retry-After', async () => {
    // A caller's window starts with its first request, so the six fall in one window.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${s.url}/openapi.json`, { headers: ADMIN })).status);
    const sixth = await fetch(`${s.url}/openapi.json`, { headers: ADMIN });
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.equal(sixth.status, 429);
    assert.equal((await errorOf(sixth)).code, 'rate_limited');
    const retryAfter = Number(sixth.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After is whole seconds within the window, got ${retryAfter}`);
    assert.equal(sixth.headers.get('x-api-version'), PACKAGE_VERSION);
    assert.ok(sixth.headers.get('x-request-id'));

    // Another caller (here: the address, without a credential) has its own budget, and health checks are never limited.
    assert.equal((await fetch(`${s.url}/openapi.json`)).status, 200);
    assert.equal((await fetch(`${s.url}/healthz`, { headers: ADMIN })).status, 200);
  });
});

