// What only the S3 store does: SDK settings that real S3 depends on, bodies of unknown length, the
// key prefix, and an expiry that asks the bucket only for uploads under its prefixes.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { BlobError } from '../../src/blobs/index.js';
import { S3BlobStore } from '../../src/blobs/s3.js';
import { DependencyUnavailable } from '../../src/util/dependency-unavailable.js';
import { startS3, type S3Request, type TestS3 } from '../helpers/s3.js';

const HOUR = 3600_000;

describe('s3 store specifics', () => {
  let s3: TestS3;
  let store: S3BlobStore;

  before(async () => {
    s3 = await startS3();
    store = new S3BlobStore({ ...s3, forcePathStyle: true, minPartSize: 16 });
  });
  after(async () => {
    await store.close();
    await s3.close();
  });

  test('a presigned part URL signs no checksum, so any body can be PUT to it', async () => {
    // With the SDK default the URL carried the CRC32 of an empty body, which real S3 refuses for any real part.
    const uploadId = await store.createMultipart('s3/checksum.bin');
    const url = new URL(await store.presignPart('s3/checksum.bin', uploadId, 3, 900));
    const params = [...url.searchParams.keys()].map((name) => name.toLowerCase());
    assert.deepEqual(params.filter((name) => name.includes('checksum')), []);
    assert.equal(url.searchParams.get('partNumber'), '3');
    assert.equal(url.searchParams.get('uploadId'), uploadId);
    assert.equal(url.searchParams.get('X-Amz-Expires'), '900');
    assert.equal(url.pathname, `/${s3.bucket}/s3/checksum.bin`);
  });

  test('streams with and without a declared length, for objects and parts', async () => {
    const chunks = (): Readable => Readable.from([Buffer.alloc(10, 1), Buffer.alloc(20, 2)]);
    assert.equal((await store.put('s3/declared', chunks(), { contentLength: 30 })).size, 30);
    assert.equal((await store.put('s3/spooled', chunks())).size, 30);
    assert.equal((await store.stat('s3/spooled'))?.size, 30);
    const uploadId = await store.createMultipart('s3/parts.bin');
    const first = await store.uploadPart('s3/parts.bin', uploadId, 1, chunks());
    const second = await store.uploadPart('s3/parts.bin', uploadId, 2, chunks(), { contentLength: 30 });
    const result = await store.completeMultipart('s3/parts.bin', uploadId, [{ partNumber: 1, etag: first }, { partNumber: 2, etag: second }]);
    assert.equal(result.size, 60);
  });

  test('a key prefix puts every key under one folder of the bucket, and callers never see it', async () => {
    const tenant = new S3BlobStore({ ...s3, forcePathStyle: true, minPartSize: 16, keyPrefix: 'tenant-a/' });
    try {
      await tenant.put('documents/one', Buffer.from('1'));
      await store.put('documents/bare', Buffer.from('b'));
      assert.equal((await store.stat('tenant-a/documents/one'))?.size, 1, 'stored under the prefix');
      assert.equal(await tenant.stat('documents/bare'), undefined, 'keys outside the prefix are out of sight');
      assert.deepEqual((await tenant.list('documents/')).objects.map((o) => o.key), ['documents/one']);
      assert.ok(!(await store.list('documents/')).objects.some((o) => o.key.includes('one')));

      const uploadId = await tenant.createMultipart('developer/v.mp4');
      const url = new URL(await tenant.presignPart('developer/v.mp4', uploadId, 1, 60));
      assert.equal(url.pathname, `/${s3.bucket}/tenant-a/developer/v.mp4`);
      const etag = await tenant.uploadPart('developer/v.mp4', uploadId, 1, Buffer.from('video'));
      assert.equal((await tenant.completeMultipart('developer/v.mp4', uploadId, [{ partNumber: 1, etag }])).size, 5);
      assert.equal((await store.stat('tenant-a/developer/v.mp4'))?.size, 5);
      await tenant.delete('developer/v.mp4');
      assert.equal(await store.stat('tenant-a/developer/v.mp4'), undefined);
    } finally {
      await tenant.close();
    }
    for (const keyPrefix of ['tenant', '/tenant/', 'a//b/', 'x'.repeat(300) + '/', 'tab\t/']) {
      assert.throws(() => new S3BlobStore({ ...s3, keyPrefix }), BlobError, keyPrefix);
    }
  });

  test('expireAbandoned asks for the uploads under each prefix, and aborts none outside them', async () => {
    // s3rver answers ListMultipartUploads with 501, so that one call is answered here: with an old
    // upload outside the prefixes, as a server that ignored Prefix would list it.
    const seen: S3Request[] = [];
    const listing = `<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>capstan-test</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>
  <Upload><Key>other-app/big.iso</Key><UploadId>other-upload</UploadId><Initiated>2000-01-01T00:00:00.000Z</Initiated></Upload>
</ListMultipartUploadsResult>`;
    const answered = await startS3({
      intercept(request) {
        seen.push(request);
        return request.method === 'GET' && new URL(request.url, 'http://s3').searchParams.has('uploads') ? { status: 200, xml: listing } : undefined;
      },
    });
    const tenant = new S3BlobStore({ ...answered, forcePathStyle: true, keyPrefix: 'tenant-a/' });
    try {
      assert.deepEqual(await tenant.expireAbandoned(HOUR, { prefixes: ['documents/', 'developer/'] }), []);
      const lists = seen.filter((r) => r.method === 'GET').map((r) => new URL(r.url, 'http://s3').searchParams);
      assert.deepEqual(lists.map((q) => q.get('prefix')), ['tenant-a/documents/', 'tenant-a/developer/']);
      assert.deepEqual(seen.filter((r) => r.method === 'DELETE'), [], 'nothing outside the prefixes was aborted');
    } finally {
      await tenant.close();
      await answered.close();
    }
  });

  test('a bucket that stops answering is the file store unavailable once its socket has been silent, not a call held for ever', { timeout: 60_000 }, async () => {
    const frozen = await startS3({ intercept: () => 'hang' });
    const silent = new S3BlobStore({ ...frozen, forcePathStyle: true, idleTimeoutMs: 300 });
    try {
      await assert.rejects(silent.stat('s3/frozen.bin'), (e: unknown) => e instanceof DependencyUnavailable && /file store/.test(e.message));
      await assert.rejects(silent.createMultipart('s3/frozen.bin'), (e: unknown) => e instanceof DependencyUnavailable);
    } finally {
      await silent.close();
      await frozen.close();
    }
  });

  test('ping: true for the bucket; false for a missing bucket, a refused connection or a bucket that stops answering, within its bound', { timeout: 30_000 }, async () => {
    assert.equal(await store.ping(), true);
    const missing = new S3BlobStore({ ...s3, bucket: 'no-such-bucket', forcePathStyle: true });
    const refusing = new S3BlobStore({ ...s3, endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
    const frozen = await startS3({ intercept: () => 'hang' });
    const silent = new S3BlobStore({ ...frozen, forcePathStyle: true });
    try {
      assert.equal(await missing.ping(), false);
      assert.equal(await refusing.ping(), false);
      assert.equal(await silent.ping(200), false);
    } finally {
      await Promise.all([missing.close(), refusing.close(), silent.close()]);
      await frozen.close();
    }
  });

  test('a refused connection and a 5xx are the file store unavailable; an S3 refusal of the request is not', async () => {
    const refusing = new S3BlobStore({ ...s3, endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
    const failing = await startS3({ intercept: (r) => ({ status: r.method === 'HEAD' ? 503 : 403, xml: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>' + (r.method === 'HEAD' ? 'ServiceUnavailable' : 'AccessDenied') + '</Code><Message>no</Message></Error>' }) });
    const answering = new S3BlobStore({ ...failing, forcePathStyle: true });
    try {
      await assert.rejects(refusing.stat('s3/x.bin'), (e: unknown) => e instanceof DependencyUnavailable);
      await assert.rejects(answering.stat('s3/x.bin'), (e: unknown) => e instanceof DependencyUnavailable);
      await assert.rejects(answering.createMultipart('s3/x.bin'), (e: unknown) => !(e instanceof DependencyUnavailable) && (e as Error).name === 'AccessDenied');
    } finally {
      await refusing.close();
      await answering.close();
      await failing.close();
    }
  });
});
