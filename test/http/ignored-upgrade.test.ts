// A request asking to upgrade to something other than WebSocket (`Upgrade: h2c`, as `curl --http2` and
// Java's HttpClient send on http:// URLs) is served as the HTTP/1.1 request it also is, body and all,
// on a connection closed after the answer; it used to be 404 route_not_found on every route.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, startServer, type TestServer } from '../helpers/server.js';

const H2C = ['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA'];

interface RawAnswer {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
  /** The server closed the connection after the answer. */
  readonly closed: boolean;
}

/** Sends one request as written and reads until the server closes (or `readMs` passes). */
function raw(port: number, request: string, readMs = 3_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n'), closed });
      socket.destroy();
    };
    const timer = setTimeout(done, readMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      closed = true;
      done();
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

/** An SSE stream read until its first frame arrives: the head and what came with it. */
async function firstOfStream(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (/\r\n\r\n[\s\S]*\n\n/.test(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('Upgrade other than websocket: served as plain HTTP', () => {
  let ts: TestServer;
  let port: number;
  before(async () => {
    ts = await startServer();
    port = Number(new URL(ts.url).port);
  });
  after(() => ts.close());

  test('a GET with Upgrade: h2c is answered as HTTP/1.1, then the connection closes', async () => {
    const answer = await raw(port, ['GET /version HTTP/1.1', 'Host: localhost', ...H2C, '', ''].join('\r\n'));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('connection'), 'close');
    assert.ok(answer.headers.get('x-request-id'));
    assert.match(answer.body, /"version"/);
    assert.equal(answer.closed, true);
  });

  test('an upgrade pipelined behind another request waits for its answer: both are answered, in order', { timeout: 15_000 }, async () => {
    // It used to take the socket while the first answer still held it, and the throw ended the process.
    for (const upgrade of [H2C, ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==']]) {
      const answer = await raw(port, ['GET /version HTTP/1.1', 'Host: localhost', '', 'GET /healthz HTTP/1.1', 'Host: localhost', ...upgrade, '', ''].join('\r\n'));
      const text = `HTTP/1.1 ${answer.status} \r\n\r\n${answer.body}`;
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
      assert.deepEqual(statuses, ['200', '200'], text.slice(0, 400));
      assert.ok(answer.closed);
      assert.match(text, /"version"[\s\S]*"status":"ok"/, 'the answers in the order asked');
    }
    assert.equal((await fetch(`${ts.url}/healthz`)).status, 200, 'the server is still up');
  });

  test('a POST with Upgrade: h2c and a Content-Length body is read whole and applied once', async () => {
    const body = JSON.stringify({ name: 'h2c organization' });
    const request = ['POST /admin/v1/orgs HTTP/1.1', 'Host: localhost', ...H2C, `Authorization: Bearer ${ADMIN_TOKEN}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    const answer = await raw(port, request);
    assert.equal(answer.status, 201, answer.body);
    const id = (JSON.parse(answer.body) as { id: string }).id;
    assert.equal((await ts.admin('GET', `/orgs/${id}`)).body.name, 'h2c organization');
  });

  test('a body sent after the head, in pieces, is waited for', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(150) });
    const head = ['POST /admin/v1/orgs HTTP/1.1', 'Host: localhost', ...H2C, `Authorization: Bearer ${ADMIN_TOKEN}`, 'Content-Type: application/json', `Content-Length: ${body.length}`, '', ''].join('\r\n');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(head);
      setTimeout(() => socket.write(body.slice(0, 60)), 100);
      setTimeout(() => socket.write(body.slice(60)), 250);
    });
    assert.match(answer, /^HTTP\/1\.1 201 /);
  });

  test('a chunked body cannot be read any more: 400 invalid_request, in the catalogue shape', async () => {
    const answer = await raw(port, ['POST /admin/v1/orgs HTTP/1.1', 'Host: localhost', ...H2C, `Authorization: Bearer ${ADMIN_TOKEN}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked', '', '2', '{}', '0', '', ''].join('\r\n'));
    assert.equal(answer.status, 400);
    assert.equal((JSON.parse(answer.body) as { code: string }).code, 'invalid_request');
  });

  test('bad input on that path still gets its error, never a 500', async () => {
    const answer = await raw(port, ['POST /admin/v1/orgs HTTP/1.1', 'Host: localhost', ...H2C, `Authorization: Bearer ${ADMIN_TOKEN}`, 'Content-Type: application/json', 'Content-Length: 5', '', '{"na'].join('\r\n') + 'x');
    assert.equal(answer.status, 400);
    assert.equal((JSON.parse(answer.body) as { code: string }).code, 'malformed_json');
    const missing = await raw(port, ['GET /nowhere HTTP/1.1', 'Host: localhost', ...H2C, '', ''].join('\r\n'));
    assert.equal(missing.status, 404);
    assert.equal((JSON.parse(missing.body) as { code: string }).code, 'route_not_found');
  });

  test('an SSE stream asked for with Upgrade: h2c opens and delivers', async () => {
    const org = (await ts.admin('POST', '/orgs', { name: 'stream', credits_micro: 1_000 })).body as { api_key: string };
    const minted = (await (await fetch(`${ts.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': org.api_key } })).json()) as { token: string };
    const text = await firstOfStream(port, [`GET /sse/status?token=${encodeURIComponent(minted.token)}&recent=5 HTTP/1.1`, 'Host: localhost', ...H2C, '', ''].join('\r\n'));
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /content-type: text\/event-stream/i);
    assert.match(text, /retry: \d+/);
  });

  test('such a stream ends when its client leaves, and gives its slot back (h2c, and WebSocket on a path with no socket)', async () => {
    const org = (await ts.admin('POST', '/orgs', { name: 'leaving', credits_micro: 1_000 })).body as { api_key: string };
    const minted = (await (await fetch(`${ts.url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': org.api_key } })).json()) as { token: string };
    const websocket = ['Connection: Upgrade', 'Upgrade: websocket', `Sec-WebSocket-Key: ${Buffer.alloc(16, 1).toString('base64')}`, 'Sec-WebSocket-Version: 13'];
    const before = ts.server.ctx.realtime.size;
    for (const upgrade of [H2C, websocket]) {
      // firstOfStream leaves (destroys its socket) once the first frame arrived.
      const text = await firstOfStream(port, [`GET /sse/status?token=${encodeURIComponent(minted.token)}&recent=5 HTTP/1.1`, 'Host: localhost', ...upgrade, '', ''].join('\r\n'));
      assert.match(text, /^HTTP\/1\.1 200 /);
      const deadline = Date.now() + 5_000;
      while (ts.server.ctx.realtime.size > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(ts.server.ctx.realtime.size, before, `the stream asked for with ${upgrade[1]} still holds its slot after its client left`);
      // A body on such a GET would never be read, and would hide the client's leaving: refused.
      const withBody = await raw(port, [`GET /sse/status?token=${encodeURIComponent(minted.token)}&recent=5 HTTP/1.1`, 'Host: localhost', ...upgrade, 'Content-Length: 100000', '', 'x'].join('\r\n'));
      assert.equal(withBody.status, 400);
      assert.equal((JSON.parse(withBody.body) as { code: string }).code, 'invalid_request');
      assert.equal(ts.server.ctx.realtime.size, before);
    }
  });
});
