// What the local store leaves on disk: keys never become paths, every write lands whole or not at
// all, and finished, aborted, expired or interrupted uploads leave nothing behind.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BlobError, LocalDiskBlobStore, PartUrlSigner } from '../../src/blobs/index.js';
import { DependencyUnavailable } from '../../src/util/dependency-unavailable.js';
import { tempDir } from '../helpers/server.js';

const HOUR = 3600_000;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** A body that delivers some bytes, then fails as a dropped connection would. */
function brokenBody(): Readable {
  return new Readable({
    read() {
      this.push(Buffer.alloc(100, 1));
      this.destroy(new Error('connection reset'));
    },
  });
}

describe('local disk store on disk', () => {
  let dir: string;
  let root: string;
  const storeAt = (offsetMs = 0): LocalDiskBlobStore => {
    const now = (): number => Date.now() + offsetMs;
    const signer = new PartUrlSigner({ secret: 'local-disk-test-secret-0123456789abcdef', publicUrl: () => 'http://127.0.0.1:1', now });
    return new LocalDiskBlobStore({ root, signer, minPartSize: 16, clock: now });
  };
  const files = (sub: string): string[] => walk(join(root, sub)).map((path) => relative(join(root, sub), path));

  before(() => {
    dir = tempDir('capstan-local-blobs-');
    root = join(dir, 'blobs');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('ping writes a file and removes it: true while the folder takes writes, false once it cannot', async () => {
    const store = storeAt();
    assert.equal(await store.ping(), true);
    assert.deepEqual(files('tmp'), [], 'the ping file is removed');
    // The temp folder turned into something no file can be made in (as a full or read-only disk is).
    rmSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp'), 'not a folder');
    assert.equal(await store.ping(), false);
    rmSync(join(root, 'tmp'));
    mkdirSync(join(root, 'tmp'));
    assert.equal(await store.ping(), true);
  });

  test('a store folder removed while the server runs comes back with the next write; a file in its place is the file store unavailable', async () => {
    const store = storeAt();
    await store.put('folders/a.txt', Buffer.from('a'));
    rmSync(root, { recursive: true });
    await store.put('folders/b.txt', Buffer.from('b'));
    assert.equal((await store.stat('folders/b.txt'))?.size, 1);
    const uploadId = await store.createMultipart('folders/c.bin');
    rmSync(join(root, 'tmp'), { recursive: true });
    await store.uploadPart('folders/c.bin', uploadId, 1, Buffer.from('c'));
    rmSync(root, { recursive: true });
    writeFileSync(root, 'a file where the folder was');
    for (const write of [() => store.put('folders/d.txt', Buffer.from('d')), () => store.createMultipart('folders/e.bin')]) {
      await assert.rejects(write(), (e: unknown) => e instanceof DependencyUnavailable);
    }
    rmSync(root);
  });

  test('a key is never a path: dots, slashes and odd characters stay inside the root', async () => {
    const store = storeAt();
    for (const key of ['../../escape.txt', '/etc/passwd', 'a/../../b', 'ünï cödé/🚀', './.', 'x'.repeat(1024)]) {
      await store.put(key, Buffer.from(key));
      assert.equal((await readAll(await store.get(key))).toString(), key);
    }
    assert.deepEqual(readdirSync(dir), ['blobs']);
    for (const key of ['', 'x'.repeat(1025), 'line\nbreak', 'nul\u0000']) {
      await assert.rejects(store.put(key, Buffer.from('x')), (e: unknown) => e instanceof BlobError && e.code === 'InvalidArgument');
    }
  });

  test('overwrites and concurrent puts leave exactly one version of the object', async () => {
    const store = storeAt();
    const key = 'versions/one.bin';
    const bodies = Array.from({ length: 12 }, (_, i) => Buffer.alloc(100 + i, i));
    await Promise.all(bodies.map((body) => store.put(key, body)));
    const stat = await store.stat(key);
    const content = await readAll(await store.get(key));
    assert.equal(stat?.etag, `"${createHash('md5').update(content).digest('hex')}"`, 'manifest and bytes agree');
    assert.equal(stat?.size, content.length);
    const hashed = createHash('sha256').update(key).digest('hex');
    assert.equal(files('objects').filter((f) => f.includes(hashed)).length, 2, 'one manifest, one version file');
    await store.delete(key);
    assert.equal(files('objects').filter((f) => f.includes(hashed)).length, 0);
  });

  test('a body that fails half-way leaves no object, no part and no temp file', async () => {
    const store = storeAt();
    await assert.rejects(store.put('broken/object', brokenBody()), /connection reset/);
    assert.equal(await store.exists('broken/object'), false);
    const uploadId = await store.createMultipart('broken/upload');
    await assert.rejects(store.uploadPart('broken/upload', uploadId, 1, brokenBody()), /connection reset/);
    assert.deepEqual(await store.listParts('broken/upload', uploadId), []);
    assert.deepEqual(files('tmp'), []);
    await store.abortMultipart('broken/upload', uploadId);
  });

  test('complete and abort remove the upload folder; replaced parts leave no file behind', async () => {
    const store = storeAt();
    const key = 'uploads/done.bin';
    const uploadId = await store.createMultipart(key);
    await store.uploadPart(key, uploadId, 1, Buffer.alloc(16, 1));
    const etag1 = await store.uploadPart(key, uploadId, 1, Buffer.alloc(16, 2));
    const etag2 = await store.uploadPart(key, uploadId, 2, Buffer.alloc(3, 3));
    assert.equal(files(`uploads/${uploadId}`).length, 5, 'upload.json, and a manifest and a file per part');
    await store.completeMultipart(key, uploadId, [{ partNumber: 1, etag: etag1 }, { partNumber: 2, etag: etag2 }]);
    assert.deepEqual(await readAll(await store.get(key)), Buffer.concat([Buffer.alloc(16, 2), Buffer.alloc(3, 3)]));

    const aborted = await store.createMultipart(key);
    await store.uploadPart(key, aborted, 1, Buffer.alloc(16, 1));
    await store.abortMultipart(key, aborted);
    assert.deepEqual(readdirSync(join(root, 'uploads')), []);
    assert.deepEqual(files('tmp'), []);
  });

  test('expiry deletes abandoned parts from disk, crashed creates and stale temp files included', async () => {
    const store = storeAt();
    const uploadId = await store.createMultipart('abandoned/video.mp4', 'video/mp4');
    await store.uploadPart('abandoned/video.mp4', uploadId, 1, Buffer.alloc(16));
    await store.uploadPart('abandoned/video.mp4', uploadId, 2, Buffer.alloc(4));
    const crashed = randomBytes(16).toString('hex');
    mkdirSync(join(root, 'uploads', crashed));
    await store.put('kept/object', Buffer.from('stays'));
    writeFileSync(join(root, 'tmp', 'interrupted-write'), 'half a part');

    assert.deepEqual(await store.expireAbandoned(HOUR, { prefixes: ['abandoned/'] }), [], 'nothing is an hour old yet');
    assert.deepEqual(files('tmp'), ['interrupted-write']);
    const expired = await storeAt(2 * HOUR).expireAbandoned(HOUR, { prefixes: ['abandoned/'] });
    assert.deepEqual(expired.map(({ key, uploadId: id }) => ({ key, uploadId: id })), [{ key: 'abandoned/video.mp4', uploadId }]);
    assert.deepEqual(readdirSync(join(root, 'uploads')), []);
    assert.deepEqual(files('tmp'), []);
    assert.equal((await readAll(await store.get('kept/object'))).toString(), 'stays', 'objects are not touched');
  });

  test('expiry removes versions a crash left beside the manifests, never the current one', async () => {
    const store = storeAt();
    const shardOf = (key: string) => {
      const name = createHash('sha256').update(key).digest('hex');
      return { name, dir: join(root, 'objects', name.slice(0, 2)) };
    };
    // What a process killed mid-put leaves: the new bytes moved in beside a manifest still naming the
    // old version (kept/single), or beside no manifest at all (a first put of lost/never-committed),
    // and a multipart version's folder whose manifest never came (lost/parts).
    await store.put('kept/single', Buffer.from('current'));
    const kept = shardOf('kept/single');
    const current = readdirSync(kept.dir).find((f) => f.startsWith(`${kept.name}.`) && !f.endsWith('.json'));
    assert.ok(current);
    cpSync(join(kept.dir, current), join(kept.dir, `${kept.name}.${randomBytes(12).toString('hex')}`));
    const lost = shardOf('lost/never-committed');
    mkdirSync(lost.dir, { recursive: true });
    writeFileSync(join(lost.dir, `${lost.name}.${randomBytes(12).toString('hex')}`), 'a whole video, unreachable');
    const parts = shardOf('lost/parts');
    const folder = join(parts.dir, `${parts.name}.${randomBytes(12).toString('hex')}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, '1'), 'segment');
    const strays = () => files('objects').filter((f) => [lost.name, parts.name].some((n) => f.includes(n)) || (f.includes(kept.name) && !f.endsWith('.json') && !f.endsWith(current)));
    assert.equal(strays().length, 3);

    await store.expireAbandoned(HOUR, { prefixes: ['abandoned/'] });
    assert.equal(strays().length, 3, 'nothing is an hour old yet (a version may be on its way in)');
    await storeAt(2 * HOUR).expireAbandoned(HOUR, { prefixes: ['abandoned/'] });
    assert.deepEqual(strays(), [], 'the stray versions are gone, whatever the prefixes');
    assert.equal((await readAll(await store.get('kept/single'))).toString(), 'current', 'the current version stays');
    assert.equal(files('objects').filter((f) => f.includes(kept.name)).length, 2, 'one manifest, one version file');
  });
});

