// Transfer codings: Capstan reads a body sent chunked, and no other transfer coding. One it does not
// implement ahead of chunked (`gzip, chunked`) is `501 not_implemented` (RFC 9112 §6.1) on every route
// and upgrade, before any credential or body is read, and the connection closes; one that does not
// end in chunked leaves the length unknown and is `400 invalid_request` (RFC 9112 §6.3).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { VERSION } from '../../src/util/version.js';
import { makeOrg } from '../helpers/org.js';
import { parseResponse, rawConnect, rawExchange, type RawResponse } from '../helpers/raw-http.js';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

const WS_HANDSHAKE = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

/** `body` as one chunk and the last, as a chunked body is sent. */
const chunked = (body: Buffer): Buffer => Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);

function createOrg(transferEncoding: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: ${transferEncoding}\r\n\r\n`), chunked(body)]);
}

function assertRefused(res: RawResponse & { closed: boolean }, status: number, code: string): void {
  assert.equal(res.status, status, res.body);
  assert.equal((JSON.parse(res.body) as { code: string }).code, code, res.body);
  assert.equal(res.headers['x-api-version'], VERSION);
  assert.ok(res.headers['x-request-id']);
  assert.equal(res.headers.connection, 'close');
  assert.ok(res.closed, 'the connection closes');
}

describe('transfer codings', () => {
  let s: TestServer;

  before(async () => {
    s = await startServer();
  });
  after(() => s.close());

  const orgNames = async (): Promise<string[]> => ((await s.admin('GET', '/orgs?limit=100')).body.data as { name: string }[]).map((o) => o.name);

  test('gzip ahead of chunked is 501 not_implemented, however it is spelled, and nothing is created', async () => {
    const json = Buffer.from('{"name":"gzipped"}');
    for (const coding of ['gzip, chunked', 'GZIP ,Chunked', 'gzip\r\nTransfer-Encoding: chunked', 'deflate, chunked', 'x-custom, chunked']) {
      // The body is what such a client sends: gzip bytes, chunked.
      const res = await rawExchange(s.url, createOrg(coding, gzipSync(json)));
      assertRefused(res, 501, 'not_implemented');
      assert.match((JSON.parse(res.body) as { error: string }).error, /Transfer-Encoding other than chunked alone/);
    }
    // An empty chunked body was served before as if the gzip were not there.
    assertRefused(await rawExchange(s.url, `POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`), 501, 'not_implemented');
    assert.ok(!(await orgNames()).includes('gzipped'));
  });

  test('chunked alone is read, in any case and with spaces around it', async () => {
    for (const [i, coding] of ['chunked', ' CHUNKED ', 'Chunked'].entries()) {
      const res = await rawExchange(s.url, createOrg(coding, Buffer.from(`{"name":"chunked ${i}"}`)), { waitForClose: false });
      assert.equal(res.status, 201, `${coding}: ${res.body}`);
    }
  });

  test('a Transfer-Encoding that does not end in chunked, or repeats it, is 400 invalid_request', async () => {
    for (const coding of ['gzip', 'identity', 'chunked, gzip', 'chunked, chunked']) {
      assertRefused(await rawExchange(s.url, createOrg(coding, Buffer.from('{"name":"never"}'))), 400, 'invalid_request');
    }
  });

  test('every route refuses it before credentials or routing: a GET, a route that does not exist, a documents call', async () => {
    const org = await makeOrg(s);
    for (const head of ['GET /version HTTP/1.1\r\nHost: x\r\n', 'GET /no/such/route HTTP/1.1\r\nHost: x\r\n', `POST /upload HTTP/1.1\r\nHost: x\r\ncapout-api-key: ${org.apiKey}\r\nContent-Type: application/json\r\n`, 'POST /upload HTTP/1.1\r\nHost: x\r\ncapout-api-key: wrong\r\n']) {
      assertRefused(await rawExchange(s.url, `${head}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`), 501, 'not_implemented');
    }
  });

  test('a client waiting for 100 Continue gets the 501 instead', async () => {
    const conn = await rawConnect(s.url);
    try {
      conn.write(`POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\nExpect: 100-continue\r\n\r\n`);
      assert.ok(await conn.closed(5000), 'the connection closes');
      assert.ok(!conn.received().includes('100 Continue'), conn.received());
      assert.equal(parseResponse(conn.received())?.status, 501);
    } finally {
      conn.destroy();
    }
  });

  test('requests pipelined ahead of it get their answers first, then the 501', async () => {
    const conn = await rawConnect(s.url);
    try {
      conn.write('GET /version HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n');
      assert.ok(await conn.closed(5000), 'the connection closes');
      const text = conn.received();
      assert.equal(parseResponse(text)?.status, 200, text);
      assert.equal(parseResponse(text.slice(text.indexOf('HTTP/1.1', 1)))?.status, 501, text);
    } finally {
      conn.destroy();
    }
  });

  test('upgrades too: a WebSocket handshake, and an Upgrade served as plain HTTP', async () => {
    const org = await makeOrg(s);
    const token = (await org.call('POST', '/ws/token')).body.token as string;
    assertRefused(await rawExchange(s.url, `GET /ws/status?token=${token} HTTP/1.1\r\nHost: x\r\n${WS_HANDSHAKE}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`), 501, 'not_implemented');
    assertRefused(await rawExchange(s.url, 'POST /admin/v1/orgs HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'), 501, 'not_implemented');
    assertRefused(await rawExchange(s.url, `GET /ws/status?token=${token} HTTP/1.1\r\nHost: x\r\n${WS_HANDSHAKE}Transfer-Encoding: gzip\r\n\r\n`), 400, 'invalid_request');
  });
});
