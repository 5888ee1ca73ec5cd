// The S3 blob store of scaled mode: the same contract on any S3-compatible bucket, with S3's own
// presigned UploadPart URLs, so part bytes go from the client straight to the bucket.
//
// Abandoned uploads: expireAbandoned lists and aborts them under the prefixes it is given, never the
// whole bucket, which may hold other applications' uploads. On AWS, a bucket lifecycle rule
// (AbortIncompleteMultipartUpload, DaysAfterInitiation, filtered by prefix) does the same without a
// sweeping process and is the production choice; running both is harmless.
//
// `keyPrefix` puts every key of this store under one folder of the bucket, so deployments sharing a
// bucket never see, list or sweep each other's objects. Callers only ever see keys without it.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { trueWithin } from '../util/time.js';
import { BlobError, isBlobError } from './errors.js';
import { writeTemp } from './local-files.js';
import { checkCompletedParts, checkExpireOptions, checkExpiresIn, checkKey, checkKeyPrefix, checkListLimit, checkPartNumber, checkPrefix, checkRange, MAX_KEY_BYTES } from './rules.js';
import { fromS3Error, isS3NotFound, s3Call } from './s3-errors.js';
import {
  DEFAULT_MIN_PART_SIZE,
  MAX_LIST_PAGE,
  PING_TIMEOUT_MS,
  type BlobBody,
  type BlobStat,
  type BlobStore,
  type ByteRange,
  type CompletedPart,
  type ExpiredUpload,
  type ExpireOptions,
  type ListedObject,
  type ListOptions,
  type ListPage,
  type PartInfo,
  type PutOptions,
  type PutResult,
} from './types.js';

