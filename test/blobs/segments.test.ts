// A completed multipart upload keeps its parts as the object's segments (hard links, no copy): every
// range reads the right bytes across part boundaries, deletes and overwrites leave no segment behind,
// a reader never gets another version's bytes, and a file system without hard links gets a copy.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BlobError, LocalDiskBlobStore, PartUrlSigner } from '../../src/blobs/index.js';
import { segmentSlices } from '../../src/blobs/segments.js';
import { DependencyUnavailable } from '../../src/util/dependency-unavailable.js';
import { tempDir } from '../helpers/server.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Every file under `dir` (folders walked), with its inode. */
function filesUnder(dir: string): { name: string; ino: number }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const info = statSync(path);
    return info.isDirectory() ? filesUnder(path).map((file) => ({ ...file, name: `${name}/${file.name}` })) : [{ name, ino: info.ino }];
  });
}

const objectFiles = (root: string) => filesUnder(join(root, 'objects'));

test('segment slices: every inclusive range maps onto the right offsets of the right segments', () => {
  const sizes = [5, 0, 3, 7, 1];
  const segments = sizes.map((size, i) => ({ file: `s${i}`, size }));
  // The object as segment-and-offset per byte.
  const bytes = segments.flatMap((segment) => Array.from({ length: segment.size }, (_, at) => `${segment.file}:${at}`));
  for (let start = 0; start < bytes.length; start++) {
    for (let end = start; end < bytes.length; end++) {
      const read = segmentSlices(segments, start, end).flatMap((slice) => {
        assert.ok(slice.start <= slice.end, 'no empty slice');
        return Array.from({ length: slice.end - slice.start + 1 }, (_, i) => `${slice.file}:${slice.start + i}`);
      });
      assert.deepEqual(read, bytes.slice(start, end + 1), `range ${start}-${end}`);
    }
  }
  assert.deepEqual(segmentSlices(segments, 0, -1), [], 'an empty object has nothing to read');
});

