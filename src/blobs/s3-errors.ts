// S3's error responses as BlobErrors: the SDK names each exception after S3's error code, which is
// what BlobErrorCode mirrors, so known codes pass through by name. A bucket that cannot be reached
// (refused, reset, timed out, or failing on its side after the SDK's own retries) is the file store
// unavailable; anything else stays as it is.
import { DependencyUnavailable } from '../util/dependency-unavailable.js';
import { BlobError, type BlobErrorCode } from './errors.js';

const KNOWN: ReadonlySet<string> = new Set<BlobErrorCode>(['NoSuchKey', 'NoSuchUpload', 'InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'InvalidArgument', 'InvalidRange']);

/** Errors of the connection to the bucket, as Node and the SDK's HTTP handler name them. */
const UNREACHABLE: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout', 'RequestTimeTooSkewed']);

export function fromS3Error(error: unknown): unknown {
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const name = e?.name;
  if (typeof name === 'string' && KNOWN.has(name)) return new BlobError(name as BlobErrorCode, (error as Error).message);
  const status = e?.$metadata?.httpStatusCode;
  const unreachable = (typeof e?.code === 'string' && UNREACHABLE.has(e.code)) || (typeof name === 'string' && UNREACHABLE.has(name)) || (typeof status === 'number' && status >= 500);
  return unreachable ? new DependencyUnavailable('the file store', { cause: error }) : error;
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