/** A connection to the bucket that is not made in this time is a bucket unreachable. */
const S3_CONNECT_TIMEOUT_MS = 5_000;
/** A request whose socket stays silent this long is a bucket that stopped answering (the SDK then retries it). */
const S3_IDLE_TIMEOUT_MS = 20_000;

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Unset: AWS's own endpoint for the region. Set for MinIO, R2, Ceph and the like. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Unset: the SDK's default credential chain (environment, shared files, instance role). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** bucket in the path (http://host/bucket/key) rather than the host name; most self-hosted servers need it. */
  readonly forcePathStyle?: boolean;
  /**
   * Reported to callers; S3 enforces its own 5 MiB floor when completing, and checking a larger
   * one here would cost a ListParts round trip per complete, so the store does not check it.
   */
  readonly minPartSize?: number;
  /** Prepended to every key in the bucket: '' or a folder ending in '/', e.g. 'capstan-prod/'. */
  readonly keyPrefix?: string;
  readonly clock?: () => number;
  /** How long a request's socket may stay silent before the bucket counts as unreachable. Default 20 s. */
  readonly idleTimeoutMs?: number;
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly minPartSize: number;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly keyPrefix: string;
  private readonly clock: () => number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.keyPrefix = options.keyPrefix ?? '';
    checkKeyPrefix(this.keyPrefix);
    this.minPartSize = options.minPartSize ?? DEFAULT_MIN_PART_SIZE;
    this.clock = options.clock ?? Date.now;
    const { accessKeyId, secretAccessKey } = options;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
      // A part URL is presigned before its bytes exist. With the SDK's default (WHEN_SUPPORTED) the
      // URL would carry the CRC32 of an empty body, and S3, R2 and MinIO refuse every real part.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      // Without these a bucket that stops answering (a frozen server) holds a request, a complete or a
      // stage for ever. The socket timeout is for silence, so a long transfer that flows is never cut;
      // the SDK's requestTimeout would only log a warning.
      requestHandler: { connectionTimeout: S3_CONNECT_TIMEOUT_MS, socketTimeout: options.idleTimeoutMs ?? S3_IDLE_TIMEOUT_MS },
    });
  }

  async put(key: string, body: BlobBody, options: PutOptions = {}): Promise<PutResult> {
    const Key = this.bucketKey(key);
    return withKnownLength(body, options.contentLength, async (Body, ContentLength) => {
      const out = await s3Call(() =>
        this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body, ContentLength, ...(options.contentType ? { ContentType: options.contentType } : {}) })),
      );
      return { etag: out.ETag ?? '', size: ContentLength };
    });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const Key = this.bucketKey(key);
    if (range) checkRange(range);
    const Range = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
    const out = await s3Call(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, ...(Range ? { Range } : {}) })));
    // In Node the SDK's body is the HTTP response stream itself.
    return out.Body as Readable;
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    const Key = this.bucketKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return {
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? '',
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (e) {
      if (isS3NotFound(e)) return undefined;
      throw fromS3Error(e);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    const Key = this.bucketKey(key);
    await s3Call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  async createMultipart(key: string, contentType?: string): Promise<string> {
    const Key = this.bucketKey(key);
    const out = await s3Call(() => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key, ...(contentType ? { ContentType: contentType } : {}) })));
    if (!out.UploadId) throw new Error('S3 answered CreateMultipartUpload without an UploadId');
    return out.UploadId;
  }

  async presignPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
    const Key = this.bucketKey(key);
    checkPartNumber(partNumber);
    checkExpiresIn(expiresInSeconds);
    const command = new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber: partNumber });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds, signingDate: new Date(this.clock()) });
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: BlobBody, options: Pick<PutOptions, 'contentLength'> = {}): Promise<string> {
    const Key = this.bucketKey(key);
    checkPartNumber(partNumber);
    return withKnownLength(body, options.contentLength, async (Body, ContentLength) => {
      const out = await s3Call(() =>
        this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId: uploadId, PartNumber: partNumber, Body, ContentLength })),
      );
      return out.ETag ?? '';
    });
  }

  async listParts(key: string, uploadId: string): Promise<PartInfo[]> {
    const Key = this.bucketKey(key);
    const parts: PartInfo[] = [];
    let marker: string | undefined;
    do {
      const out = await s3Call(() =>
        this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) })),
      );
      for (const part of out.Parts ?? []) {
        parts.push({ partNumber: part.PartNumber ?? 0, etag: part.ETag ?? '', size: part.Size ?? 0, lastModified: part.LastModified ?? new Date(0) });
      }
      marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
    } while (marker);
    return parts;
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<PutResult> {
    const Key = this.bucketKey(key);
    // The order rule is checked here too, so every store answers it alike and without a round trip.
    checkCompletedParts(parts);
    const Parts = parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag }));
    const out = await s3Call(() =>
      this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId, MultipartUpload: { Parts } })),
    );
    // Complete does not say how big the object came out.
    const stat = await this.stat(key);
    return { etag: out.ETag ?? stat?.etag ?? '', size: stat?.size ?? 0 };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    await this.abortBucketUpload(this.bucketKey(key), uploadId);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    checkPrefix(prefix);
    const limit = options.limit ?? MAX_LIST_PAGE;
    checkListLimit(limit);
    const Prefix = this.keyPrefix + prefix;
    // The cursor is the last key listed (StartAfter), not S3's continuation token: a sweep may resume
    // from it minutes later, or on another node.
    const out = await s3Call(() =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, MaxKeys: limit, ...(options.cursor ? { StartAfter: this.keyPrefix + options.cursor } : {}) })),
    );
    const objects: ListedObject[] = [];
    for (const object of out.Contents ?? []) {
      if (!object.Key?.startsWith(Prefix)) continue;
      objects.push({ key: object.Key.slice(this.keyPrefix.length), size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) });
    }
    const last = objects.at(-1)?.key;
    return out.IsTruncated && last !== undefined ? { objects, next: last } : { objects };
  }

  async expireAbandoned(olderThanMs: number, options: ExpireOptions): Promise<ExpiredUpload[]> {
    checkExpireOptions(options);
    const cutoff = this.clock() - olderThanMs;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const expired: ExpiredUpload[] = [];
    for (const prefix of options.prefixes) {
      const Prefix = this.keyPrefix + prefix;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      do {
        const out = await s3Call(() =>
          this.client.send(
            new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix, ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}) }),
          ),
        );
        for (const upload of out.Uploads ?? []) {
          if (expired.length >= limit) return expired;
          const { Key: bucketKey, UploadId: uploadId, Initiated: initiated } = upload;
          // Checked again here: a server that ignored Prefix must still not make this abort another application's upload.
          if (!bucketKey?.startsWith(Prefix) || !uploadId || !initiated || initiated.getTime() >= cutoff) continue;
          try {
            await this.abortBucketUpload(bucketKey, uploadId);
            expired.push({ key: bucketKey.slice(this.keyPrefix.length), uploadId, initiated });
          } catch (e) {
            // Completed or aborted since it was listed: nothing was abandoned.
            if (!isBlobError(e, 'NoSuchUpload')) throw e;
          }
        }
        keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
        uploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
      } while (keyMarker);
    }
    return expired;
  }

  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<boolean> {
    // HeadBucket asks for the permission the sweeps' listing needs (s3:ListBucket); a missing bucket,
    // refused credentials or no answer is a store that cannot serve.
    return trueWithin(timeoutMs, async () => {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return true;
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** The key in the bucket: the caller's key, checked, under this store's key prefix. */
  private bucketKey(key: string): string {
    checkKey(key);
    const Key = this.keyPrefix + key;
    if (Buffer.byteLength(Key) > MAX_KEY_BYTES) throw new BlobError('InvalidArgument', `With the key prefix, the key is longer than ${MAX_KEY_BYTES} bytes`);
    return Key;
  }

  private async abortBucketUpload(Key: string, uploadId: string): Promise<void> {
    await s3Call(() => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId })));
  }
}

/**
 * S3 needs a body's length up front (it refuses chunked uploads), so a stream of unknown length is
 * spooled to a temp file first: disk, not memory, holds it.
 */
async function withKnownLength<T>(body: BlobBody, contentLength: number | undefined, send: (body: Uint8Array | Readable, length: number) => Promise<T>): Promise<T> {
  if (body instanceof Uint8Array) return send(body, body.byteLength);
  if (contentLength !== undefined) {
    if (!Number.isSafeInteger(contentLength) || contentLength < 0) throw new BlobError('InvalidArgument', 'contentLength must be a non-negative integer');
    return send(body, contentLength);
  }
  const spooled = await writeTemp(tmpdir(), body);
  try {
    return await send(createReadStream(spooled.path), spooled.size);
  } finally {
    await rm(spooled.path, { force: true });
  }
}
