// Headers a request gives once, checked on the raw headers a client sent (Node's merged view keeps
// the first of two Host or Authorization headers, and joins two capout-api-keys): two Host headers,
// or a Host that is no host and port, are `400 invalid_request` as a missing one is (RFC 9112 §3.2),
// and so is a credential header given twice, on every surface, on plain requests and upgrades alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../../src/util/version.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { rawExchange, type RawResponse } from '../helpers/raw-http.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

const WS_HANDSHAKE = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** A catalogue refusal with the shared headers; `message` is matched against its error. */
function assertRefused(res: RawResponse, status: number, code: string, message: RegExp): void {
  assert.equal(res.status, status, res.body);
  const body = JSON.parse(res.body) as { error: string; code: string };
  assert.equal(body.code, code, res.body);
  assert.match(body.error, message);
  assert.equal(res.headers['x-api-version'], VERSION);
  assert.ok(res.headers['x-request-id']);
}

describe('headers a request gives once', () => {
  let s: TestServer;
  let org: TestOrg;
  let realtimeToken: string;

  before(async () => {
    s = await startServer();
    org = await makeOrg(s);
    realtimeToken = (await org.call('POST', '/ws/token')).body.token as string;
  });
  after(() => s.close());

  test('two Host headers, alike or not, are 400 invalid_request, and the connection stays usable', async () => {
    for (const hosts of ['Host: a\r\nHost: b\r\n', 'Host: a\r\nHost: a\r\n', 'host: a\r\nHOST: b\r\n']) {
      const res = await rawExchange(s.url, `GET /version HTTP/1.1\r\n${hosts}\r\n`, { waitForClose: false });
      assertRefused(res, 400, 'invalid_request', /one Host header; this one has 2/);
      assert.notEqual(res.headers.connection, 'close');
    }
    // HTTP/1.0 needs no Host, but two are as ambiguous there.
    assertRefused(await rawExchange(s.url, 'GET /version HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n'), 400, 'invalid_request', /one Host header/);
  });

  test('a Host that is no host and port (two joined by a proxy) is 400 invalid_request', async () => {
    for (const host of ['a, b', 'a b', 'user@host', 'host:80:80', 'host/path']) {
      const res = await rawExchange(s.url, `GET /version HTTP/1.1\r\nHost: ${host}\r\n\r\n`, { waitForClose: false });
      assertRefused(res, 400, 'invalid_request', /Host header is not a host/);
    }
  });

  test('names, addresses and ports are served as before', async () => {
    for (const host of ['x', 'capstan.test', '127.0.0.1:8000', '[::1]:8000', 'under_score.example', 'example.com:']) {
      const res = await rawExchange(s.url, `GET /version HTTP/1.1\r\nHost: ${host}\r\n\r\n`, { waitForClose: false });
      assert.equal(res.status, 200, `${host}: ${res.body}`);
    }
    assert.equal((await rawExchange(s.url, 'GET /version HTTP/1.0\r\n\r\n')).status, 200, 'HTTP/1.0 needs no Host');
  });

  test('a WebSocket upgrade with two Host headers, or none, is refused before its token is read', async () => {
    const target = `/ws/status?token=${realtimeToken}`;
    for (const [hosts, message] of [['Host: a\r\nHost: b\r\n', /one Host header/], ['', /needs a Host header/], ['Host: a, b\r\n', /not a host/]] as const) {
      const res = await rawExchange(s.url, `GET ${target} HTTP/1.1\r\n${hosts}${WS_HANDSHAKE}\r\n`);
      assertRefused(res, 400, 'invalid_request', message);
      assert.equal(res.headers.connection, 'close');
      assert.ok(res.closed, 'the connection closes');
    }
    const opened = await rawExchange(s.url, `GET ${target} HTTP/1.1\r\nHost: x\r\n${WS_HANDSHAKE}\r\n`, { waitForClose: false }).catch((e: Error) => e);
    // A 101 has no body: the helper sees its head, with no Content-Length, as a whole response.
    assert.ok(!(opened instanceof Error) && opened.status === 101, String(opened instanceof Error ? opened.message : opened.status));
  });

  test('an upgrade served as plain HTTP (h2c) with two Host headers is refused too', async () => {
    const res = await rawExchange(s.url, 'GET /version HTTP/1.1\r\nHost: a\r\nHost: b\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n');
    assertRefused(res, 400, 'invalid_request', /one Host header/);
    assert.ok(res.closed);
  });

  test('Authorization given twice is 400 invalid_request in either order, never the first one served', async () => {
    for (const order of [[`Bearer ${ADMIN_TOKEN}`, 'Bearer wrong'], ['Bearer wrong', `Bearer ${ADMIN_TOKEN}`], [`Bearer ${ADMIN_TOKEN}`, `Bearer ${ADMIN_TOKEN}`]]) {
      const res = await rawExchange(s.url, `GET /admin/v1/orgs HTTP/1.1\r\nHost: x\r\n${order.map((v) => `Authorization: ${v}\r\n`).join('')}\r\n`, { waitForClose: false });
      assertRefused(res, 400, 'invalid_request', /The Authorization header is given 2 times/);
    }
    // The organizer surface takes the same key as Bearer.
    const organizer = await rawExchange(s.url, `GET /api/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${org.apiKey}\r\nauthorization: Bearer ${org.apiKey}\r\n\r\n`, { waitForClose: false });
    assertRefused(organizer, 400, 'invalid_request', /Authorization header is given 2 times/);
  });

  test('capout-api-key given twice is the same 400, whichever key comes first', async () => {
    for (const keys of [[org.apiKey, 'capout_test_wrong'], ['capout_test_wrong', org.apiKey], [org.apiKey, org.apiKey]]) {
      const res = await rawExchange(s.url, `GET /credits HTTP/1.1\r\nHost: x\r\n${keys.map((k) => `capout-api-key: ${k}\r\n`).join('')}\r\n`, { waitForClose: false });
      assertRefused(res, 400, 'invalid_request', /The capout-api-key header is given 2 times/);
    }
    assert.equal((await org.call('GET', '/credits')).status, 200, 'one key is served');
  });

  test('a console write with X-CSRF-Token twice is the same 400', async () => {
    const session = await fetch(`${s.url}/admin/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrf_token: csrf } = (await session.json()) as { csrf_token: string };
    const body = '{"name":"two tokens"}';
    const write = (tokens: string) => rawExchange(s.url, `POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\n${tokens}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`, { waitForClose: false });
    assertRefused(await write(`X-CSRF-Token: ${csrf}\r\nX-CSRF-Token: ${csrf}\r\n`), 400, 'invalid_request', /X-CSRF-Token header is given 2 times/);
    assert.equal((await write(`X-CSRF-Token: ${csrf}\r\n`)).status, 201, 'one token is served');
  });

  test('a WebSocket upgrade with a credential header twice is refused, even with a good token in its query', async () => {
    const target = `/ws/status?token=${realtimeToken}`;
    for (const repeated of [`Authorization: Bearer ${realtimeToken}\r\nAuthorization: Bearer other\r\n`, `capout-api-key: ${org.apiKey}\r\ncapout-api-key: ${org.apiKey}\r\n`]) {
      const res = await rawExchange(s.url, `GET ${target} HTTP/1.1\r\nHost: x\r\n${repeated}${WS_HANDSHAKE}\r\n`);
      assertRefused(res, 400, 'invalid_request', /header is given 2 times/);
      assert.ok(res.closed);
    }
  });
});
