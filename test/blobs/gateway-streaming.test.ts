// The gateway writes a part as it arrives: whatever the chunking the ETag is the MD5 of the whole body,
// and a body that is cut short or runs past the limit leaves neither a part nor a temp file behind.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startGatewayServer, type GatewayServer } from './gateway-server.js';

const MAX_PART = 2 * 1024 * 1024;
const md5 = (bytes: Buffer): string => `"${createHash('md5').update(bytes).digest('hex')}"`;

/** Resolves once `check` holds; fails with `what` if it still does not after a generous while. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`still not the case: ${what}`);
}

/** Writes `chunk`, waiting for the socket to take it when it is full. */
async function send(req: ClientRequest, chunk: Buffer): Promise<void> {
  if (!req.write(chunk)) await once(req, 'drain');
}

async function readJson(res: IncomingMessage): Promise<{ code?: unknown }> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: unknown };
}

// Both ways a body can be hashed: on MD5 threads (the server's default) and on the event loop.
for (const md5Threads of [2, 0]) describe(`upload gateway streaming, ${md5Threads ? `${md5Threads} MD5 threads` : 'MD5 on the event loop'}`, () => {
  let server: GatewayServer;
  let counter = 0;
  const tmpFiles = (): string[] => readdirSync(join(server.root, 'tmp'));

  async function partUrl(): Promise<{ key: string; uploadId: string; url: URL }> {
    const key = `streaming/${++counter}.bin`;
    const uploadId = await server.store.createMultipart(key);
    return { key, uploadId, url: new URL(await server.store.presignPart(key, uploadId, 1, 300)) };
  }

  before(async () => {
    server = await startGatewayServer({ minPartSize: 16, maxPartBytes: MAX_PART, md5Threads });
  });
  after(async () => server.close());

  test('a part streamed in many small chunks gets the MD5 of the whole body and is stored byte for byte', async () => {
    const { key, uploadId, url } = await partUrl();
    const body = randomBytes(MAX_PART - 12345);
    // Chunked, without Content-Length, in pieces of 1 to 1,000 bytes, each its own write.
    const req = request(url, { method: 'PUT', headers: { 'content-type': 'video/webm' } });
    const answered = new Promise<IncomingMessage>((resolve, reject) => req.once('response', resolve).once('error', reject));
    let chunks = 0;
    for (let at = 0; at < body.length; chunks++) {
      const size = 1 + ((at * 7919) % 1000);
      await send(req, body.subarray(at, at + size));
      at += size;
    }
    req.end();
    const res = await answered;
    res.resume();
    assert.ok(chunks > 1000, `${chunks} chunks`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.etag, md5(body));
    assert.deepEqual((await server.store.listParts(key, uploadId)).map((part) => ({ size: part.size, etag: part.etag })), [{ size: body.length, etag: md5(body) }]);

    const done = await server.store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: md5(body) }]);
    assert.equal(done.size, body.length);
    const stored: Buffer[] = [];
    for await (const chunk of await server.store.get(key)) stored.push(chunk as Buffer);
    assert.ok(Buffer.concat(stored).equals(body), 'the object holds exactly the bytes sent');
    assert.deepEqual(tmpFiles(), []);
  });

  test('a body cut midway leaves no part and no temp file, and the part can be sent again', async () => {
    const { key, uploadId, url } = await partUrl();
    const body = randomBytes(MAX_PART);
    const req = request(url, { method: 'PUT', headers: { 'content-length': String(body.length) } });
    req.on('error', () => undefined);
    await send(req, body.subarray(0, MAX_PART / 2));
    // The server is writing the part: its temp file exists. Then the connection drops.
    await until(() => tmpFiles().length === 1, 'the part is being written to a temp file');
    req.destroy();

    await until(() => tmpFiles().length === 0, 'the temp file of the cut part is removed');
    assert.deepEqual(await server.store.listParts(key, uploadId), []);
    assert.deepEqual(readdirSync(join(server.root, 'uploads', uploadId)), ['upload.json']);

    const again = await fetch(url, { method: 'PUT', body });
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('etag'), md5(body));
    assert.equal((await server.store.listParts(key, uploadId))[0]?.size, body.length);
  });

  test('a body without Content-Length that never ends is refused with 413 at the limit and leaves nothing', async () => {
    const { key, uploadId, url } = await partUrl();
    const req = request(url, { method: 'PUT' });
    req.on('error', () => undefined);
    let answer: IncomingMessage | undefined;
    const answered = new Promise<IncomingMessage>((resolve) => req.once('response', (res: IncomingMessage) => resolve((answer = res))));
    // The body goes on for as long as the server reads it: only a refusal at the limit stops it.
    const chunk = randomBytes(64 * 1024);
    let sent = 0;
    const writing = (async () => {
      while (!answer && !req.destroyed) {
        // A server that ignored the limit would read all of this and answer 200.
        if (sent >= 8 * MAX_PART) return void req.end();
        await Promise.race([send(req, chunk), answered]).catch(() => undefined);
        sent += chunk.length;
      }
    })();
    const res = await answered;
    assert.equal(res.statusCode, 413);
    assert.equal(res.headers.connection, 'close');
    assert.equal((await readJson(res)).code, 'payload_too_large');
    assert.ok(sent > MAX_PART, 'the server read up to the limit before refusing');
    req.destroy();
    await writing;

    assert.deepEqual(tmpFiles(), [], 'the refusal is sent after the temp file is gone');
    assert.deepEqual(await server.store.listParts(key, uploadId), []);
    assert.deepEqual(readdirSync(join(server.root, 'uploads', uploadId)), ['upload.json']);
  });
});
