// One blob store suite, run against both stores: local disk (part URLs through Capstan's own upload
// gateway on a real server) and S3 (s3rver, a real S3-compatible server started here). Where s3rver
// does not implement a piece of S3, the test says so in its skip reason instead of passing vacuously.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BlobError, type BlobErrorCode, type BlobStore } from '../../src/blobs/index.js';
import { S3BlobStore } from '../../src/blobs/s3.js';
import { multipartEtag } from '../../src/blobs/etags.js';
import { startS3 } from '../helpers/s3.js';
import { startGatewayServer } from './gateway-server.js';

const MIN_PART = 64;
const HOUR = 3600_000;

interface Harness {
  readonly store: BlobStore;
  /** The same backing store seen from a clock shifted by `offsetMs` (signing time, upload age). */
  shifted(offsetMs: number): BlobStore;
  close(): Promise<void>;
}

/** Behaviour a backend may lack; each value is the reason the tests needing it are skipped. */
type Gaps = Partial<
  Record<'rangeEndZero' | 'signature' | 'listParts' | 'abort' | 'listUploads' | 'listPages' | 'completeChecks' | 'completedUploadGone' | 'uploadKeyBinding' | 'unknownUpload' | 'multipartEtag', string>
>;

interface StoreSetup {
  readonly name: string;
  readonly gaps: Gaps;
  open(): Promise<Harness>;
}

// What s3rver 3.7.1 does not implement, found by running this suite against it (see its
// lib/routes.js, lib/controllers/object.js, lib/stores/filesystem.js, lib/middleware/authentication.js).
const S3RVER_GAPS: Gaps = {
  rangeEndZero: 's3rver reads "Range: bytes=0-0" as the whole object (it treats an end of 0 as absent)',
  signature: 's3rver does not verify SigV4 signatures ("Signature version 4 calculation is unimplemented"): a tampered URL is accepted',
  listParts: 's3rver answers ListParts with 405 MethodNotAllowed',
  abort: 's3rver answers AbortMultipartUpload with 405 MethodNotAllowed',
  listUploads: 's3rver answers ListMultipartUploads with 501 NotImplemented',
  listPages: 's3rver answers a truncated ListObjectsV2 page with 500 InternalError: it makes the continuation token with DES, which the OpenSSL 3 of Node 20 no longer provides',
  completeChecks: 's3rver completes without checking ETags or part sizes, and a missing part crashes the s3rver process (unhandled ENOENT)',
  completedUploadGone: 's3rver answers a second complete with 500 InternalError, not NoSuchUpload',
  uploadKeyBinding: 's3rver ignores the key of part uploads and completes into the key the upload was created with',
  unknownUpload: 's3rver accepts parts for an upload id it never issued',
  multipartEtag: 's3rver gives a multipart object the MD5 of its bytes, not S3\'s "<md5 of part md5s>-<n>"',
};

export const STORES: readonly StoreSetup[] = [
  {
    name: 'local disk',
    gaps: {},
    async open() {
      const server = await startGatewayServer({ minPartSize: MIN_PART });
      return { store: server.store, shifted: (offsetMs) => server.shifted(offsetMs), close: () => server.close() };
    },
  },
  {
    name: 's3 (s3rver)',
    gaps: S3RVER_GAPS,
    async open() {
      const s3 = await startS3();
      const opened: S3BlobStore[] = [];
      const storeAt = (offsetMs: number): S3BlobStore => {
        const store = new S3BlobStore({ ...s3, forcePathStyle: true, minPartSize: MIN_PART, clock: () => Date.now() + offsetMs });
        opened.push(store);
        return store;
      };
      return {
        store: storeAt(0),
        shifted: storeAt,
        async close() {
          await Promise.all(opened.map((store) => store.close()));
          await s3.close();
        },
      };
    },
  },
];

