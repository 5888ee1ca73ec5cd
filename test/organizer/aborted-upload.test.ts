// A client that leaves in the middle of a multipart upload: uploads are all or nothing, so the files
// that had fully arrived before it left must not stay on disk (they used to, until the orphaned-blob
// sweep an hour later: a client's reset connection was taken for a lost database, whose commit may
// have gone through).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { makeOrg, type TestOrg } from '../helpers/org.js';
import { storedFiles } from './helpers.js';
import { startServer, type TestServer } from '../helpers/server.js';

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends two whole files and part of a third, then `leave`s: a reset, or a half-close with the body cut short. */
async function uploadAndLeave(ts: TestServer, org: TestOrg, leave: 'reset' | 'end'): Promise<void> {
  const boundary = 'capstan-test-boundary';
  const part = (name: string) => `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const whole = (name: string, size: number) => Buffer.concat([Buffer.from(part(name)), Buffer.alloc(size, 0x61), Buffer.from('\r\n')]);
  const body = Buffer.concat([whole('one.bin', 300_000), whole('two.bin', 300_000), Buffer.from(part('three.bin')), Buffer.alloc(100_000, 0x62)]);
  const { port } = new URL(ts.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  socket.write(`POST /api/v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\ncapout-api-key: ${org.apiKey}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length + 1_000_000}\r\n\r\n`);
  await new Promise<void>((resolve) => socket.write(body, () => resolve()));
  // The server has stored the two whole files before the client leaves.
  await eventually(async () => (await storedFiles(ts, org)) >= 2, 'the whole files to be stored');
  if (leave === 'reset') socket.resetAndDestroy();
  else socket.end();
}

describe('organizer: a client that leaves mid-upload', () => {
  let ts: TestServer;
  before(async () => {
    ts = await startServer();
  });
  after(() => ts.close());

  for (const leave of ['reset', 'end'] as const) {
    test(`(${leave}) leaves no file behind, listed or stored`, async () => {
      const org = await makeOrg(ts);
      await uploadAndLeave(ts, org, leave);
      await eventually(async () => (await storedFiles(ts, org)) === 0, 'the stored files to be removed');
      const listed = await org.call('GET', '/api/v1/files');
      assert.deepEqual(listed.body.files, []);
    });
  }
});
