// Every answer carries the CORS headers a normal answer for its Origin gets, refusals included: a page
// on another origin reads an error only when it carries Access-Control-Allow-Origin, and otherwise
// sees nothing but "Failed to fetch". Covered here are the refusals made before any route runs (a URL
// that is not valid percent-encoding, an empty path segment, a request arriving while the server
// drains) and those written straight to the socket (431, 429 too_many_connections). A whole preflight
// gets its 204 whatever its path: refused, the browser would never send the request and read its error.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { originInHead } from '../../src/http/connections.js';
import { rawExchange, type RawResponse } from '../helpers/raw-http.js';
import { startServer, type TestServer } from '../helpers/server.js';

const ALLOWED = 'http://app.example.com';
const OTHER = 'http://other.example.com';
const EXPOSED = 'ETag, X-Request-ID, X-API-Version, Retry-After, Location, Content-Range, Accept-Ranges, Idempotent-Replayed, Allow, Content-Disposition';

/** Paths refused before any route runs, each with the status it gets. */
const REFUSED_PATHS: readonly [string, number, string][] = [
  ['/status/doc_50%_off', 400, 'invalid_request'],
  ['/api/developer/v1/videos?userId=Jos%E9', 400, 'invalid_request'],
  ['/documents?limit=10&q=100%', 400, 'invalid_request'],
  ['/status/', 404, 'route_not_found'],
  ['/api/developer/sdk/v1/videos//status', 404, 'route_not_found'],
  // Past the router's parameter length: refused by Fastify itself, before any hook.
  [`/status/doc_${'a'.repeat(200)}`, 400, 'invalid_request'],
];

const headerOf = (res: Response | RawResponse, name: string): string | null | undefined => (res instanceof Response ? res.headers.get(name) : res.headers[name]);

/** The CORS headers of an allowed origin's answer, and no others. */
function assertCorsFor(res: Response | RawResponse, origin: string | undefined, label: string): void {
  assert.equal(headerOf(res, 'access-control-allow-origin') ?? undefined, origin, `${label}: Access-Control-Allow-Origin`);
  assert.match(headerOf(res, 'vary') ?? '', /\bOrigin\b/, `${label}: Vary`);
  assert.equal(headerOf(res, 'access-control-expose-headers'), EXPOSED, `${label}: Access-Control-Expose-Headers`);
}

const preflight = (url: string, origin: string) => fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'capout-api-key' } });

function assertPreflightAnswered(res: Response, origin: string | undefined, label: string): void {
  assert.equal(res.status, 204, label);
  assertCorsFor(res, origin, label);
  assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/, label);
  assert.equal(res.headers.get('access-control-allow-headers'), 'capout-api-key', label);
}

describe('CORS on refusals made before any route runs', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ corsOrigins: [ALLOWED] });
  });
  after(() => s.close());

  for (const [path, status, code] of REFUSED_PATHS) {
    const label = path.length > 60 ? `${path.slice(0, 30)}… (${path.length} characters)` : path;
    test(`${label}: its ${status} carries CORS headers, and its preflight is answered`, async () => {
      const res = await fetch(s.url + path, { headers: { origin: ALLOWED } });
      assert.equal(res.status, status);
      assert.equal(((await res.json()) as { code: string }).code, code);
      assertCorsFor(res, ALLOWED, path);
      assertPreflightAnswered(await preflight(s.url + path, ALLOWED), ALLOWED, `preflight of ${path}`);
    });
  }

  test('an origin CAPSTAN_CORS_ORIGINS does not list gets no Access-Control-Allow-Origin there either', async () => {
    for (const [path, status] of REFUSED_PATHS) {
      const res = await fetch(s.url + path, { headers: { origin: OTHER } });
      assert.equal(res.status, status, path);
      assertCorsFor(res, undefined, path);
      assertPreflightAnswered(await preflight(s.url + path, OTHER), undefined, `preflight of ${path}`);
    }
  });

  test('431 headers_too_large carries the CORS headers of the Origin the refused request sent', async () => {
    const big = 'a'.repeat(s.config.httpMaxHeaderBytes + 1000);
    const host = new URL(s.url).host;
    for (const origin of [ALLOWED, OTHER]) {
      // A browser's header order: the Origin line after the oversized header that overflows.
      const res = await rawExchange(s.url, `GET /credits HTTP/1.1\r\nHost: ${host}\r\nX-Trace: ${big}\r\nOrigin: ${origin}\r\n\r\n`);
      assert.equal(res.status, 431);
      assert.equal((JSON.parse(res.body) as { code: string }).code, 'headers_too_large');
      assertCorsFor(res, origin === ALLOWED ? ALLOWED : undefined, `431 from ${origin}`);
    }
  });
});

