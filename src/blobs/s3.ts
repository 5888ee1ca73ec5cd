// The S3 blob store of scaled mode: the same contract on any S3-compatible bucket, with S3's own
// presigned UploadPart URLs, so part bytes go from the client straight to the bucket.
//
// Abandoned uploads: expireAbandoned lists and aborts them, which is enough for MinIO-style servers.
// On AWS, a bucket lifecycle rule (AbortIncompleteMultipartUpload, DaysAfterInitiation) does the
// same without a sweeping process and is the production choice; running both is harmless.
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
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BlobError, isBlobError } from './errors.js';
import { writeTemp } from './local-files.js';
import { checkCompletedParts, checkExpiresIn, checkKey, checkPartNumber, checkRange } from './rules.js';
import { isS3NotFound, s3Call } from './s3-errors.js';
import {
  DEFAULT_MIN_PART_SIZE,
  type BlobBody,
  type BlobStat,
  type BlobStore,
  type ByteRange,
  type CompletedPart,
  type ExpiredUpload,
  type PartInfo,
  type PutOptions,
  type PutResult,
} from './types.js';

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
  readonly clock?: () => number;
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly minPartSize: number;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly clock: () => number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
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
    });
  }

  async put(key: string, body: BlobBody, options: PutOptions = {}): Promise<PutResult> {
    checkKey(key);
    return withKnownLength(body, options.contentLength, async (Body, ContentLength) => {
      const out = await s3Call(() =>
        this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body, ContentLength, ...(options.contentType ? { ContentType: options.contentType } : {}) })),
      );
      return { etag: out.ETag ?? '', size: ContentLength };
    });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    checkKey(key);
    if (range) checkRange(range);
    const Range = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
    const out = await s3Call(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(Range ? { Range } : {}) })));
    // In Node the SDK's body is the HTTP response stream itself.
    return out.Body as Readable;
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    checkKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? '',
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (e) {
      if (isS3NotFound(e)) return undefined;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await s3Call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  async createMultipart(key: string, contentType?: string): Promise<string> {
    checkKey(key);
    const out = await s3Call(() => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ...(contentType ? { ContentType: contentType } : {}) })));
    if (!out.UploadId) throw new Error('S3 answered CreateMultipartUpload without an UploadId');
    return out.UploadId;
  }

  async presignPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
    checkKey(key);
    checkPartNumber(partNumber);
    checkExpiresIn(expiresInSeconds);
    const command = new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds, signingDate: new Date(this.clock()) });
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: BlobBody, options: Pick<PutOptions, 'contentLength'> = {}): Promise<string> {
    checkKey(key);
    checkPartNumber(partNumber);
    return withKnownLength(body, options.contentLength, async (Body, ContentLength) => {
      const out = await s3Call(() =>
        this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body, ContentLength })),
      );
      return out.ETag ?? '';
    });
  }

  async listParts(key: string, uploadId: string): Promise<PartInfo[]> {
    checkKey(key);
    const parts: PartInfo[] = [];
    let marker: string | undefined;
    do {
      const out = await s3Call(() =>
        this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) })),
      );
      for (const part of out.Parts ?? []) {
        parts.push({ partNumber: part.PartNumber ?? 0, etag: part.ETag ?? '', size: part.Size ?? 0, lastModified: part.LastModified ?? new Date(0) });
      }
      marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
    } while (marker);
    return parts;
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<PutResult> {
    checkKey(key);
    // The order rule is checked here too, so every store answers it alike and without a round trip.
    checkCompletedParts(parts);
    const Parts = parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag }));
    const out = await s3Call(() =>
      this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts } })),
    );
    // Complete does not say how big the object came out.
    const stat = await this.stat(key);
    return { etag: out.ETag ?? stat?.etag ?? '', size: stat?.size ?? 0 };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    checkKey(key);
    await s3Call(() => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })));
  }

  async expireAbandoned(olderThanMs: number): Promise<ExpiredUpload[]> {
    const cutoff = this.clock() - olderThanMs;
    const expired: ExpiredUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const out = await s3Call(() =>
        this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}) })),
      );
      for (const upload of out.Uploads ?? []) {
        const { Key: key, UploadId: uploadId, Initiated: initiated } = upload;
        if (!key || !uploadId || !initiated || initiated.getTime() >= cutoff) continue;
        try {
          await this.abortMultipart(key, uploadId);
          expired.push({ key, uploadId, initiated });
        } catch (e) {
          // Completed or aborted since it was listed: nothing was abandoned.
          if (!isBlobError(e, 'NoSuchUpload')) throw e;
        }
      }
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      uploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return expired;
  }

  async close(): Promise<void> {
    this.client.destroy();
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
