// What the log says about clients, read from a real `capstan serve`: a credential in the query string
// is masked however its name is spelled, neither a credential nor the admin token is taken for a
// request id, and a client that hangs up half way through its request body is not a server error.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ServeProcess } from '../helpers/serve-process.js';
import { ADMIN_TOKEN, tempDir } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { call, createVideo, makeApp } from '../helpers/videos.js';

/** Sends `head` and the first bytes of a body, then closes the connection without waiting for an answer. */
async function hangUpMidBody(url: string, head: string, partial: string | Buffer): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(head);
  socket.write(partial);
  await new Promise((r) => setTimeout(r, 150));
  socket.destroy();
}

describe('log hygiene', () => {
  let dataDir: string;
  let serve: ServeProcess;
  let url: string;

  before(async () => {
    dataDir = tempDir();
    serve = ServeProcess.start(dataDir, ADMIN_TOKEN, { CAPSTAN_RATE_LIMIT_PER_MINUTE: '0' });
    url = await serve.url();
  });

  after(async () => {
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a credential in the query string is masked in the request line however its name is spelled', async () => {
    const spellings = ['token', '%74oken', 'tok%65n', 'TOKEN', 'access%5Ftoken', 'api_key', 'api%5Fkey', '%6Bey', 'X-Amz-Signature'];
    const secrets = spellings.map((_s, i) => `sekret${i}x${'q'.repeat(20)}`);
    for (const [i, name] of spellings.entries()) await (await fetch(`${url}/sse/status?recent=1&${name}=${secrets[i]}`)).text();
    // Forms the query parser does not read as the parameter are masked too: the value may still be one.
    const odd = ['token%3Dsekretodd1', 'a=1;token=sekretodd2', 'x=1&%74oken=sekretodd3&y=2'];
    for (const q of odd) await (await fetch(`${url}/sse/status?${q}`)).text();
    await until(() => serve.logs().filter((l) => l.msg === 'request' && String(l.url).startsWith('/sse/status')).length >= spellings.length + odd.length, 'the request lines');
    const written = serve.stdout;
    for (const s of [...secrets, 'sekretodd1', 'sekretodd2', 'sekretodd3']) assert.ok(!written.includes(s), `${s} reached the log`);
    const urls = serve.logs().filter((l) => l.msg === 'request' && String(l.url).startsWith('/sse/status')).map((l) => String(l.url));
    assert.ok(urls.includes('/sse/status?recent=1&token=***'), urls.join('\n'));
    assert.ok(urls.includes('/sse/status?x=1&token=***&y=2'), urls.join('\n'));
  });

  test('a credential is masked wherever it stands in the URL, and is never taken for a request id', async () => {
    const org = await call(`${url}/admin/v1/orgs`, 'POST', ADMIN_TOKEN, { name: 'log hygiene' });
    assert.equal(org.status, 201);
    const apiKey = String(org.body.api_key);
    const minted = await fetch(`${url}/ws/token`, { method: 'POST', headers: { 'capout-api-key': apiKey } });
    const realtimeToken = String(((await minted.json()) as { token: string }).token);
    assert.match(realtimeToken, /^rt_eyJ/);
    const app = await makeApp({ url, admin: async (method, path, body) => call(`${url}/admin/v1${path}`, method, ADMIN_TOKEN, body) });
    const keyBody = apiKey.slice('capout_test_'.length);
    const sent = [
      `/sse/status;token=${realtimeToken}?recent=1`,
      `/api/developer/v1/usage?secret=${app.secretKey}`,
      `/status/${apiKey}`,
      `/status/capout%5Ftest%5F${keyBody}`,
      `/anything?note=${realtimeToken.slice(3)}`,
    ];
    for (const path of sent) await (await fetch(`${url}${path}`)).text();
    const asId = await fetch(`${url}/healthz?probe=request-id`, { headers: { 'X-Request-ID': apiKey } });
    await asId.text();
    assert.notEqual(asId.headers.get('x-request-id'), apiKey);
    assert.match(String(asId.headers.get('x-request-id')), /^[0-9a-f-]{36}$/, 'a generated id instead');
    const ordinary = await fetch(`${url}/healthz?probe=ordinary-id`, { headers: { 'X-Request-ID': 'trace-42.a:b_c' } });
    await ordinary.text();
    assert.equal(ordinary.headers.get('x-request-id'), 'trace-42.a:b_c', 'an ordinary id is still echoed');

    const lines = () => serve.logs().filter((l) => l.msg === 'request');
    await until(() => lines().some((l) => l.url === '/healthz?probe=ordinary-id'), 'the request lines');
    const written = serve.stdout;
    for (const secret of [apiKey, keyBody, app.secretKey, realtimeToken, realtimeToken.slice(3)]) assert.ok(!written.includes(secret), `${secret.slice(0, 16)}… reached the log`);
    const urls = lines().map((l) => String(l.url));
    for (const masked of ['/sse/status;token=***?recent=1', '/api/developer/v1/usage?secret=***', '/status/capout_test_***', '/anything?note=eyJ***']) {
      assert.ok(urls.includes(masked), `${masked} not among\n${urls.join('\n')}`);
    }
    assert.equal(urls.filter((u) => u === '/status/capout_test_***').length, 2, 'the percent-encoded key is masked too');
    assert.ok(lines().some((l) => l.url === '/healthz?probe=ordinary-id' && l.reqId === 'trace-42.a:b_c'));
  });

  test('the admin token sent as X-Request-ID, alone or inside an id, or in a URL, is neither echoed nor logged', async () => {
    const admin = await fetch(`${url}/admin/v1/orgs?limit=1&probe=admin-token-id`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'X-Request-ID': ADMIN_TOKEN } });
    await admin.text();
    assert.equal(admin.status, 200);
    const bare = await fetch(`${url}/healthz?probe=admin-token-id`, { headers: { 'X-Request-ID': ADMIN_TOKEN } });
    await bare.text();
    const inside = await fetch(`${url}/healthz?probe=admin-token-id`, { headers: { 'X-Request-ID': `trace-${ADMIN_TOKEN}.1` } });
    await inside.text();
    for (const res of [admin, bare, inside]) {
      assert.notEqual(res.headers.get('x-request-id'), ADMIN_TOKEN);
      assert.match(String(res.headers.get('x-request-id')), /^[0-9a-f-]{36}$/, 'a generated id instead');
    }
    // In a URL too, as it is or percent-encoded: a path segment, a query value, a `;` parameter.
    for (const path of [`/nope/${ADMIN_TOKEN}?probe=admin-token-id`, `/version?x=${ADMIN_TOKEN}&probe=admin-token-id`, `/version;x=${encodeURIComponent(ADMIN_TOKEN).replace(/-/g, '%2D')}?probe=admin-token-id`, `/status/${ADMIN_TOKEN}?probe=admin-token-id`]) {
      await (await fetch(`${url}${path}`)).text();
    }
    const lines = () => serve.logs().filter((l) => l.msg === 'request' && String(l.url).includes('probe=admin-token-id'));
    await until(() => lines().length >= 7, 'the request lines');
    assert.ok(lines().some((l) => String(l.url).startsWith('/nope/***')), JSON.stringify(lines().map((l) => l.url)));
    assert.ok(!serve.stdout.includes(ADMIN_TOKEN), 'the admin token reached the log');
  });

  test('a client that hangs up in the middle of its body is not a server error, and the server goes on', async () => {
    const admin = async (method: string, path: string, body?: unknown) => {
      const r = await call(`${url}/admin/v1${path}`, method, ADMIN_TOKEN, body);
      return { status: r.status, body: r.body, headers: r.headers };
    };
    const app = await makeApp({ url, admin });
    const videoId = await createVideo(app);
    const initiated = await app.sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' });
    const presigned = await app.sdk('/upload/multipart/presign-part', { videoId, uploadId: initiated.body.uploadId, partNumber: 1 });
    assert.equal(presigned.status, 200, JSON.stringify(presigned.body));
    const part = new URL(String(presigned.body.presignedUrl));
    const host = new URL(url).host;
    const before = serve.logs().length;

    await hangUpMidBody(url, `POST /admin/v1/orgs HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`, '{"name":');
    await hangUpMidBody(url, `POST /admin/v1/orgs HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, '20\r\n{"name":');
    await hangUpMidBody(url, `PUT ${part.pathname}${part.search} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5000000\r\n\r\n`, Buffer.alloc(64 * 1024, 7));

    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const org = await admin('POST', '/orgs', { name: 'after the hang-ups' });
    assert.equal(org.status, 201, 'the same request, whole, still works');
    // Give the server a moment to log whatever it would about the closed connections.
    await new Promise((r) => setTimeout(r, 300));
    const errors = serve.logs().slice(before).filter((l) => typeof l.level === 'number' && l.level >= 50);
    assert.deepEqual(errors, [], 'no error lines for a client that went away');
    assert.ok(!serve.stdout.includes('"stack"'), 'no stack trace in the log');
  });
});
