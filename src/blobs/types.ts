// The blob store contract: objects by key plus S3's multipart upload, so that the local-disk store
// and an S3 bucket are interchangeable behind every surface and workflow.
import type { Readable } from 'node:stream';

/** S3's limits, kept on the local store too so a client written against one works on the other. */
export const MIN_PART_NUMBER = 1;
export const MAX_PART_NUMBER = 10_000;
export const DEFAULT_MIN_PART_SIZE = 5 * 1024 * 1024;
/** SigV4 presigned URLs cannot live longer than a week; the gateway's URLs follow the same cap. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export type BlobBody = Buffer | Uint8Array | Readable;

export interface PutOptions {
  readonly contentType?: string;
  /**
   * Byte length of a stream body, when the caller knows it. S3 rejects bodies of unknown length,
   * so the S3 store spools a stream without one to a temp file first.
   */
  readonly contentLength?: number;
}

/** Inclusive byte offsets, as in an HTTP Range header; `end` past the last byte is clamped. */
export interface ByteRange {
  readonly start: number;
  readonly end?: number;
}

export interface BlobStat {
  readonly size: number;
  /** Quoted, as S3 returns it and as it goes into an HTTP ETag header. */
  readonly etag: string;
  readonly contentType?: string;
  readonly lastModified: Date;
}

export interface PutResult {
  readonly etag: string;
  readonly size: number;
}

export interface PartInfo {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface CompletedPart {
  readonly partNumber: number;
  /** Quotes are optional: S3 compares ETags without them. */
  readonly etag: string;
}

export interface ExpiredUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date;
}

/** S3 answers at most this many keys or uploads per list call. */
export const MAX_LIST_PAGE = 1000;

export interface ListOptions {
  /** The `next` of the previous page; absent: the first page. */
  readonly cursor?: string;
  /** Objects examined for this page, 1 to MAX_LIST_PAGE (the default). */
  readonly limit?: number;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

export interface ListPage {
  readonly objects: ListedObject[];
  /**
   * Set while more may follow. A page can hold fewer than `limit` objects, even none, and still have
   * a `next`: the local store examines objects in an order of its own and filters them by prefix.
   */
  readonly next?: string;
}

export interface ExpireOptions {
  /** Only uploads whose key starts with one of these are looked at; each is non-empty, so never the whole bucket. */
  readonly prefixes: readonly string[];
  /** Most uploads aborted by this call. */
  readonly limit?: number;
}

export interface BlobStore {
  /** Which backend this is, for logs and /readyz-style reports. */
  readonly kind: 'local' | 's3';
  /** Smallest size of every part but the last that completeMultipart accepts. */
  readonly minPartSize: number;

  put(key: string, body: BlobBody, options?: PutOptions): Promise<PutResult>;
  /** Throws NoSuchKey when absent, InvalidRange when the range starts past the last byte. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<BlobStat | undefined>;
  exists(key: string): Promise<boolean>;
  /** Deleting an absent key is not an error (as on S3). */
  delete(key: string): Promise<void>;

  createMultipart(key: string, contentType?: string): Promise<string>;
  /** A URL a client PUTs one part's bytes to; its response carries the part's ETag header. */
  presignPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string>;
  /** Server-side part upload; returns the part's quoted ETag. The last upload of a part number wins. */
  uploadPart(key: string, uploadId: string, partNumber: number, body: BlobBody, options?: Pick<PutOptions, 'contentLength'>): Promise<string>;
  listParts(key: string, uploadId: string): Promise<PartInfo[]>;
  /** Assembles the listed parts, in ascending order, into the object; the upload is gone afterwards. */
  completeMultipart(key: string, uploadId: string, parts: readonly CompletedPart[]): Promise<PutResult>;
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** One page of the objects whose key starts with `prefix` (non-empty), for sweeps that resume where they stopped. */
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** Aborts the unfinished uploads under `options.prefixes` initiated more than `olderThanMs` ago, removing their parts. */
  expireAbandoned(olderThanMs: number, options: ExpireOptions): Promise<ExpiredUpload[]>;

  /**
   * True when the store takes a write (local: a small file made and removed in its folder) or answers
   * for its bucket (S3), within `timeoutMs`: by default a second, as a readiness probe needs.
   */
  ping(timeoutMs?: number): Promise<boolean>;

  /** Releases connections (S3); the local store holds none. */
  close(): Promise<void>;
}

/** How long a ping may take unless its caller says otherwise. */
export const PING_TIMEOUT_MS = 1_000;