const md5 = (bytes: Buffer): string => `"${createHash('md5').update(bytes).digest('hex')}"`;
const bytesOf = (fill: string, size: number): Buffer => Buffer.alloc(size, fill);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const failsWith = (code: BlobErrorCode) => (e: unknown) => {
  assert.ok(e instanceof BlobError, `expected a BlobError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return true;
};

async function putPart(url: string, body: Buffer): Promise<{ status: number; etag: string | null }> {
  const res = await fetch(url, { method: 'PUT', body: new Uint8Array(body) });
  await res.arrayBuffer();
  return { status: res.status, etag: res.headers.get('etag') };
}

for (const setup of STORES) {
  describe(`blob store on ${setup.name}`, () => {
    let harness: Harness;
    let store: BlobStore;
    const prefix = `t-${randomBytes(4).toString('hex')}`;
    const key = (name: string): string => `${prefix}/${name}`;

    /** An upload with parts already in place (server-side uploads); returns what complete needs. */
    async function uploadWith(name: string, contents: readonly Buffer[]) {
      const k = key(name);
      const uploadId = await store.createMultipart(k, 'application/octet-stream');
      const parts = [];
      for (const [i, body] of contents.entries()) parts.push({ partNumber: i + 1, etag: await store.uploadPart(k, uploadId, i + 1, body) });
      return { k, uploadId, parts };
    }

    before(async () => {
      harness = await setup.open();
      store = harness.store;
    });
    after(async () => harness.close());

    test('put, stat, get, exists and delete', async () => {
      const k = key('objects/hello.txt');
      const body = Buffer.from('hello, blobs');
      const put = await store.put(k, body, { contentType: 'text/plain' });
      assert.deepEqual(put, { etag: md5(body), size: body.length });
      const stat = await store.stat(k);
      assert.equal(stat?.size, body.length);
      assert.equal(stat?.etag, md5(body));
      assert.equal(stat?.contentType, 'text/plain');
      assert.ok(stat?.lastModified instanceof Date);
      assert.deepEqual(await readAll(await store.get(k)), body);
      assert.equal(await store.exists(k), true);
      await store.delete(k);
      assert.equal(await store.stat(k), undefined);
      assert.equal(await store.exists(k), false);
      await store.delete(k);
      await assert.rejects(store.get(k), failsWith('NoSuchKey'));
    });

    test('a stream of unknown length, an empty object and an overwrite', async () => {
      const k = key('objects/stream.bin');
      const chunks = [bytesOf('a', 1000), bytesOf('b', 1), bytesOf('c', 4096)];
      const put = await store.put(k, Readable.from(chunks));
      assert.deepEqual(put, { etag: md5(Buffer.concat(chunks)), size: 5097 });
      assert.deepEqual(await readAll(await store.get(k)), Buffer.concat(chunks));
      await store.put(k, Buffer.from('short'));
      assert.equal((await store.stat(k))?.etag, md5(Buffer.from('short')));
      assert.equal((await readAll(await store.get(k))).toString(), 'short');
      const empty = key('objects/empty');
      assert.equal((await store.put(empty, Buffer.alloc(0))).size, 0);
      assert.equal((await readAll(await store.get(empty))).length, 0);
    });

    test('byte ranges are inclusive, clamped at the end, refused past it', async () => {
      const k = key('objects/range.txt');
      await store.put(k, Buffer.from('abcdefghij'));
      const read = async (start: number, end?: number) => (await readAll(await store.get(k, end === undefined ? { start } : { start, end }))).toString();
      assert.equal(await read(2, 4), 'cde');
      assert.equal(await read(7), 'hij');
      assert.equal(await read(8, 100), 'ij');
      await assert.rejects(store.get(k, { start: 10 }), failsWith('InvalidRange'));
      await assert.rejects(store.get(k, { start: 5, end: 2 }), failsWith('InvalidArgument'));
      await assert.rejects(store.get(k, { start: -1 }), failsWith('InvalidArgument'));
    });

    test('a range ending at byte 0 is the first byte', { skip: setup.gaps.rangeEndZero }, async () => {
      const k = key('objects/first-byte.txt');
      await store.put(k, Buffer.from('abc'));
      assert.equal((await readAll(await store.get(k, { start: 0, end: 0 }))).toString(), 'a');
    });

    test('multipart: three parts PUT to presigned URLs, completed with the ETags from the responses', async () => {
      const k = key('videos/clip.mp4');
      const uploadId = await store.createMultipart(k, 'video/mp4');
      const contents = [bytesOf('1', MIN_PART), bytesOf('2', MIN_PART + 10), bytesOf('3', 5)];
      const urls = await Promise.all(contents.map((_, i) => store.presignPart(k, uploadId, i + 1, 300)));
      const responses = await Promise.all(urls.map((url, i) => putPart(url, contents[i] ?? Buffer.alloc(0))));
      for (const [i, res] of responses.entries()) {
        assert.equal(res.status, 200);
        assert.equal(res.etag, md5(contents[i] ?? Buffer.alloc(0)), 'the part ETag is readable from the response');
      }
      const result = await store.completeMultipart(k, uploadId, responses.map((res, i) => ({ partNumber: i + 1, etag: res.etag ?? '' })));
      const whole = Buffer.concat(contents);
      assert.equal(result.size, whole.length);
      assert.deepEqual(await readAll(await store.get(k)), whole);
      const stat = await store.stat(k);
      assert.equal(stat?.size, whole.length);
      assert.equal(stat?.contentType, 'video/mp4');
      assert.deepEqual(await readAll(await store.get(k, { start: MIN_PART - 1, end: MIN_PART })), Buffer.from('12'));
    });

    test('a multipart object has S3\'s ETag: md5 of the part md5s, dash, part count', { skip: setup.gaps.multipartEtag }, async () => {
      const contents = [bytesOf('x', MIN_PART), bytesOf('y', MIN_PART), bytesOf('z', 1)];
      const { k, uploadId, parts } = await uploadWith('etag.bin', contents);
      const result = await store.completeMultipart(k, uploadId, parts);
      const expected = `"${createHash('md5').update(Buffer.concat(contents.map((c) => createHash('md5').update(c).digest()))).digest('hex')}-3"`;
      assert.equal(result.etag, expected);
      assert.equal(multipartEtag(parts.map((p) => p.etag)), expected);
      assert.equal((await store.stat(k))?.etag, expected);
    });

    test('listParts shows each part once, ascending, with its size and ETag', { skip: setup.gaps.listParts }, async () => {
      const contents = [bytesOf('a', MIN_PART), bytesOf('b', 3)];
      const k = key('list.bin');
      const uploadId = await store.createMultipart(k);
      await store.uploadPart(k, uploadId, 2, contents[1] ?? Buffer.alloc(0));
      await store.uploadPart(k, uploadId, 1, contents[0] ?? Buffer.alloc(0));
      const listed = await store.listParts(k, uploadId);
      assert.deepEqual(listed.map(({ partNumber, etag, size }) => ({ partNumber, etag, size })), [
        { partNumber: 1, etag: md5(contents[0] ?? Buffer.alloc(0)), size: MIN_PART },
        { partNumber: 2, etag: md5(contents[1] ?? Buffer.alloc(0)), size: 3 },
      ]);
      await store.abortMultipart(k, uploadId);
    });

    test('a part uploaded again before complete: the last upload wins and its ETag changes', async () => {
      const k = key('reupload.bin');
      const uploadId = await store.createMultipart(k);
      const first = await store.uploadPart(k, uploadId, 1, bytesOf('a', MIN_PART));
      const again = await putPart(await store.presignPart(k, uploadId, 1, 300), bytesOf('b', MIN_PART));
      assert.equal(again.status, 200);
      assert.notEqual(again.etag, first);
      const last = await store.uploadPart(k, uploadId, 2, Buffer.from('end'));
      await store.completeMultipart(k, uploadId, [{ partNumber: 1, etag: again.etag ?? '' }, { partNumber: 2, etag: last }]);
      assert.deepEqual(await readAll(await store.get(k)), Buffer.concat([bytesOf('b', MIN_PART), Buffer.from('end')]));
    });

    test('the replaced ETag of a re-uploaded part no longer completes', { skip: setup.gaps.completeChecks }, async () => {
      const k = key('stale-etag.bin');
      const uploadId = await store.createMultipart(k);
      const stale = await store.uploadPart(k, uploadId, 1, bytesOf('a', 10));
      await store.uploadPart(k, uploadId, 1, bytesOf('b', 10));
      await assert.rejects(store.completeMultipart(k, uploadId, [{ partNumber: 1, etag: stale }]), failsWith('InvalidPart'));
    });

    test('part numbers 0 and 10001 (and non-integers) are refused', async () => {
      const k = key('numbers.bin');
      const uploadId = await store.createMultipart(k);
      for (const partNumber of [0, 10_001, -1, 1.5, Number.NaN]) {
        await assert.rejects(store.presignPart(k, uploadId, partNumber, 300), failsWith('InvalidArgument'));
        await assert.rejects(store.uploadPart(k, uploadId, partNumber, Buffer.from('x')), failsWith('InvalidArgument'));
      }
      for (const expires of [0, 604_801, 2.5]) await assert.rejects(store.presignPart(k, uploadId, 1, expires), failsWith('InvalidArgument'));
      assert.ok(await store.presignPart(k, uploadId, 10_000, 604_800));
    });

    test('an expired presigned URL is refused', async () => {
      const k = key('expired.bin');
      const uploadId = await store.createMultipart(k);
      // Signed two hours ago for one minute.
      const url = await harness.shifted(-2 * HOUR).presignPart(k, uploadId, 1, 60);
      assert.equal((await putPart(url, Buffer.from('late'))).status, 403);
      assert.equal((await putPart(await store.presignPart(k, uploadId, 1, 60), Buffer.from('in time'))).status, 200);
    });

    test('a presigned URL with a tampered signature is refused', { skip: setup.gaps.signature }, async () => {
      const k = key('tampered.bin');
      const uploadId = await store.createMultipart(k);
      const url = new URL(await store.presignPart(k, uploadId, 1, 300));
      const param = url.searchParams.has('signature') ? 'signature' : 'X-Amz-Signature';
      const signature = url.searchParams.get(param) ?? '';
      url.searchParams.set(param, (signature.startsWith('a') ? 'b' : 'a') + signature.slice(1));
      assert.equal((await putPart(url.toString(), Buffer.from('forged'))).status, 403);
    });

    test('complete refuses descending order, duplicates and an empty list', async () => {
      const { k, uploadId, parts } = await uploadWith('order.bin', [bytesOf('a', MIN_PART), bytesOf('b', MIN_PART), bytesOf('c', 1)]);
      const [p1, p2, p3] = parts as [(typeof parts)[0], (typeof parts)[0], (typeof parts)[0]];
      await assert.rejects(store.completeMultipart(k, uploadId, [p2, p1, p3]), failsWith('InvalidPartOrder'));
      await assert.rejects(store.completeMultipart(k, uploadId, [p3, p2, p1]), failsWith('InvalidPartOrder'));
      await assert.rejects(store.completeMultipart(k, uploadId, [p1, p1, p3]), failsWith('InvalidPartOrder'));
      await assert.rejects(store.completeMultipart(k, uploadId, []), failsWith('InvalidArgument'));
      // Failed completes leave the upload intact.
      assert.equal((await store.completeMultipart(k, uploadId, parts)).size, 2 * MIN_PART + 1);
    });

    test('complete refuses a missing part, a wrong ETag and an undersized middle part', { skip: setup.gaps.completeChecks }, async () => {
      const { k, uploadId, parts } = await uploadWith('checks.bin', [bytesOf('a', MIN_PART), bytesOf('b', MIN_PART - 1), bytesOf('c', MIN_PART), bytesOf('d', 1)]);
      const [p1, p2, p3, p4] = parts as [(typeof parts)[0], (typeof parts)[0], (typeof parts)[0], (typeof parts)[0]];
      await assert.rejects(store.completeMultipart(k, uploadId, [p1, { partNumber: 5, etag: p4.etag }]), failsWith('InvalidPart'));
      await assert.rejects(store.completeMultipart(k, uploadId, [p1, { partNumber: 3, etag: p1.etag }]), failsWith('InvalidPart'));
      await assert.rejects(store.completeMultipart(k, uploadId, [p1, p2, p3]), failsWith('EntityTooSmall'));
      // The undersized part may be the last one, and a subset of the parts may be completed.
      const result = await store.completeMultipart(k, uploadId, [p1, p2]);
      assert.equal(result.size, 2 * MIN_PART - 1);
      assert.deepEqual(await readAll(await store.get(k)), Buffer.concat([bytesOf('a', MIN_PART), bytesOf('b', MIN_PART - 1)]));
    });

    test('complete twice: the second finds no upload', { skip: setup.gaps.completedUploadGone }, async () => {
      const { k, uploadId, parts } = await uploadWith('twice.bin', [bytesOf('a', 3)]);
      await store.completeMultipart(k, uploadId, parts);
      await assert.rejects(store.completeMultipart(k, uploadId, parts), failsWith('NoSuchUpload'));
      await assert.rejects(store.uploadPart(k, uploadId, 2, Buffer.from('late')), failsWith('NoSuchUpload'));
    });

    test('abort discards the parts; complete afterwards finds no upload', { skip: setup.gaps.abort }, async () => {
      const { k, uploadId, parts } = await uploadWith('aborted.bin', [bytesOf('a', 3)]);
      await store.abortMultipart(k, uploadId);
      await assert.rejects(store.completeMultipart(k, uploadId, parts), failsWith('NoSuchUpload'));
      await assert.rejects(store.listParts(k, uploadId), failsWith('NoSuchUpload'));
      await assert.rejects(store.abortMultipart(k, uploadId), failsWith('NoSuchUpload'));
      assert.equal(await store.exists(k), false);
    });

    test('an upload id works only with the key it was created for', { skip: setup.gaps.uploadKeyBinding }, async () => {
      const { k, uploadId, parts } = await uploadWith('owner.bin', [bytesOf('a', 3)]);
      const other = key('intruder.bin');
      await assert.rejects(store.uploadPart(other, uploadId, 1, Buffer.from('x')), failsWith('NoSuchUpload'));
      const url = await store.presignPart(other, uploadId, 1, 300);
      assert.equal((await putPart(url, Buffer.from('x'))).status, 404);
      await assert.rejects(store.completeMultipart(other, uploadId, parts), failsWith('NoSuchUpload'));
      await assert.rejects(store.abortMultipart(other, uploadId), failsWith('NoSuchUpload'));
      assert.equal(await store.exists(other), false);
      assert.equal((await store.completeMultipart(k, uploadId, parts)).size, 3);
    });

    test('an upload id that was never issued', { skip: setup.gaps.unknownUpload }, async () => {
      const k = key('unknown.bin');
      const bogus = randomBytes(16).toString('hex');
      await assert.rejects(store.uploadPart(k, bogus, 1, Buffer.from('x')), failsWith('NoSuchUpload'));
      await assert.rejects(store.completeMultipart(k, bogus, [{ partNumber: 1, etag: md5(Buffer.from('x')) }]), failsWith('NoSuchUpload'));
      await assert.rejects(store.uploadPart(k, '../../objects', 1, Buffer.from('x')), failsWith('NoSuchUpload'));
    });

    test('expireAbandoned removes the parts of old unfinished uploads and keeps recent ones', { skip: setup.gaps.listUploads }, async () => {
      const old = await uploadWith('abandoned.bin', [bytesOf('a', MIN_PART), bytesOf('b', 1)]);
      const mine = { prefixes: [`${prefix}/`] };
      // Two hours from now, an upload started now is more than an hour old.
      const expired = await harness.shifted(2 * HOUR).expireAbandoned(HOUR, mine);
      assert.ok(expired.some((e) => e.uploadId === old.uploadId && e.key === old.k && e.initiated instanceof Date));
      await assert.rejects(store.listParts(old.k, old.uploadId), failsWith('NoSuchUpload'));
      await assert.rejects(store.completeMultipart(old.k, old.uploadId, old.parts), failsWith('NoSuchUpload'));

      const recent = await uploadWith('recent.bin', [bytesOf('c', 2)]);
      const now = await store.expireAbandoned(HOUR, mine);
      assert.ok(!now.some((e) => e.uploadId === recent.uploadId));
      assert.equal((await store.completeMultipart(recent.k, recent.uploadId, recent.parts)).size, 2);
    });

    test('expireAbandoned touches only uploads under its prefixes, at most `limit` per call', { skip: setup.gaps.listUploads }, async () => {
      const inside = await Promise.all(['a', 'b', 'c'].map((name) => uploadWith(`sweep/in/${name}.bin`, [bytesOf(name, 2)])));
      const outside = await uploadWith('sweep/out/x.bin', [bytesOf('x', 2)]);
      const later = harness.shifted(2 * HOUR);
      const only = { prefixes: [key('sweep/in/')], limit: 2 };
      const first = await later.expireAbandoned(HOUR, only);
      assert.equal(first.length, 2);
      const second = await later.expireAbandoned(HOUR, only);
      assert.equal(second.length, 1);
      assert.deepEqual(await later.expireAbandoned(HOUR, only), []);
      assert.deepEqual([...first, ...second].map((e) => e.uploadId).sort(), inside.map((u) => u.uploadId).sort());
      assert.equal((await store.completeMultipart(outside.k, outside.uploadId, outside.parts)).size, 2, 'the upload outside the prefix is intact');
    });

    test('expireAbandoned refuses to run without a prefix', async () => {
      await assert.rejects(store.expireAbandoned(HOUR, { prefixes: [] }), failsWith('InvalidArgument'));
      await assert.rejects(store.expireAbandoned(HOUR, { prefixes: [''] }), failsWith('InvalidArgument'));
      await assert.rejects(store.expireAbandoned(HOUR, { prefixes: [key('x/')], limit: 0 }), failsWith('InvalidArgument'));
    });

    test('list shows the objects under a prefix, and only those, with their size and age', async () => {
      const wanted = ['list/a/1', 'list/a/2', 'list/a/sub/3'].map(key);
      const started = Date.now();
      for (const k of [...wanted, key('list/b/1'), key('list/a-sibling')]) await store.put(k, Buffer.from(k));
      const page = await store.list(key('list/a/'));
      assert.equal(page.next, undefined);
      assert.deepEqual(page.objects.map((o) => o.key).sort(), wanted);
      for (const object of page.objects) {
        assert.equal(object.size, Buffer.byteLength(object.key));
        // S3 keeps whole seconds.
        assert.ok(Math.abs(object.lastModified.getTime() - started) < 5000, `${object.lastModified.toISOString()} is about now`);
      }
      assert.deepEqual((await store.list(key('list/none/'))).objects, []);
      const all = await store.list(key('list/'));
      assert.deepEqual(all.objects.map((o) => o.key).sort(), [...wanted, key('list/a-sibling'), key('list/b/1')].sort());
    });

    test('list pages through a prefix at most `limit` objects at a time, resuming from `next`', { skip: setup.gaps.listPages }, async () => {
      const wanted = Array.from({ length: 7 }, (_, i) => key(`pages/in/${i}`));
      for (const k of [...wanted, key('pages/out/0'), key('pages/out/1')]) await store.put(k, Buffer.from('x'));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list(key('pages/in/'), { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        assert.ok(page.objects.length <= 2, 'a page holds at most `limit` objects');
        seen.push(...page.objects.map((o) => o.key));
        cursor = page.next;
        assert.ok(++pages < 100, 'the listing ends');
      } while (cursor !== undefined);
      assert.deepEqual(seen.sort(), wanted, 'each object once');
    });

    test('list refuses an empty prefix and a page size out of range', async () => {
      await assert.rejects(store.list(''), failsWith('InvalidArgument'));
      for (const limit of [0, 1001, 1.5]) await assert.rejects(store.list(key('x/'), { limit }), failsWith('InvalidArgument'));
    });
  });
}
