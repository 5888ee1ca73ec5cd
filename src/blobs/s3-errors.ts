// S3's error responses as BlobErrors: the SDK names each exception after S3's error code, which is
// what BlobErrorCode mirrors, so known codes pass through by name and anything else stays as it is.
import { BlobError, type BlobErrorCode } from './errors.js';

const KNOWN: ReadonlySet<string> = new Set<BlobErrorCode>(['NoSuchKey', 'NoSuchUpload', 'InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'InvalidArgument', 'InvalidRange']);

export function fromS3Error(error: unknown): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && KNOWN.has(name)) return new BlobError(name as BlobErrorCode, (error as Error).message);
  return error;
}

/** HeadObject has no body to carry a code: a missing key is a bare 404, named NotFound by the SDK. */
export function isS3NotFound(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

export async function s3Call<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw fromS3Error(e);
  }
}
