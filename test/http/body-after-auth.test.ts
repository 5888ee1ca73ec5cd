// A request body is read only after its credential is checked, and only while it keeps arriving:
// an unknown key gets 401 at once and its connection is closed (never drained), and a body that stalls
// or trickles below the minimum rate gets 408; a big body that keeps coming is never cut. A client
// still sending a body after its early answer is not reset while it sends (a lingering close). A client
// that waits for `100 Continue` gets it only for a body that will be read.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { LINGER_MS } from '../../src/http/connections.js';
import { makeHub, type TestHub } from '../helpers/hub.js';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { parseResponse, rawConnect, type RawConnection, type RawResponse } from '../helpers/raw-http.js';
import { ADMIN_TOKEN, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { makeApp, type TestApp } from '../helpers/videos.js';

const BASE_MS = 1000;
const MIN_RATE = 16_384;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a request with `headers`, sends `first` bytes of its body, then keeps trickling until stopped. */
async function trickle(ts: TestServer, head: string, first: number, everyMs = 100): Promise<{ conn: RawConnection; stop: () => void }> {
  const conn = await rawConnect(ts.url);
  conn.write(head);
  if (first > 0) conn.write(Buffer.alloc(first, 0x41));
  const timer = setInterval(() => {
    if (!conn.socket.destroyed && conn.socket.writable) conn.write(Buffer.alloc(100, 0x41));
  }, everyMs);
  return { conn, stop: () => clearInterval(timer) };
}

function request(method: string, path: string, headers: Record<string, string>, length: number): string {
  const lines = Object.entries({ host: 'capstan.test', 'content-length': String(length), ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends only the head of a request and returns the first response to it, what arrived, and whether the server closed. */
async function answerToHead(ts: TestServer, head: string): Promise<RawResponse & { received: string; closed: boolean }> {
  const conn = await rawConnect(ts.url);
  try {
    conn.write(head);
    const res = await conn.response(3000);
    return { ...res, received: conn.received(), closed: await conn.closed(LINGER_MS + 3000) };
  } finally {
    conn.destroy();
  }
}

/** Headers a client compares between two answers: all but those that differ per response. */
function comparable(headers: Readonly<Record<string, string>>): Record<string, string> {
  const { 'x-request-id': _id, date: _date, ...rest } = headers;
  return rest;
}

describe('bodies are read after the credential is checked, under a deadline', () => {
  let ts: TestServer;
  let org: TestOrg;
  let app: TestApp;
  let hub: TestHub;

  before(async () => {
    ts = await startServer({ httpRequestTimeoutMs: BASE_MS, httpBodyMinBytesPerSecond: MIN_RATE });
    org = await makeOrg(ts);
    app = await makeApp(ts, { orgId: org.id });
    hub = await makeHub(ts, org.id);
  });
  after(() => ts.close());

  test('an unknown key gets 401 at once while its huge body still trickles in, and the connection is closed', async () => {
    const json = { 'content-type': 'application/json' };
    const multipart = { 'content-type': 'multipart/form-data; boundary=xyz' };
    const cases: [string, string, Record<string, string>][] = [
      ['POST', '/upload', { 'capout-api-key': 'capout_test_unknownunknownunknownunknownunknown1', ...json }],
      ['POST', '/upload', json],
      ['POST', '/api/v1/files', { 'capout-api-key': 'capout_test_unknownunknownunknownunknownunknown1', ...multipart }],
      ['POST', '/api/v1/files', { authorization: 'Bearer nope', ...multipart }],
      ['POST', '/api/developer/sdk/v1/upload/multipart/initiate', { authorization: 'Bearer cpk_unknown', ...json }],
      ['POST', '/api/developer/sdk/v1/videos/create', { authorization: `Bearer ${app.secretKey}`, ...json }],
      ['POST', `/hubs/${hub.hubId}/broadcasts`, { authorization: 'Bearer not.a.token', ...json }],
      ['POST', '/admin/v1/orgs', { authorization: 'Bearer wrong-admin-token', ...json }],
    ];
    await Promise.all(cases.map(async ([method, path, headers]) => {
      // 4 MB sent at once, then 1 KB/s more of a declared 20 MB (within the upload's body limit):
      // without the check before the body, the server would sit reading it as long as the client sends.
      const { conn, stop } = await trickle(ts, request(method, path, headers, 20 * 1024 * 1024), 4 * 1024 * 1024);
      try {
        const started = Date.now();
        const res = await conn.response(3000);
        assert.equal(res.status, 401, `${path}: ${res.body}`);
        assert.equal(JSON.parse(res.body).code, 'unauthorized');
        assert.equal(res.headers.connection, 'close');
        assert.ok(Date.now() - started < 2000, `${path} answered after ${Date.now() - started} ms`);
        assert.ok(await conn.closed(LINGER_MS + 3000), `${path}: the server closes the connection while the body still arrives`);
      } finally {
        stop();
        conn.destroy();
      }
    }));
  });

  test('a client still sending fast after an early answer is not reset while it sends; once it stops, the connection closes', async () => {
    // An upload over the limit, or with a wrong key, is answered at its headers; a browser still
    // sending the body would lose that answer to a reset if the server closed with input unread. The
    // server half-closes after its answer; a client that keeps its own half open goes on sending.
    const { port } = new URL(ts.url);
    const socket = net.connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((r) => socket.once('connect', r));
    let received = '';
    let resets = 0;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => resets++);
    socket.write(request('POST', '/upload', { 'capout-api-key': 'capout_test_unknown', 'content-type': 'application/json' }, 200 * 1024 * 1024));
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const sending = setInterval(() => {
      if (socket.writable) socket.write(chunk);
    }, 20);
    const open = () => new Promise<number>((r) => ts.server.app.server.getConnections((_e, n) => r(n)));
    try {
      await sleep(LINGER_MS + 1500);
      assert.match(received, /^HTTP\/1\.1 401 /, 'the answer arrived');
      assert.equal(resets, 0, 'no reset while the client was still sending');
      assert.ok((await open()) >= 1, 'the server still reads what the client sends');
      clearInterval(sending);
      const deadline = Date.now() + LINGER_MS + 3000;
      while ((await open()) > 0 && Date.now() < deadline) await sleep(50);
      assert.equal(await open(), 0, 'closed once the client stopped sending');
    } finally {
      clearInterval(sending);
      socket.destroy();
    }
  });

  test('a client that sends a whole big body as fast as it can before reading gets its early answer, not a reset', async () => {
    // The client writes all of it without reading, then reads: the server must keep taking the body
    // through its linger (Node's parser reads it, not a 'data' listener) for the answer to survive.
    const size = 32 * 1024 * 1024;
    const cases: [string, Record<string, string>, number, string][] = [
      ['/upload', { 'capout-api-key': 'capout_test_unknown', 'content-type': 'application/json' }, 401, 'unauthorized'],
      ['/admin/v1/orgs', { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, 413, 'payload_too_large'],
    ];
    for (const [path, headers, status, code] of cases) {
      const { port } = new URL(ts.url);
      const socket = net.connect({ port: Number(port), host: '127.0.0.1' });
      await new Promise((r) => socket.once('connect', r));
      socket.pause();
      let failure: Error | undefined;
      socket.on('error', (e) => (failure = e));
      socket.write(request('POST', path, headers, size));
      const written = await new Promise<Error | null | undefined>((r) => socket.write(Buffer.alloc(size, 0x41), r));
      assert.equal(written ?? undefined, undefined, `${path}: the whole body was taken, not cut by a reset (${String(written?.message)})`);
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.resume();
      await new Promise((r) => socket.once('close', r));
      const res = parseResponse(received);
      assert.equal(failure, undefined, `${path}: no reset (${String(failure?.message)})`);
      assert.equal(res?.status, status, `${path}: ${received.slice(0, 200)}`);
      assert.equal(JSON.parse(res.body).code, code);
    }
  });

  test('Expect: 100-continue: an unknown key gets 401 without 100 Continue, a valid one gets 100 then its answer', async () => {
    const body = JSON.stringify({ name: 'expects continue' });
    const refused = await rawConnect(ts.url);
    try {
      refused.write(request('POST', '/admin/v1/orgs', { authorization: 'Bearer wrong-admin-token', 'content-type': 'application/json', expect: '100-continue' }, body.length));
      const res = await refused.response(3000);
      assert.equal(res.status, 401, 'no 100 Continue invites the body of a refused request');
      assert.ok(!refused.received().includes('100 Continue'), refused.received().slice(0, 200));
    } finally {
      refused.destroy();
    }
    const accepted = await rawConnect(ts.url);
    try {
      accepted.write(request('POST', '/admin/v1/orgs', { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', expect: '100-continue' }, body.length));
      for (let i = 0; i < 100 && !accepted.received().startsWith('HTTP/1.1 100 Continue\r\n\r\n'); i++) await sleep(20);
      assert.ok(accepted.received().startsWith('HTTP/1.1 100 Continue\r\n\r\n'), `100 Continue first: ${JSON.stringify(accepted.received().slice(0, 80))}`);
      accepted.write(body);
      for (let i = 0; i < 100 && !/HTTP\/1\.1 201 /.test(accepted.received()); i++) await sleep(20);
      assert.match(accepted.received(), /HTTP\/1\.1 201 /);
      assert.match(accepted.received(), /"name":"expects continue"/);
    } finally {
      accepted.destroy();
    }
  });

  test('Expect: 100-continue with a valid key: a body the route refuses before reading it gets that refusal instead of the 100', async () => {
    const key = { 'capout-api-key': org.apiKey };
    const json = { 'content-type': 'application/json' };
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const cases: [string, Record<string, string>, number, number, string][] = [
      // Content-Length over the route's limit: the base64 upload's (~27 MiB), the admin API's 1 MiB.
      ['/upload', { ...key, ...json }, 100 * 1024 * 1024, 413, 'payload_too_large'],
      ['/api/v1/files', { ...key, ...json }, 100 * 1024 * 1024, 413, 'payload_too_large'],
      ['/admin/v1/orgs', { ...admin, ...json }, 2 * 1024 * 1024, 413, 'payload_too_large'],
      // A Content-Type the route has no parser for: /upload takes JSON only, text/plain is no string.
      ['/upload', { ...key, 'content-type': 'multipart/form-data; boundary=xyz' }, 2 * 1024 * 1024, 415, 'unsupported_media_type'],
      ['/upload', { ...key, 'content-type': 'text/plain' }, 1000, 415, 'unsupported_media_type'],
      ['/upload', key, 1000, 415, 'unsupported_media_type'],
      ['/admin/v1/orgs', { ...admin, 'content-type': 'application/x-www-form-urlencoded' }, 1000, 415, 'unsupported_media_type'],
      // A route's own check before it reads its stream: a multipart body without a boundary.
      ['/api/v1/files', { ...key, 'content-type': 'multipart/form-data' }, 1000, 400, 'invalid_request'],
      // A multipart upload declaring more than 100 files of 100 MiB (the defaults) could never be taken.
      ['/api/v1/files', { ...key, 'content-type': 'multipart/form-data; boundary=xyz' }, 11 * 1024 ** 3, 413, 'payload_too_large'],
      // No route takes it: 404 (or 405 on a known path), whatever its body's size or type.
      ['/v9/nothing-here', json, 100 * 1024 * 1024, 404, 'route_not_found'],
      ['/v9/nothing-here', { 'content-type': 'text/plain' }, 1000, 404, 'route_not_found'],
      ['/healthz', json, 100 * 1024 * 1024, 405, 'method_not_allowed'],
    ];
    for (const [path, headers, length, status, code] of cases) {
      const expecting = await answerToHead(ts, request('POST', path, { ...headers, expect: '100-continue' }, length));
      const plain = await answerToHead(ts, request('POST', path, headers, length));
      const what = `${path} ${headers['content-type'] ?? '(no content type)'} ${length}`;
      assert.ok(expecting.received.startsWith(`HTTP/1.1 ${status} `), `${what}: ${JSON.stringify(expecting.received.slice(0, 80))}`);
      assert.ok(!expecting.received.includes('100 Continue'), what);
      assert.equal(JSON.parse(expecting.body).code, code, `${what}: ${expecting.body}`);
      // The answer the request gets without Expect, headers and all; the connection closes unread.
      assert.equal(plain.status, status, `${what} without Expect: ${plain.body}`);
      assert.deepEqual(JSON.parse(expecting.body), JSON.parse(plain.body), what);
      assert.deepEqual(comparable(expecting.headers), comparable(plain.headers), what);
      assert.equal(expecting.headers.connection, 'close', what);
      assert.ok(expecting.closed, `${what}: the connection closes without the body`);
    }
  });

  test('Expect: 100-continue with a valid key: a streamed multipart upload gets 100, then its answer', async () => {
    const boundary = 'continueboundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="continued.txt"\r\nContent-Type: text/plain\r\n\r\nafter the 100\r\n--${boundary}--\r\n`;
    const conn = await rawConnect(ts.url);
    try {
      conn.write(request('POST', '/api/v1/files', { 'capout-api-key': org.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}`, expect: '100-continue' }, Buffer.byteLength(body)));
      const first = await conn.response(3000);
      assert.equal(first.status, 100, conn.received().slice(0, 200));
      conn.write(body);
      for (let i = 0; i < 150 && !/HTTP\/1\.1 201 [^]*"continued\.txt"/.test(conn.received()); i++) await sleep(20);
      assert.match(conn.received(), /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
      assert.match(conn.received(), /"continued\.txt"/);
    } finally {
      conn.destroy();
    }
  });

  test('node:http, a client that waits for 100 Continue: an oversized upload is refused before it sends the body', async () => {
    const res = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(`${ts.url}/upload`, { method: 'POST', headers: { 'capout-api-key': org.apiKey, 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024), expect: '100-continue' } });
      // Node's client fires 'continue' on a 100; only then would it send the 64 MiB.
      req.on('continue', () => {
        continued = true;
        req.destroy();
      });
      req.on('response', (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (text += c));
        r.on('end', () => {
          resolve({ status: r.statusCode ?? 0, body: text, continued });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(res.continued, false);
    assert.equal(res.status, 413, res.body);
    assert.equal(JSON.parse(res.body).code, 'payload_too_large');
  });

  test('curl (Expect: 100-continue on bodies over 1 MiB): a body of a type the route cannot parse is refused without being uploaded', { skip: !existsSync('/usr/bin/curl') && 'curl is not installed' }, async () => {
    const dir = tempDir('capstan-expect-');
    const file = join(dir, 'body.txt');
    writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 0x61));
    try {
      const out = await new Promise<string>((resolve, reject) => {
        execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_upload}', '--expect100-timeout', '60', '-H', `capout-api-key: ${org.apiKey}`, '-H', 'content-type: text/plain', '--data-binary', `@${file}`, `${ts.url}/upload`], (err, stdout, stderr) => (err ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout)));
      });
      assert.equal(out, '415 0', 'answered 415 with none of the body uploaded');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with a valid key, a body that stalls is 408 request_timeout after httpRequestTimeoutMs, and closed', async () => {
    const { conn, stop } = await trickle(ts, request('POST', '/upload', { 'capout-api-key': org.apiKey, 'content-type': 'application/json' }, 10_000), 100, 3_600_000);
    try {
      const started = Date.now();
      const res = await conn.response(BASE_MS + 3000);
      const waited = Date.now() - started;
      assert.equal(res.status, 408, res.body);
      assert.equal(JSON.parse(res.body).code, 'request_timeout');
      assert.ok(waited >= BASE_MS - 50 && waited < BASE_MS + 1500, `answered after ${waited} ms`);
      assert.ok(await conn.closed(LINGER_MS + 3000));
    } finally {
      stop();
      conn.destroy();
    }
  });

  test('a body trickling below the minimum rate is cut too (1 KB/s against 16 KiB/s)', async () => {
    const head = request('POST', '/api/v1/files', { 'capout-api-key': org.apiKey, 'content-type': 'multipart/form-data; boundary=xyz' }, 1024 * 1024);
    const { conn, stop } = await trickle(ts, head, 0);
    try {
      const res = await conn.response(BASE_MS + 4000);
      assert.equal(res.status, 408, res.body);
      assert.ok(await conn.closed(LINGER_MS + 3000));
    } finally {
      stop();
      conn.destroy();
    }
  });

  /** A multipart upload of one file whose bytes are sent `chunk` at a time every `everyMs`. */
  async function paced(size: number, chunk: number, everyMs: number): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
    const boundary = 'pacedboundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="paced.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 0) controller.enqueue(head);
        if (sent >= size) {
          controller.enqueue(tail);
          controller.close();
          return;
        }
        await sleep(everyMs);
        const n = Math.min(chunk, size - sent);
        controller.enqueue(new Uint8Array(n).fill(0x42));
        sent += n;
      },
    });
    const started = Date.now();
    const res = await fetch(`${ts.url}/api/v1/files`, { method: 'POST', headers: { 'capout-api-key': org.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}` }, body, duplex: 'half' } as RequestInit);
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: Date.now() - started };
  }

  test('a big body arriving fast, for longer than httpRequestTimeoutMs, is never cut', async () => {
    const res = await paced(6 * 1024 * 1024, 128 * 1024, 25);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.ok(res.ms > BASE_MS * 1.2, `took ${res.ms} ms`);
  });

  test('a slow body that keeps above the minimum rate is never cut either (24 KiB/s for 2.5 s)', async () => {
    const res = await paced(60 * 1024, 6 * 1024, 250);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.ok(res.ms > BASE_MS * 2, `took ${res.ms} ms`);
  });

  test('valid credentials still get their bodies read on the same routes', async () => {
    const filed = await org.call('POST', '/api/v1/files', { name: 'note.txt', content_base64: Buffer.from('hello').toString('base64') });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const up = await org.call('POST', '/upload', { file_base64: Buffer.from('not a document').toString('base64'), file_name: 'x.pdf' });
    assert.equal(up.status, 415, JSON.stringify(up.body));
    assert.equal(up.body.code, 'unsupported_media_type');
    const created = await fetch(`${ts.url}/admin/v1/orgs`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: '{"name":"after"}' });
    assert.equal(created.status, 201);
  });
});
