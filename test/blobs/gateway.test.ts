// The upload gateway inside Capstan's real HTTP app: raw bodies of any type, signature and expiry
// checks with catalogue errors, size limits, Content-MD5 held to the bytes, and an ETag header that
// browsers are allowed to read.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Surface } from '../../src/http/index.js';
import { startGatewayServer, type GatewayServer } from './gateway-server.js';

// Above the app's 1 MiB JSON body limit, which must not apply to parts.
const MAX_PART = 3 * 1024 * 1024;
const md5 = (bytes: Buffer): string => `"${createHash('md5').update(bytes).digest('hex')}"`;

// A JSON route outside the gateway's scope, to prove the gateway's raw-body parser stays in its scope.
const echo: Surface = async (app) => {
  app.post('/test/echo', async (req) => ({ received: req.body }));
};

describe('upload gateway', () => {
  let server: GatewayServer;
  let counter = 0;

  /** A fresh upload and a presigned URL for one of its parts. */
  async function partUrl(partNumber = 1): Promise<{ key: string; uploadId: string; url: string }> {
    const key = `gateway/${++counter}.bin`;
    const uploadId = await server.store.createMultipart(key);
    return { key, uploadId, url: await server.store.presignPart(key, uploadId, partNumber, 300) };
  }

  async function expectError(res: Response, status: number, code: string): Promise<void> {
    assert.equal(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { error: unknown; code: unknown };
    assert.equal(body.code, code);
    assert.equal(typeof body.error, 'string');
  }

  before(async () => {
    server = await startGatewayServer({ minPartSize: 16, maxPartBytes: MAX_PART, surfaces: [echo] });
  });
  after(async () => server.close());

  test('a browser PUT gets 200 and an ETag header that CORS lets it read', async () => {
    const { url } = await partUrl();
    const origin = 'https://app.example';
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /PUT/);
    assert.ok(preflight.headers.get('x-api-version'));

    const body = Buffer.from('part bytes');
    const res = await fetch(url, { method: 'PUT', body, headers: { origin, 'content-type': 'video/mp4' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), md5(body));
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /\bETag\b/);
    assert.equal(await res.text(), '');
  });

  test('any content type, or none, is stored byte for byte; JSON routes elsewhere are unaffected', async () => {
    const cases: { type?: string; body: Buffer }[] = [
      { body: randomBytes(100) },
      { type: 'application/json', body: Buffer.from('{not json') },
      { type: 'text/plain', body: Buffer.from('plain') },
      { type: 'application/x-www-form-urlencoded', body: Buffer.from('a=b&c') },
      { type: 'multipart/form-data; boundary=x', body: Buffer.from('--x--') },
      { type: 'application/octet-stream', body: Buffer.alloc(0) },
    ];
    for (const { type, body } of cases) {
      const { key, uploadId, url } = await partUrl();
      const res = await fetch(url, { method: 'PUT', body: new Uint8Array(body), headers: type ? { 'content-type': type } : {} });
      assert.equal(res.status, 200, `content type ${type ?? '(none)'}`);
      assert.equal(res.headers.get('etag'), md5(body));
      const [stored] = await server.store.listParts(key, uploadId);
      assert.deepEqual({ size: stored?.size, etag: stored?.etag }, { size: body.length, etag: md5(body) });
    }
    const { url } = await partUrl();
    assert.equal((await fetch(url, { method: 'PUT' })).status, 200, 'no body at all is an empty part');

    const json = await fetch(`${server.url}/test/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.deepEqual(await json.json(), { received: { a: 1 } });
    await expectError(await fetch(`${server.url}/test/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }), 415, 'unsupported_media_type');
  });

  test('a tampered or expired URL gets 403 forbidden and stores nothing', async () => {
    const { key, uploadId, url } = await partUrl();
    for (const [param, value] of [['key', 'gateway/other.bin'], ['uploadId', 'f'.repeat(32)], ['partNumber', '2'], ['expires', '99999999999'], ['signature', 'AAAA']]) {
      const forged = new URL(url);
      forged.searchParams.set(param ?? '', value ?? '');
      await expectError(await fetch(forged, { method: 'PUT', body: 'x' }), 403, 'forbidden');
    }
    const stale = await server.shifted(-2 * 3600_000).presignPart(key, uploadId, 1, 60);
    const res = await fetch(stale, { method: 'PUT', body: 'x' });
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { error: string }).error, /expired/);
    assert.deepEqual(await server.store.listParts(key, uploadId), []);
  });

  test('a bad part number or a missing parameter gets 400', async () => {
    const { url } = await partUrl();
    for (const partNumber of ['0', '10001', '-1', 'abc', '']) {
      const bad = new URL(url);
      bad.searchParams.set('partNumber', partNumber);
      await expectError(await fetch(bad, { method: 'PUT', body: 'x' }), 400, 'invalid_request');
    }
    for (const param of ['key', 'uploadId', 'partNumber', 'expires', 'signature']) {
      const bad = new URL(url);
      bad.searchParams.delete(param);
      await expectError(await fetch(bad, { method: 'PUT', body: 'x' }), 400, 'invalid_request');
    }
  });

  test('a validly signed URL for an upload that does not exist gets 404', async () => {
    const url = await server.store.presignPart('gateway/ghost.bin', randomBytes(16).toString('hex'), 1, 300);
    await expectError(await fetch(url, { method: 'PUT', body: 'x' }), 404, 'not_found');
  });

  test('a part over the limit gets 413, declared or streamed, and is not stored', async () => {
    const { key, uploadId, url } = await partUrl();
    await expectError(await fetch(url, { method: 'PUT', body: Buffer.alloc(MAX_PART + 1) }), 413, 'payload_too_large');
    const chunks = [Buffer.alloc(MAX_PART / 2), Buffer.alloc(MAX_PART / 2), Buffer.alloc(1)];
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    await expectError(await fetch(url, { method: 'PUT', body: streamed, duplex: 'half' } as RequestInit), 413, 'payload_too_large');
    assert.deepEqual(await server.store.listParts(key, uploadId), []);
    const res = await fetch(url, { method: 'PUT', body: Buffer.alloc(MAX_PART) });
    assert.equal(res.status, 200, 'exactly the limit is fine, well over the app-wide JSON body limit');
    assert.equal((await server.store.listParts(key, uploadId))[0]?.size, MAX_PART);
  });

  test('a Content-MD5 is held to the bytes: a match stores the part, a mismatch keeps nothing and leaves the part before it', async () => {
    const { key, uploadId, url } = await partUrl();
    const first = randomBytes(2048);
    const digest = (bytes: Buffer): string => createHash('md5').update(bytes).digest('base64');
    const origin = 'https://app.example';
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-md5' } });
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-md5/i, 'a browser may send it');
    const ok = await fetch(url, { method: 'PUT', body: new Uint8Array(first), headers: { origin, 'content-md5': digest(first) } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('etag'), md5(first));

    // The same part again, with one byte changed on the way: refused, and the first upload stays.
    const sent = Buffer.from(first);
    sent[100] = (sent[100] ?? 0) ^ 0xff;
    const bad = await fetch(url, { method: 'PUT', body: new Uint8Array(sent), headers: { 'content-md5': digest(first) } });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: string; code: string };
    assert.equal(body.code, 'invalid_request');
    assert.match(body.error, /^BadDigest: /);
    const [stored] = await server.store.listParts(key, uploadId);
    assert.deepEqual({ size: stored?.size, etag: stored?.etag }, { size: first.length, etag: md5(first) });
    await server.store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: md5(first) }]);
    const kept: Buffer[] = [];
    for await (const chunk of await server.store.get(key)) kept.push(chunk as Buffer);
    assert.ok(Buffer.concat(kept).equals(first), 'the object holds the bytes that matched');
    assert.deepEqual(await readdir(join(server.root, 'tmp')), [], 'the refused bytes left no file behind');
  });

  test('a Content-MD5 that is not the base64 of 16 bytes gets 400 before the body is read', async () => {
    const { key, uploadId, url } = await partUrl();
    const bytes = Buffer.from('part bytes');
    const right = createHash('md5').update(bytes).digest('base64');
    for (const value of ['', 'abc', '!!!!!!!!!!!!!!!!!!!!!!==', createHash('md5').update(bytes).digest('hex'), createHash('sha1').update(bytes).digest('base64'), right.replace(/==$/, ''), `${right}, ${right}`, right.slice(0, 21) + 'B==']) {
      await expectError(await fetch(url, { method: 'PUT', body: bytes, headers: { 'content-md5': value } }), 400, 'invalid_request');
    }
    assert.deepEqual(await server.store.listParts(key, uploadId), []);
    // The answer comes before the body, on a connection that then closes.
    assert.equal(await answerBeforeBody(url, { 'content-md5': 'not-a-digest' }), 400);
  });

  test('Expect: 100-continue: a part refused before its body is read gets the refusal instead of the 100; a good part gets 100, then its ETag', async () => {
    const { key, uploadId, url } = await partUrl();
    const forged = new URL(url);
    forged.searchParams.set('signature', 'AAAA');
    const stale = await server.shifted(-2 * 3600_000).presignPart(key, uploadId, 1, 60);
    const ghost = await server.store.presignPart('gateway/ghost.bin', randomBytes(16).toString('hex'), 1, 300);
    const part = Buffer.from('sent after the 100');
    const refusals: [string, string | URL, Record<string, string>, number, number][] = [
      ['a forged signature', forged, {}, part.length, 403],
      ['an expired URL', stale, {}, part.length, 403],
      ['a part over the maximum size', url, {}, MAX_PART + 1, 413],
      ['a Content-MD5 that is no digest', url, { 'content-md5': 'not-a-digest' }, part.length, 400],
      ['an upload that does not exist', ghost, {}, part.length, 404],
    ];
    for (const [what, target, headers, length, status] of refusals) {
      const res = await putExpectingContinue(target, headers, length, part);
      assert.equal(res.continued, false, `${what}: no 100 Continue`);
      assert.equal(res.status, status, `${what}: ${res.body}`);
      assert.equal(res.headers.connection, 'close', what);
    }
    assert.deepEqual(await server.store.listParts(key, uploadId), []);
    const ok = await putExpectingContinue(url, {}, part.length, part);
    assert.equal(ok.continued, true);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.headers.etag, md5(part));
    assert.equal((await server.store.listParts(key, uploadId))[0]?.etag, md5(part));
  });

  test('a refused upload closes the connection rather than drain a body it will not store', async () => {
    const { url } = await partUrl();
    const forged = new URL(url);
    forged.searchParams.set('signature', 'AAAA');
    assert.equal(await answerBeforeBody(forged, {}), 403);
  });
});

/**
 * PUTs a part that declares the largest size but sends 1 KB of it, and returns the status the gateway
 * answers with meanwhile; the answer must also close the connection rather than wait for the rest.
 */
async function answerBeforeBody(url: string | URL, headers: Record<string, string>): Promise<number | undefined> {
  const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(MAX_PART) } });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve).on('error', reject);
    req.write(Buffer.alloc(1024));
  });
  assert.equal(res.headers.connection, 'close');
  res.resume();
  req.destroy();
  return res.statusCode;
}

/**
 * PUTs a part as a client that waits for `100 Continue` before its body (node:http, as curl does for
 * large bodies): the body goes out only on a 100, and whether one came is returned with the answer.
 */
async function putExpectingContinue(url: string | URL, headers: Record<string, string>, length: number, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: string; continued: boolean }> {
  const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(length), expect: '100-continue' } });
  let continued = false;
  try {
    return await new Promise((resolve, reject) => {
      req.on('continue', () => {
        continued = true;
        if (body.length === length) req.end(body);
        else req.destroy();
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, continued }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
  } finally {
    req.destroy();
  }
}
