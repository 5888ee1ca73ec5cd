// Headers a request gives once, checked on the raw headers a client sent (Node's merged view keeps
// the first of two Host headers): two Host headers, or a Host that is no host and port, are
// `400 invalid_request` as a missing one is (RFC 9112 §3.2), on plain requests and upgrades alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../../src/util/version.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { rawExchange, type RawResponse } from '../helpers/raw-http.js';
import { startServer, type TestServer } from '../helpers/server.js';

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
});
