// Every refusal is a catalogue error, whoever refuses: numeric query parameters on every list route
// (SQLite and PostgreSQL), deeply nested JSON, URLs that are not valid percent-encoding, and what Node's
// HTTP parser itself refuses (headers too large or too slow, conflicting lengths, bad chunking).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ERRORS, errorBodyFields, schemas } from '../../src/http/index.js';
import { makeHub, type Member, type TestHub } from '../helpers/hub.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { parseResponse, rawConnect, rawExchange, type RawResponse } from '../helpers/raw-http.js';
import { VERSION } from '../../src/util/version.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';
import { makeApp, type TestApp } from '../helpers/videos.js';



interface Answer {
  readonly status: number;
  readonly body: string;
  header(name: string): string | undefined;
}

const fromFetch = async (res: Response): Promise<Answer> => {
  const body = await res.text();
  return { status: res.status, body, header: (name) => res.headers.get(name) ?? undefined };
};
const fromRaw = (res: RawResponse): Answer => ({ status: res.status, body: res.body, header: (name) => res.headers[name] });

/** A catalogue answer: {error, code} (and the code's documented fields), the code's status, X-API-Version and X-Request-ID. */
function assertCatalogue(res: Answer, code: keyof typeof ERRORS): void {
  const body = JSON.parse(res.body) as Record<string, unknown>;
  for (const key of Object.keys(body)) assert.ok(errorBodyFields(code).includes(key), res.body);
  assert.ok('error' in body, res.body);
  assert.equal(body.code, code, res.body);
  assert.equal(res.status, ERRORS[code].status);
  assert.equal(res.header('x-api-version'), VERSION);
  assert.ok(res.header('x-request-id'));
  assert.match(res.header('content-type') ?? '', /^application\/json/);
}

const get = async (url: string, headers: Record<string, string>): Promise<Answer> => fromFetch(await fetch(url, { headers }));

interface Fixture {
  readonly s: TestServer;
  readonly org: TestOrg;
  readonly app: TestApp;
  readonly hub: TestHub;
  readonly member: Member;
}

async function fixture(overrides: Record<string, unknown> = {}): Promise<Fixture> {
  const s = await startServer(overrides);
  const org = await makeOrg(s);
  const app = await makeApp(s, { orgId: org.id });
  const hub = await makeHub(s, org.id);
  const member = await hub.member('reader');
  return { s, org, app, hub, member };
}

/** The credential each surface's list routes take. */
function credentialsFor(path: string, f: Fixture): Record<string, string> {
  if (path.startsWith('/admin/v1/')) return { authorization: `Bearer ${ADMIN_TOKEN}` };
  if (path.startsWith('/hubs/')) return { authorization: `Bearer ${f.member.token}` };
  if (path.startsWith('/api/developer/v1/')) return { authorization: `Bearer ${f.app.secretKey}` };
  return { 'capout-api-key': f.org.apiKey };
}