describe('multipart objects as segments', () => {
  let dir: string;
  let root: string;
  let counter = 0;
  const signer = new PartUrlSigner({ secret: 'segments-test-secret-0123456789abcdefgh', publicUrl: () => 'http://127.0.0.1:1' });
  const storeWith = (link?: (existing: string, newPath: string) => Promise<void>): LocalDiskBlobStore => new LocalDiskBlobStore({ root, signer, minPartSize: 16, ...(link ? { link } : {}) });

  /** Uploads `parts` as a multipart upload of a new key; the part files' inodes before complete. */
  async function upload(store: LocalDiskBlobStore, parts: readonly Buffer[]): Promise<{ key: string; uploadId: string; etags: string[]; inodes: number[] }> {
    const key = `videos/${++counter}/source`;
    const uploadId = await store.createMultipart(key, 'video/mp4');
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) etags.push(await store.uploadPart(key, uploadId, i + 1, part));
    const folder = join(root, 'uploads', uploadId);
    const inodes = readdirSync(folder).filter((name) => /^\d+\.[0-9a-f]+$/.test(name)).sort((a, b) => Number(a.split('.')[0]) - Number(b.split('.')[0])).map((name) => statSync(join(folder, name)).ino);
    return { key, uploadId, etags, inodes };
  }
  const complete = (store: LocalDiskBlobStore, u: { key: string; uploadId: string; etags: string[] }) => store.completeMultipart(u.key, u.uploadId, u.etags.map((etag, i) => ({ partNumber: i + 1, etag })));

  before(() => {
    dir = tempDir('capstan-segments-');
    root = join(dir, 'blobs');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('complete links the parts instead of copying them, and any range reads across their boundaries', async () => {
    const store = storeWith();
    const parts = [randomBytes(70_000), randomBytes(16), randomBytes(150_001), randomBytes(9)];
    const whole = Buffer.concat(parts);
    const u = await upload(store, parts);
    const before = new Set(objectFiles(root).map((file) => file.name));
    const done = await complete(store, u);
    assert.equal(done.size, whole.length);
    const added = objectFiles(root).filter((file) => !before.has(file.name));
    // The manifest and one file per part, each the very file the part was written to.
    assert.equal(added.length, parts.length + 1);
    assert.deepEqual(added.filter((file) => !file.name.endsWith('.json')).sort((a, b) => Number(a.name.split('/').at(-1)) - Number(b.name.split('/').at(-1))).map((file) => file.ino), u.inodes);

    assert.ok((await readAll(await store.get(u.key))).equals(whole));
    const edges = [0, 1, 69_999, 70_000, 70_015, 70_016, 70_017, 220_016, 220_017, whole.length - 1];
    for (const start of edges) {
      for (const end of [...edges, undefined]) {
        if (end !== undefined && end < start) continue;
        const expected = whole.subarray(start, end === undefined ? undefined : end + 1);
        assert.ok((await readAll(await store.get(u.key, end === undefined ? { start } : { start, end }))).equals(expected), `range ${start}-${end ?? ''}`);
      }
    }
    // S3's rules hold across segments too: an end past the object is clamped, a start past it refused.
    assert.ok((await readAll(await store.get(u.key, { start: whole.length - 3, end: whole.length + 100 }))).equals(whole.subarray(-3)));
    await assert.rejects(store.get(u.key, { start: whole.length }), (e) => e instanceof BlobError && e.code === 'InvalidRange');
    assert.equal((await store.stat(u.key))?.size, whole.length);
  });

  test('one part becomes the object\'s file, linked, with nothing copied', async () => {
    const store = storeWith();
    const part = randomBytes(40_000);
    const u = await upload(store, [part]);
    await complete(store, u);
    assert.ok((await readAll(await store.get(u.key))).equals(part));
    assert.ok(objectFiles(root).some((file) => file.ino === u.inodes[0]));
  });

  test('delete and overwrite remove every segment; nothing is left but what the current version names', async () => {
    const store = storeWith();
    const u = await upload(store, [randomBytes(20), randomBytes(30), randomBytes(5)]);
    const baseline = objectFiles(root).length;
    await complete(store, u);
    assert.equal(objectFiles(root).length, baseline + 4);
    await store.put(u.key, Buffer.from('replaced'));
    assert.equal(objectFiles(root).length, baseline + 2, 'the manifest and the one file of the new version');
    assert.equal((await readAll(await store.get(u.key))).toString(), 'replaced');

    // The same key completed again from another upload: the put's file gives way to two segments.
    const other = await store.createMultipart(u.key);
    const etags = [await store.uploadPart(u.key, other, 1, randomBytes(16)), await store.uploadPart(u.key, other, 2, randomBytes(3))];
    await store.completeMultipart(u.key, other, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
    assert.equal(objectFiles(root).length, baseline + 3);
    await store.delete(u.key);
    assert.equal(objectFiles(root).length, baseline);
    assert.deepEqual(readdirSync(join(root, 'uploads')), []);
  });

  test('a reader never gets another version\'s bytes: a segment gone mid-read ends the stream with NoSuchKey', async () => {
    const store = storeWith();
    const parts = [randomBytes(300_000), randomBytes(300_000), randomBytes(300_000)];
    const u = await upload(store, parts);
    await complete(store, u);
    const stream = await store.get(u.key);
    const received: Buffer[] = [];
    let failure: unknown;
    const reading = (async () => {
      try {
        for await (const chunk of stream) {
          received.push(chunk as Buffer);
          if (received.length === 1) await store.put(u.key, randomBytes(900_000));
        }
      } catch (e) {
        failure = e;
      }
    })();
    await reading;
    const got = Buffer.concat(received);
    // The first segment was open before the put: read whole. The second was gone when the read reached it.
    assert.ok(got.equals(parts[0]!), 'every byte read is the old object\'s first part, in place');
    assert.ok(failure instanceof BlobError && failure.code === 'NoSuchKey', String(failure));
    assert.match(failure.message, /replaced or deleted while it was being read/);
    assert.equal((await readAll(await store.get(u.key))).length, 900_000, 'the new version reads whole');
  });

  test('a read abandoned before its first byte closes the file it opened', async () => {
    const store = storeWith();
    const u = await upload(store, [randomBytes(20), randomBytes(20)]);
    await complete(store, u);
    const fds = () => readdirSync('/proc/self/fd').length;
    const opened = fds();
    for (let i = 0; i < 50; i++) (await store.get(u.key)).destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(fds() <= opened, `no descriptor left open by the abandoned reads (${fds()} against ${opened})`);
  });

  test('links made by a complete that never finished sit under tmp/, where expiry sweeps them, not beside any manifest', async () => {
    let calls = 0;
    let stalled = (): void => undefined;
    // The second link never returns: the process dies there, as far as the store can tell.
    const dying = storeWith(async (existing, newPath) => {
      if (++calls === 2) return new Promise<void>((resolve) => (stalled = resolve));
      const { link } = await import('node:fs/promises');
      await link(existing, newPath);
    });
    const parts = [randomBytes(40), randomBytes(50), randomBytes(9)];
    const u = await upload(dying, parts);
    const before = objectFiles(root).length;
    const hanging = complete(dying, u);
    while (calls < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(objectFiles(root).length, before, 'nothing of the complete is beside the manifests');
    assert.equal(filesUnder(join(root, 'tmp')).length, 1, 'the one link made waits under tmp/');
    // After the crash, expiry of what is older than a moment clears tmp/; the upload completes again.
    const fresh = new LocalDiskBlobStore({ root, signer, minPartSize: 16, clock: () => Date.now() + 60_000 });
    await fresh.expireAbandoned(30_000, { prefixes: ['nothing-to-expire/'] });
    assert.deepEqual(filesUnder(join(root, 'tmp')), []);
    await complete(storeWith(), u);
    assert.ok((await readAll(await fresh.get(u.key))).equals(Buffer.concat(parts)));
    stalled();
    await hanging.catch(() => undefined);
  });

  test('without hard links the parts are copied into one file; any other link failure leaves the upload to complete again', async () => {
    const noLinks = storeWith(async () => {
      throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    });
    const parts = [randomBytes(25), randomBytes(30), randomBytes(7)];
    const u = await upload(noLinks, parts);
    const baseline = objectFiles(root).length;
    await complete(noLinks, u);
    assert.equal(objectFiles(root).length, baseline + 2, 'a manifest and one copied file');
    assert.ok((await readAll(await noLinks.get(u.key))).equals(Buffer.concat(parts)));

    let calls = 0;
    const failing = storeWith(async (existing, newPath) => {
      // The second link fails as a disk error would: what the first made is taken back.
      if (++calls === 2) throw Object.assign(new Error('input/output error'), { code: 'EIO' });
      const { link } = await import('node:fs/promises');
      await link(existing, newPath);
    });
    const v = await upload(failing, parts);
    const before = objectFiles(root).length;
    // A failing disk is the file store unavailable (503, retried), with the disk's error as its cause.
    await assert.rejects(complete(failing, v), (e: unknown) => e instanceof DependencyUnavailable && /input\/output error/.test(String(e.cause)));
    assert.equal(objectFiles(root).length, before, 'no segment of the failed complete is left');
    await complete(storeWith(), v);
    assert.ok((await readAll(await failing.get(v.key))).equals(Buffer.concat(parts)));
  });
});
