// A request whose body is still arriving when the shutdown grace ends is answered, not reset: 503
// draining with Connection: close, written before its connection closes, and nothing of it is kept
// (no document, no charge, no part). Against a real `capstan serve`, with slow raw-socket clients.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { rawConnect, type RawConnection } from './helpers/raw-http.js';
import { ServeProcess } from './helpers/serve-process.js';
import { tempDir } from './helpers/server.js';
import { createVideo, makeApp } from './helpers/videos.js';

const ADMIN = 'shutdown-bodies-admin-token-8c2e4a';
const dataDir = tempDir();
const servers: ServeProcess[] = [];
after(async () => {
  for (const server of servers) await server.stop();
});

function serve(): ServeProcess {
  const server = ServeProcess.start(dataDir, ADMIN, { CAPSTAN_SHUTDOWN_GRACE_MS: '1000', CAPSTAN_TRANSCRIBER: 'none' });
  servers.push(server);
  return server;
}

function admin(url: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
  };
}

/** Sends `head` and the first bytes of a body declared far larger, then a little more every 50 ms. */
async function slowBody(url: string, head: string, first: Buffer): Promise<{ conn: RawConnection; stop: () => void }> {
  const conn = await rawConnect(url);
  conn.socket.on('error', () => undefined);
  conn.write(head);
  conn.write(first);
  const timer = setInterval(() => {
    if (!conn.socket.destroyed && conn.socket.writable) conn.write(Buffer.alloc(1024, 0x41));
  }, 50);
  return { conn, stop: () => clearInterval(timer) };
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('uploads still arriving when the grace ends get 503 draining with Connection: close, and nothing of them is kept', async () => {
  const first = serve();
  const url = await first.url();
  const call = admin(url);
  const org = await call('POST', '/orgs', { name: 'slow uploads', credits_micro: 1_000_000 });
  assert.equal(org.status, 201);
  const orgId = org.body.id as string;
  const app = await makeApp({ url, admin: call }, { orgId });
  const videoId = await createVideo(app);
  const initiated = await app.sdk('/upload/multipart/initiate', { videoId, contentType: 'video/mp4' });
  const uploadId = initiated.body.uploadId as string;
  const presigned = await app.sdk('/upload/multipart/presign-part', { videoId, uploadId, partNumber: 1 });
  const partUrl = new URL(presigned.body.presignedUrl as string);
  const host = new URL(url).host;
  const declared = 4 * 1024 * 1024;

  const upload = await slowBody(url,
    `POST /upload HTTP/1.1\r\nHost: ${host}\r\ncapout-api-key: ${org.body.api_key as string}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
    Buffer.from(`{"file_name":"slow.pdf","file_base64":"${'A'.repeat(64 * 1024)}`));
  const part = await slowBody(url,
    `PUT ${partUrl.pathname}${partUrl.search} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${declared}\r\n\r\n`,
    Buffer.alloc(64 * 1024, 0x41));
  try {
    // Both bodies are being read (the part's route is streaming it to the store) when the signal comes.
    await delay(300);
    first.child.kill('SIGTERM');
    for (const [what, { conn }] of [['POST /upload', upload], ['the part PUT', part]] as const) {
      const res = await conn.response(10_000);
      assert.equal(res.status, 503, `${what}: ${res.body}`);
      assert.equal(JSON.parse(res.body).code, 'draining', what);
      assert.equal(res.headers.connection, 'close', what);
    }
  } finally {
    upload.stop();
    part.stop();
  }
  assert.ok(await upload.conn.closed(5000));
  assert.ok(await part.conn.closed(5000));
  assert.equal(await first.exited, 0);

  // Nothing half-stored: no part under the upload, no charge, no document.
  const partFiles = filesUnder(join(dataDir, 'blobs')).filter((f) => f.includes(uploadId) && !f.endsWith('upload.json'));
  assert.deepEqual(partFiles, [], 'no part of the cut upload is kept');
  assert.deepEqual(filesUnder(join(dataDir, 'blobs', 'tmp')), [], 'no write in progress is left behind');
  const second = serve();
  const again = admin(await second.url());
  const ledger = await again('GET', `/orgs/${orgId}/ledger`);
  assert.equal(ledger.status, 200);
  const after = await again('GET', `/orgs/${orgId}`);
  assert.equal(after.body.credits_micro, 1_000_000, `nothing was charged: ${JSON.stringify(ledger.body)}`);
  assert.equal(await second.stop(), 0);
});
