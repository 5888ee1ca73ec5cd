// Blob store failures in the project's error catalogue, for the gateway and for surfaces that call
// the store. The S3 code leads the message ("InvalidPartOrder: ...") so S3-minded clients recognise it.
import { AppError, type ErrorCode } from '../http/index.js';
import type { BlobError, BlobErrorCode } from './errors.js';

const CATALOGUE: Readonly<Record<BlobErrorCode, ErrorCode>> = {
  NoSuchKey: 'not_found',
  NoSuchUpload: 'not_found',
  InvalidPart: 'invalid_request',
  InvalidPartOrder: 'invalid_request',
  EntityTooSmall: 'invalid_request',
  InvalidArgument: 'invalid_request',
  BadDigest: 'invalid_request',
  InvalidDigest: 'invalid_request',
  // Surfaces that serve ranges decide them before reading (src/http/range.ts); this is the same answer.
  InvalidRange: 'range_not_satisfiable',
};

export function blobHttpError(error: BlobError): AppError {
  return new AppError(CATALOGUE[error.code], `${error.code}: ${error.message}`);
}