/** Every route whose query has an `offset`, from the served OpenAPI document, with its path ids filled in. */
async function listRoutes(f: Fixture): Promise<string[]> {
  const doc = (await (await fetch(`${f.s.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };
  const routes: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!methods.get?.parameters?.some((p) => p.in === 'query' && p.name === 'offset')) continue;
    // Ids other than the hub's are made up: the query is refused before any id is looked up.
    routes.push(path.replace('{hub_id}', f.hub.hubId).replace(/\{[a-z_]+\}/g, 'id_0123456789abcdefghij'));
  }
  return routes;
}

const BAD_OFFSETS = ['1e20', '9223372036854775808', '1e308', '1e3', '0x10', '%201', '1.5', '1.0', '-1', 'abc', '', '1000000001', '99999999999999999999999'];
const BAD_LIMITS = ['1e1', '1.0', '-5', '0', '0x1', '99999999999999999999'];

for (const driver of ['sqlite', 'postgres'] as const) {
  describe(`numeric query parameters on every list route (${driver})`, () => {
    let f: Fixture;
    let db: TestDatabase | undefined;
    let routes: string[];

    before(async () => {
      db = driver === 'postgres' ? await createTestDatabase() : undefined;
      f = await fixture(db ? { databaseUrl: db.url } : {});
      routes = await listRoutes(f);
    });
    after(async () => {
      await f.s.close();
      await db?.drop();
    });

    test('the list routes are found: admin, documents, organizer, developer videos, hub members', () => {
      for (const prefix of ['/admin/v1/orgs', '/documents', '/api/v1/files', '/api/developer/v1/videos', `/hubs/${f.hub.hubId}/spaces`, `/hubs/${f.hub.hubId}/broadcasts`, `/hubs/${f.hub.hubId}/conversations`]) {
        assert.ok(routes.includes(prefix), `${prefix} is among ${routes.join(', ')}`);
      }
      assert.ok(routes.length >= 10, routes.join(', '));
    });

    test('huge, exponent, hex, fractional, negative and padded offsets and limits are 400 invalid_request, never 500', async () => {
      for (const route of routes) {
        const headers = credentialsFor(route, f);
        for (const value of BAD_OFFSETS) assertCatalogue(await get(`${f.s.url}${route}?offset=${value}`, headers), 'invalid_request');
        for (const value of BAD_LIMITS) assertCatalogue(await get(`${f.s.url}${route}?limit=${value}`, headers), 'invalid_request');
      }
    });

    test('the largest offset accepted reaches the database and answers an empty page', async () => {
      for (const route of routes.filter((r) => !r.includes('id_0123456789abcdefghij'))) {
        const res = await get(`${f.s.url}${route}?offset=${schemas.MAX_OFFSET}&limit=1`, credentialsFor(route, f));
        assert.equal(res.status, 200, `${route}: ${res.body}`);
      }
    });
  });
}

describe('framework and protocol refusals', () => {
  let f: Fixture;

  before(async () => {
    // Event data up to 512 KiB, so that a body near the JSON shape limits can be published.
    f = await fixture({ httpMaxHeaderBytes: 4096, httpHeadersTimeoutMs: 500, eventMaxPayloadBytes: 524_288 });
  });
  after(() => f.s.close());

  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  test('deeply nested JSON is 400 before it is parsed: hub publish, a member route, a video SDK route', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const space = await f.s.admin('POST', `/hubs/${f.hub.hubId}/spaces`, { name: 'lobby' });
    assert.equal(space.status, 201);
    const cases: [string, Record<string, string>, (inner: string) => string][] = [
      [`/admin/v1/hubs/${f.hub.hubId}/events`, admin, (inner) => `{"type":"test.deep","data":{"x":${inner}}}`],
      [`/hubs/${f.hub.hubId}/spaces/${space.body.id as string}/discussions`, { authorization: `Bearer ${f.member.token}`, 'content-type': 'application/json' }, (inner) => `{"title":"t","body":${inner}}`],
      ['/api/developer/sdk/v1/videos/create', { authorization: `Bearer ${f.app.publicKey}`, 'content-type': 'application/json' }, (inner) => `{"metadata":{"x":${inner}}}`],
    ];
    for (const [path, headers, body] of cases) {
      for (const levels of [40, 100_000]) {
        const res = await fromFetch(await fetch(f.s.url + path, { method: 'POST', headers, body: body(deep(levels)) }));
        assertCatalogue(res, 'invalid_request');
        assert.match(res.body, /deeper than 32/);
      }
    }
    // Brackets inside strings are text, and nesting up to the limit is accepted.
    const ok = await f.s.admin('POST', `/hubs/${f.hub.hubId}/events`, { type: 'test.ping', data: { text: '[[[['.repeat(50), x: JSON.parse(deep(30)) as unknown } });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
  });

  test('a JSON body with an object of too many members, or too many values, is 400 before it is parsed, on /upload\'s large limit too', { timeout: 60_000 }, async () => {
    const upload = { 'capout-api-key': f.org.apiKey, 'content-type': 'application/json' };
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',');
    // V8 took 5 s to build an object of 1.5 million keys, and every other request and stream waited.
    const cases: [string, RegExp][] = [
      [`{"file_name":"a.pdf","file_base64":"JVBERg==",${keys(1_500_000)}}`, /more than 10000 members/],
      [`{"file_name":"a.pdf","file_base64":"JVBERg==","x":[${'1,'.repeat(3_000_000)}1]}`, /more than 200000 values/],
      [`{"file_name":"a.pdf","file_base64":"JVBERg==","x":{${keys(10_001)}}}`, /more than 10000 members/],
    ];
    for (const [body, message] of cases) {
      const res = await fromFetch(await fetch(`${f.s.url}/upload`, { method: 'POST', headers: upload, body }));
      assertCatalogue(res, 'invalid_request');
      assert.match(res.body, message);
    }
    // Up to the limits is taken, and commas inside strings are text.
    const data = Object.fromEntries(Array.from({ length: 9_999 }, (_, i) => [`k${i}`, i]));
    const ok = await f.s.admin('POST', `/hubs/${f.hub.hubId}/events`, { type: 'test.ping', data: { ...data, text: ','.repeat(300_000) } });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
  });

  test('a __proto__ key, or constructor.prototype, anywhere in a body is malformed_json that says so, not "not valid JSON"', async () => {
    const headers = { authorization: `Bearer ${f.app.publicKey}`, 'content-type': 'application/json' };
    const cases: [string, string][] = [
      ['{"metadata":{"__proto__":{"x":1}}}', 'body.metadata.__proto__'],
      ['{"metadata":{"role":{"constructor":{"prototype":1}}}}', 'body.metadata.role.constructor.prototype'],
      ['{"metadata":{"list":[0,{"\\u005f_proto__":1}]}}', 'body.metadata.list[1].__proto__'],
      ['{"metadata":{"constructor":{"prototyp\\u0065":1}}}', 'body.metadata.constructor.prototype'],
    ];
    for (const [body, at] of cases) {
      const res = await fromFetch(await fetch(`${f.s.url}/api/developer/sdk/v1/videos/create`, { method: 'POST', headers, body }));
      assertCatalogue(res, 'malformed_json');
      assert.ok((JSON.parse(res.body) as { error: string }).error.startsWith(`The JSON body has the key ${at}: `), `${body}: ${res.body}`);
    }
    const named = await fetch(`${f.s.url}/api/developer/sdk/v1/videos/create`, { method: 'POST', headers, body: '{"metadata":{"constructor":"Bob"}}' });
    assert.equal(named.status, 200, 'a key named constructor is only a key');
  });

  test('a compressed JSON body is 415 naming its Content-Encoding, not "not valid UTF-8"', async () => {
    const headers = { authorization: `Bearer ${f.app.publicKey}`, 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const res = await fromFetch(await fetch(`${f.s.url}/api/developer/sdk/v1/videos/create`, { method: 'POST', headers, body: gzipSync('{"name":"x"}') }));
    assertCatalogue(res, 'unsupported_media_type');
    assert.match(res.body, /Content-Encoding \\"gzip\\" is not accepted/);
    const plain = await fetch(`${f.s.url}/api/developer/sdk/v1/videos/create`, { method: 'POST', headers: { ...headers, 'content-encoding': 'identity' }, body: '{"name":"x"}' });
    assert.equal(plain.status, 200);
  });

  test('a URL that is not valid percent-encoding is 400 invalid_request with the shared headers', async () => {
    for (const path of ['/status/%ff', '/status/%E0%A4%A', '/admin/v1/orgs/%c0%af']) {
      const res = await get(f.s.url + path, { 'capout-api-key': f.org.apiKey, authorization: `Bearer ${ADMIN_TOKEN}` });
      assertCatalogue(res, 'invalid_request');
    }
  });

  test('a query string that is not valid percent-encoding, not UTF-8 or holds %00 is 400 invalid_request', async () => {
    const headers = { 'capout-api-key': f.org.apiKey, authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const path of ['/documents?%ZZ=1', '/api/v1/folders?parent=%ZZ', '/api/v1/folders?parent=50%', '/admin/v1/orgs?limit=%E9', '/api/v1/files?folder=a%00b', '/documents?limit=10&x=%c0%af']) {
      const res = await get(f.s.url + path, headers);
      assertCatalogue(res, 'invalid_request');
      assert.match(res.body, /query string/, path);
    }
    for (const path of ['/api/v1/folders?parent=Invoices%2F2025', '/api/v1/folders?parent=na%C3%AFve', '/documents?limit=10']) {
      assert.equal((await get(f.s.url + path, headers)).status, 200, `${path} is well encoded`);
    }
  });

  test('a path parameter over its length limit is 400 invalid_request', async () => {
    assertCatalogue(await get(`${f.s.url}/status/${'a'.repeat(500)}`, { 'capout-api-key': f.org.apiKey }), 'invalid_request');
  });

  test('refusals made before a route is found leave the connection usable, however many, and are logged and counted', async () => {
    // Answered without the app's hooks, these once went uncounted as answers: the 17th paused the
    // connection's reads and the 33rd was taken for a flood of pipelined requests, the connection reset.
    const requests = (text: string) => [...text.matchAll(/^capstan_http_requests_total\{[^}]*status="400"[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    const metrics = async () => (await fetch(`${f.s.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    const counted = requests(await metrics());
    const conn = await rawConnect(f.s.url);
    try {
      let offset = 0;
      for (let i = 0; i < 41; i++) {
        const path = i === 40 ? '/healthz' : i % 2 === 0 ? `/status/${'a'.repeat(300)}` : '/status/%ZZ';
        conn.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        const deadline = Date.now() + 5000;
        let res: RawResponse | undefined;
        while (!(res = parseResponse(conn.received().slice(offset))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        assert.ok(res, `request ${i + 1} (${path.slice(0, 20)}) has its answer; received ${JSON.stringify(conn.received().slice(offset, offset + 200))}`);
        assert.equal(res.status, i === 40 ? 200 : 400, `request ${i + 1}`);
        assert.equal(res.headers.connection, 'keep-alive', `request ${i + 1}`);
        offset = conn.received().length;
      }
    } finally {
      conn.destroy();
    }
    assert.ok(requests(await metrics()) >= counted + 40, 'each refusal is counted as a request');
  });

  const expectRaw = (res: RawResponse & { closed: boolean }, code: keyof typeof ERRORS) => {
    assertCatalogue(fromRaw(res), code);
    assert.equal(res.headers.connection, 'close');
    assert.ok(res.closed, 'the server closes the connection');
  };

  test('headers over httpMaxHeaderBytes are 431 headers_too_large, and the connection closes', async () => {
    expectRaw(await rawExchange(f.s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(8000)}\r\n\r\n`), 'headers_too_large');
    expectRaw(await rawExchange(f.s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 800 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`), 'headers_too_large');
  });

  test('smuggling shapes and malformed requests are 400 invalid_request, and the connection closes', async () => {
    const key = f.org.apiKey;
    const requests = [
      // Content-Length and Transfer-Encoding together: two parsers could read two different requests.
      `POST /upload HTTP/1.1\r\nHost: x\r\ncapout-api-key: ${key}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /credits HTTP/1.1\r\nHost: x\r\n\r\n`,
      `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\n{}{}`,
      `POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
      `POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n`,
      `POST /upload HTTP/1.1\r\nHost: x\r\ncapout-api-key: ${key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n`,
      `GET /healthz HTTP/1.1\nHost: x\n\n`,
      `G@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n`,
    ];
    for (const request of requests) expectRaw(await rawExchange(f.s.url, request), 'invalid_request');
  });

  test('requests pipelined before a malformed one get their own answers first, in order, then the 400', async () => {
    const body = '{"name":"before the garbage"}';
    const conn = await rawConnect(f.s.url);
    try {
      // Node's http.request('DELETE') with a body and no Content-Length sends it this way: the body
      // arrives as the next "request". The change before it is applied; its client must be told so.
      conn.write(`POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}GET /version HTTP/1.1\r\nHost: x\r\n\r\ngarbage\r\n\r\n`);
      assert.ok(await conn.closed(5000), 'the connection closes after the 400');
      const text = conn.received();
      const first = parseResponse(text);
      assert.equal(first?.status, 201, text.slice(0, 300));
      const created = JSON.parse(first?.body ?? '{}') as { id: string };
      const rest = text.slice(text.indexOf('HTTP/1.1', 1));
      const second = parseResponse(rest);
      assert.equal(second?.status, 200, rest.slice(0, 300));
      assert.deepEqual(JSON.parse(second?.body ?? '{}'), { version: VERSION });
      assert.equal(second?.headers.connection, 'close', 'the last answer before the 400 says the connection closes');
      const third = parseResponse(rest.slice(rest.indexOf('HTTP/1.1', 1)));
      assert.ok(third, rest);
      expectRaw({ ...third, closed: true }, 'invalid_request');
      const org = await get(`${f.s.url}/admin/v1/orgs/${created.id}`, { authorization: `Bearer ${ADMIN_TOKEN}` });
      assert.equal(org.status, 200, 'the org made before the garbage is kept');
    } finally {
      conn.destroy();
    }
  });

  test('the answer before the 400 says Connection: close, so a pooling client does not reuse the connection', async () => {
    // Node's http.request('DELETE') with req.write(body) and no Content-Length: the change, then its
    // body as a second "request". The agent must not send its next request into the close.
    const body = '{"name":"deleted with a body"}';
    const conn = await rawConnect(f.s.url);
    try {
      conn.write(`POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}{"stray":"body"}`);
      assert.ok(await conn.closed(5000), 'the connection closes');
      const text = conn.received();
      const first = parseResponse(text);
      assert.equal(first?.status, 201, text.slice(0, 300));
      assert.equal(first?.headers.connection, 'close');
      const second = parseResponse(text.slice(text.indexOf('HTTP/1.1', 1)));
      assert.equal(second?.status, 400, text);
    } finally {
      conn.destroy();
    }
  });

  test('a malformed chunked body behind another request is the 400 at once, not a wait for a body that came', async () => {
    const conn = await rawConnect(f.s.url);
    try {
      conn.write(`GET /version HTTP/1.1\r\nHost: x\r\n\r\nPOST /upload HTTP/1.1\r\nHost: x\r\ncapout-api-key: ${f.org.apiKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`);
      assert.ok(await conn.closed(15_000), 'the connection closes');
      const text = conn.received();
      assert.equal(parseResponse(text)?.status, 200, text.slice(0, 300));
      const refusal = parseResponse(text.slice(text.indexOf('HTTP/1.1', 1)));
      assert.ok(refusal, text);
      expectRaw({ ...refusal, closed: true }, 'invalid_request');
    } finally {
      conn.destroy();
    }
  });

  test('a CONNECT request is 405 method_not_allowed in the catalogue shape, and the connection closes', async () => {
    // Node hands CONNECT to its own event; unanswered, the connection used to close without a word.
    for (const target of ['example.com:443', '/healthz', `/status/doc_x`]) {
      const res = await rawExchange(f.s.url, `CONNECT ${target} HTTP/1.1\r\nHost: example.com:443\r\n\r\n`);
      expectRaw(res, 'method_not_allowed');
      assert.match(res.headers.allow ?? '', /GET/, 'a 405 says which methods are allowed');
    }
    assert.equal((await fetch(`${f.s.url}/healthz`)).status, 200);
  });

  test('an Expect other than 100-continue is ignored, as RFC 9110 allows: the request is served', async () => {
    const body = '{"name":"expecting"}';
    const res = await rawExchange(f.s.url, `POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nExpect: something-else\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    assert.equal(res.status, 201, res.body);
    assert.equal(JSON.parse(res.body).name, 'expecting');
    assert.equal(res.headers['x-api-version'], VERSION);
  });

  test('an HTTP/1.0 request with Expect: 100-continue gets no 100 Continue (RFC 9110 says to ignore it), only its answer', async () => {
    const body = '{"name":"old client"}';
    const conn = await rawConnect(f.s.url);
    try {
      conn.write(`POST /admin/v1/orgs HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      const res = await conn.response(3000);
      assert.equal(res.status, 201, conn.received().slice(0, 200));
      assert.equal(JSON.parse(res.body).name, 'old client');
    } finally {
      conn.destroy();
    }
  });

  test('an HTTP/1.1 request without Host is 400 invalid_request in the catalogue shape', async () => {
    assertCatalogue(fromRaw(await rawExchange(f.s.url, 'GET /healthz HTTP/1.1\r\n\r\n', { waitForClose: false })), 'invalid_request');
  });

  test('headers that stall past httpHeadersTimeoutMs are 408 request_timeout, and the connection closes', async () => {
    const conn = await rawConnect(f.s.url);
    try {
      conn.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      const started = Date.now();
      const res = await conn.response(5000);
      assertCatalogue(fromRaw(res), 'request_timeout');
      assert.ok(Date.now() - started < 3000, `answered after ${Date.now() - started} ms`);
      assert.ok(await conn.closed(5000));
    } finally {
      conn.destroy();
    }
  });
});
