// Blob storage: one interface (objects + S3-style multipart with presigned part URLs), a local-disk
// store with its upload gateway for embedded mode, and an S3 store for scaled mode.
export {
  DEFAULT_MIN_PART_SIZE,
  MAX_LIST_PAGE,
  MAX_PART_NUMBER,
  MAX_PRESIGN_SECONDS,
  MIN_PART_NUMBER,
  type BlobBody,
  type BlobStat,
  type BlobStore,
  type ByteRange,
  type CompletedPart,
  type ExpireOptions,
  type ExpiredUpload,
  type ListedObject,
  type ListOptions,
  type ListPage,
  type PartInfo,
  type PutOptions,
  type PutResult,
} from './types.js';
export { BlobError, isBlobError, type BlobErrorCode } from './errors.js';
export { blobHttpError } from './http-errors.js';
export { createBlobStore, localBlobRoot, type BlobStoreOptions } from './create.js';
export { LocalDiskBlobStore, type LocalDiskBlobStoreOptions } from './local-disk.js';
// The S3 store is not re-exported: importing it loads the AWS SDK, which createBlobStore loads only for a bucket.
export type { S3BlobStoreOptions } from './s3.js';
export { PartUrlSigner, GATEWAY_PATH, type PartRef, type PartUrlSignerOptions, type PartUrlVerdict, type SignedPartQuery } from './presign.js';
export { uploadGateway, type UploadGatewayDeps } from './gateway.js';
