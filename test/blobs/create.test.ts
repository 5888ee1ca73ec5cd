// The backend switch: an S3 bucket when one is configured, local disk under the data directory otherwise.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createBlobStore, LocalDiskBlobStore } from '../../src/blobs/index.js';
import { S3BlobStore } from '../../src/blobs/s3.js';
import { startS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/server.js';

const base = { publicUrl: () => 'http://127.0.0.1:8000', signingSecret: 'create-test-secret-0123456789abcdefgh' };

test('no bucket: the local store under <dataDir>/blobs, with its signer and part size', async () => {
  const dataDir = tempDir();
  try {
    const store = await createBlobStore({ ...base, dataDir, multipartMinPartBytes: 1234, s3Bucket: null });
    assert.ok(store instanceof LocalDiskBlobStore);
    assert.equal(store.kind, 'local');
    assert.equal(store.minPartSize, 1234);
    await store.put('a', Buffer.from('x'));
    assert.ok(existsSync(join(dataDir, 'blobs', 'objects')));
    assert.match(await store.presignPart('a', 'f'.repeat(32), 1, 60), /^http:\/\/127\.0\.0\.1:8000\/uploads\/parts\?/);
    assert.equal((await createBlobStore({ ...base, dataDir })).minPartSize, 5 * 1024 * 1024);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a bucket: the S3 store, reaching that bucket', async () => {
  const s3 = await startS3({ bucket: 'chosen-bucket' });
  const store = await createBlobStore({
    ...base,
    dataDir: '/nonexistent',
    s3Bucket: s3.bucket,
    s3Endpoint: s3.endpoint,
    s3Region: s3.region,
    s3AccessKeyId: s3.accessKeyId,
    s3SecretAccessKey: s3.secretAccessKey,
    s3ForcePathStyle: true,
    s3KeyPrefix: 'deployment-a/',
  });
  const bare = new S3BlobStore({ ...s3, forcePathStyle: true });
  try {
    assert.ok(store instanceof S3BlobStore);
    assert.equal(store.kind, 's3');
    await store.put('hello', Buffer.from('world'));
    assert.equal((await store.stat('hello'))?.size, 5);
    assert.equal((await bare.stat('deployment-a/hello'))?.size, 5, 'the key prefix reaches the store');
    assert.ok(!existsSync('/nonexistent'));
  } finally {
    await store.close();
    await bare.close();
    await s3.close();
  }
});
