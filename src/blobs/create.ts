// The one place the blob backend is chosen: an S3 bucket when one is configured, else local disk
// under the data directory (the same switch as storage's database URL).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { LocalDiskBlobStore } from './local-disk.js';
import { Md5Threads } from './md5-threads.js';
import { PartUrlSigner } from './presign.js';
import type { BlobStore } from './types.js';

export interface BlobStoreOptions {
  /** Local store root is <dataDir>/blobs. */
  readonly dataDir: string;
  /** Base of the upload gateway URLs handed out by the local store. */
  readonly publicUrl: () => string;
  /** Signs the local store's part URLs (at least 32 characters); the token secret serves. */
  readonly signingSecret: string;
  readonly multipartMinPartBytes?: number;
  /** MD5 threads of the local store (0: none, hash on the event loop). Default: one per core but one, 1 to 4. */
  readonly hashThreads?: number | null;
  /** Set: scaled mode, blobs in this bucket. */
  readonly s3Bucket?: string | null;
  readonly s3Endpoint?: string | null;
  readonly s3Region?: string | null;
  readonly s3AccessKeyId?: string | null;
  readonly s3SecretAccessKey?: string | null;
  readonly s3ForcePathStyle?: boolean;
  /** Folder of the bucket every key goes under ('' for none). */
  readonly s3KeyPrefix?: string;
}

/** The local store's folder inside the data directory. */
const LOCAL_FOLDER = 'blobs';

/** The local store's folder, <dataDir>/blobs; undefined when blobs go to an S3 bucket. */
export function localBlobRoot(options: Pick<BlobStoreOptions, 'dataDir' | 's3Bucket'>): string | undefined {
  return options.s3Bucket ? undefined : join(options.dataDir, LOCAL_FOLDER);
}

export async function createBlobStore(options: BlobStoreOptions): Promise<BlobStore> {
  const minPartSize = options.multipartMinPartBytes;
  if (options.s3Bucket) {
    // The AWS SDK is loaded only by a node that uses a bucket: it is a quarter of what the server
    // would otherwise load at start (270 ms of a 1.1-s import here), for nothing on local disk.
    const { S3BlobStore } = await import('./s3.js');
    return new S3BlobStore({
      bucket: options.s3Bucket,
      ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}),
      ...(options.s3Region ? { region: options.s3Region } : {}),
      ...(options.s3AccessKeyId ? { accessKeyId: options.s3AccessKeyId } : {}),
      ...(options.s3SecretAccessKey ? { secretAccessKey: options.s3SecretAccessKey } : {}),
      ...(options.s3ForcePathStyle === undefined ? {} : { forcePathStyle: options.s3ForcePathStyle }),
      ...(options.s3KeyPrefix ? { keyPrefix: options.s3KeyPrefix } : {}),
      ...(minPartSize === undefined ? {} : { minPartSize }),
    });
  }
  // A core is left to the event loop: more threads than that only take turns with it (measured on two
  // cores: one thread and two moved parts alike, four slowed them by a third).
  const hashThreads = options.hashThreads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  return new LocalDiskBlobStore({
    root: join(options.dataDir, LOCAL_FOLDER),
    signer: new PartUrlSigner({ secret: options.signingSecret, publicUrl: options.publicUrl }),
    ...(minPartSize === undefined ? {} : { minPartSize }),
    ...(hashThreads > 0 ? { md5Threads: new Md5Threads(hashThreads) } : {}),
  });
}
