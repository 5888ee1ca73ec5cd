// Blob store failures, named with S3's own error codes so both stores fail alike and a caller can
// map them to HTTP once (see http-errors.ts).

export type BlobErrorCode =
  | 'NoSuchKey'
  | 'NoSuchUpload'
  /** A listed part was never uploaded, or its ETag does not match the uploaded one. */
  | 'InvalidPart'
  /** The parts listed for complete are not in strictly ascending part-number order. */
  | 'InvalidPartOrder'
  /** A part other than the last is smaller than the store's minimum part size. */
  | 'EntityTooSmall'
  | 'InvalidArgument'
  /** The body's MD5 is not the Content-MD5 the client sent with it. */
  | 'BadDigest'
  /** The Content-MD5 sent is not the base64 of 16 bytes. */
  | 'InvalidDigest'
  | 'InvalidRange';

export class BlobError extends Error {
  override readonly name = 'BlobError';

  constructor(
    readonly code: BlobErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const isBlobError = (e: unknown, code?: BlobErrorCode): e is BlobError => e instanceof BlobError && (code === undefined || e.code === code);