describe('CORS on refusals written straight to the socket', () => {
  test('429 too_many_connections carries the CORS headers of its Origin', async () => {
    const s = await startServer({ corsOrigins: [ALLOWED], httpMaxConnectionsPerAddress: 1 });
    const held = net.connect(Number(new URL(s.url).port), '127.0.0.1');
    try {
      await once(held, 'connect');
      const res = await rawExchange(s.url, `GET /version HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nOrigin: ${ALLOWED}\r\n\r\n`);
      assert.equal(res.status, 429);
      assertCorsFor(res, ALLOWED, '429');
    } finally {
      held.destroy();
      await s.close();
    }
  });
});

describe('CORS while the server drains', () => {
  /** Sends `request` as the close begins, so that the server reads it while closing; returns the answer. */
  async function sentWhileClosing(request: string): Promise<string> {
    const ts = await startServer({ corsOrigins: [ALLOWED], httpHeadersTimeoutMs: 300_000, shutdownGraceMs: 300_000 });
    const socket = net.connect(Number(new URL(ts.url).port), '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    const closed = once(socket, 'close');
    const closing = ts.close();
    socket.write(request);
    await closed;
    await closing;
    return received;
  }

  test('503 draining carries CORS headers', async () => {
    const received = await sentWhileClosing(`GET /version HTTP/1.1\r\nHost: localhost\r\nOrigin: ${ALLOWED}\r\n\r\n`);
    assert.match(received, /^HTTP\/1\.1 503 /);
    assert.match(received, /"code":"draining"/);
    assert.match(received, new RegExp(`\r\naccess-control-allow-origin: ${ALLOWED}\r\n`, 'i'));
  });

  test('a preflight is still answered, so that the browser can read the 503 of its request', async () => {
    const received = await sentWhileClosing(`OPTIONS /version HTTP/1.1\r\nHost: localhost\r\nOrigin: ${ALLOWED}\r\nAccess-Control-Request-Method: GET\r\n\r\n`);
    assert.match(received, /^HTTP\/1\.1 204 /);
    assert.match(received, new RegExp(`\r\naccess-control-allow-origin: ${ALLOWED}\r\n`, 'i'));
    assert.match(received, /\r\nconnection: close\r\n/i);
  });
});

describe('the Origin of a request head read from its bytes', () => {
  test('a whole Origin line is read; one cut short or holding what could break a header line is not', () => {
    const head = (lines: string) => Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n${lines}`, 'latin1');
    assert.equal(originInHead(head(`X-A: b\r\norigin:  ${ALLOWED} \r\n\r\n`)), ALLOWED);
    assert.equal(originInHead(head(`Origin: ${ALLOWED}\r\n\r\n`)), ALLOWED);
    assert.equal(originInHead(head(`Origin: ${ALLOWED}`)), undefined, 'a line the bytes end in may go on');
    assert.equal(originInHead(head(`Origin: ${ALLOWED}\nSet-Cookie: a=b\r\n\r\n`)), undefined);
    assert.equal(originInHead(head(`X-A: b\r\n\r\nOrigin: ${ALLOWED}\r\n`)), undefined, 'a body is not the head');
    assert.equal(originInHead(undefined), undefined);
  });
});
