// MD5 on worker threads: every body's digest is the MD5 of its bytes whatever the batching and however
// many bodies are fed at once, abandoned bodies are forgotten, and idle threads never hold the process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { Md5ThreadError, Md5Threads, inlineMd5, type Md5Digester } from '../../src/blobs/md5-threads.js';
import { writeTemp } from '../../src/blobs/local-files.js';
import { tempDir } from '../helpers/server.js';

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** Feeds `body` to `digester` in batches of pseudo-random sizes (seeded), some of several chunks. */
async function feed(digester: Md5Digester, body: Buffer, seed: number): Promise<string> {
  let at = 0;
  let x = seed;
  while (at < body.length) {
    const chunks: Buffer[] = [];
    const count = 1 + (x % 4);
    for (let i = 0; i < count && at < body.length; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const size = x % 3 === 0 ? 0 : 1 + (x % 70_000);
      chunks.push(body.subarray(at, at + size));
      at += size;
    }
    await digester.update(chunks);
  }
  return (await digester.digest()).toString('hex');
}

test('bodies fed at once, interleaved over two threads, each get the MD5 of their own bytes', async () => {
  const threads = new Md5Threads(2);
  try {
    const bodies = Array.from({ length: 12 }, (_, i) => randomBytes(i * 37_001 + (i % 3)));
    const digests = await Promise.all(bodies.map((body, i) => feed(threads.open(), body, i + 1)));
    assert.deepEqual(digests, bodies.map(md5));
    // An empty body has the MD5 of nothing, on a thread as on this one.
    assert.equal((await threads.open().digest()).toString('hex'), md5(Buffer.alloc(0)));
    assert.equal((await inlineMd5().digest()).toString('hex'), md5(Buffer.alloc(0)));
  } finally {
    await threads.close();
  }
});

test('the bytes fed are copied: changing a chunk after update does not change the digest', async () => {
  const threads = new Md5Threads(1);
  try {
    const chunk = Buffer.from('first bytes');
    const digester = threads.open();
    const pending = digester.update([chunk]);
    chunk.fill(0);
    await pending;
    assert.equal((await digester.digest()).toString('hex'), md5(Buffer.from('first bytes')));
  } finally {
    await threads.close();
  }
});

test('a dropped body is forgotten, and the bodies beside it still finish', async () => {
  const threads = new Md5Threads(1);
  try {
    const kept = threads.open();
    const dropped = threads.open();
    await dropped.update([randomBytes(1000)]);
    dropped.drop();
    dropped.drop();
    const body = randomBytes(200_000);
    assert.equal(await feed(kept, body, 7), md5(body));
  } finally {
    await threads.close();
  }
});

test('closed threads refuse new bodies and fail the ones still being hashed', async () => {
  const threads = new Md5Threads(1);
  const digester = threads.open();
  await digester.update([Buffer.from('x')]);
  await threads.close();
  await assert.rejects(Promise.resolve(digester.digest()), Md5ThreadError);
  assert.throws(() => threads.open(), Md5ThreadError);
  assert.throws(() => new Md5Threads(0), RangeError);
});

test('writeTemp through a thread: the digest of a streamed body, and a body over its limit leaves no file', async () => {
  const threads = new Md5Threads(2);
  const dir = tempDir('capstan-md5-');
  try {
    const body = randomBytes(3 * 1024 * 1024 + 5);
    const chunks = Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) => body.subarray(i * 65_536, (i + 1) * 65_536));
    const temp = await writeTemp(dir, Readable.from(chunks), { md5: threads.open() });
    assert.equal(temp.size, body.length);
    assert.equal(temp.md5.toString('hex'), md5(body));

    const tooLong = new Error('over the limit');
    await assert.rejects(writeTemp(dir, Readable.from(chunks), { md5: threads.open(), limit: { maxBytes: 1024 * 1024, error: () => tooLong } }), (e) => e === tooLong);
    assert.deepEqual(readdirSync(dir), [temp.path.slice(dir.length + 1)]);
  } finally {
    await threads.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('idle MD5 threads do not keep a process alive', () => {
  const source = join(import.meta.dirname, '../../src/blobs/md5-threads.ts');
  const script = `
    const { Md5Threads } = await import(${JSON.stringify(source)});
    const threads = new Md5Threads(2);
    const d = threads.open();
    await d.update([Buffer.from('abc')]);
    console.log((await d.digest()).toString('hex'));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.error, undefined, 'the process exited by itself');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), md5(Buffer.from('abc')));
});
