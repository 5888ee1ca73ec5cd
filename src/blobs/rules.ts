// Argument checks both stores make before touching storage, so a bad call fails the same way (and
// without a round trip) whether the backend is the local disk or S3.
import { BlobError } from './errors.js';
import { MAX_PART_NUMBER, MAX_PRESIGN_SECONDS, MIN_PART_NUMBER, type ByteRange, type CompletedPart } from './types.js';

const MAX_KEY_BYTES = 1024;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** S3 allows 1024 bytes of UTF-8; control characters are refused because no Capstan key needs one. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES || CONTROL.test(key)) {
    throw new BlobError('InvalidArgument', `Object keys are 1 to ${MAX_KEY_BYTES} bytes of UTF-8 without control characters`);
  }
}

export function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < MIN_PART_NUMBER || partNumber > MAX_PART_NUMBER) {
    throw new BlobError('InvalidArgument', `Part number must be an integer between ${MIN_PART_NUMBER} and ${MAX_PART_NUMBER}, inclusive`);
  }
}

export function checkExpiresIn(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new BlobError('InvalidArgument', `Presigned URLs expire after 1 to ${MAX_PRESIGN_SECONDS} seconds`);
  }
}

export function checkRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new BlobError('InvalidArgument', 'A byte range needs integer offsets with 0 <= start <= end');
  }
}

/** The part list of a complete call: non-empty, valid numbers, strictly ascending (S3's rules). */
export function checkCompletedParts(parts: readonly CompletedPart[]): void {
  if (parts.length === 0) throw new BlobError('InvalidArgument', 'Complete needs at least one part');
  let previous = 0;
  for (const part of parts) {
    checkPartNumber(part.partNumber);
    if (typeof part.etag !== 'string' || part.etag.length === 0) throw new BlobError('InvalidArgument', `Part ${part.partNumber} has no ETag`);
    if (part.partNumber <= previous) throw new BlobError('InvalidPartOrder', 'The list of parts was not in ascending order; parts must be ordered by part number');
    previous = part.partNumber;
  }
}
