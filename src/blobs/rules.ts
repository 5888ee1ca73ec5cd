// Argument checks both stores make before touching storage, so a bad call fails the same way (and
// without a round trip) whether the backend is the local disk or S3.
import { BlobError } from './errors.js';
import { MAX_LIST_PAGE, MAX_PART_NUMBER, MAX_PRESIGN_SECONDS, MIN_PART_NUMBER, type ByteRange, type CompletedPart, type ExpireOptions } from './types.js';

export const MAX_KEY_BYTES = 1024;
/** Leaves most of S3's 1024 bytes to the keys themselves. */
const MAX_KEY_PREFIX_BYTES = 256;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** S3 allows 1024 bytes of UTF-8; control characters are refused because no Capstan key needs one. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES || CONTROL.test(key)) {
    throw new BlobError('InvalidArgument', `Object keys are 1 to ${MAX_KEY_BYTES} bytes of UTF-8 without control characters`);
  }
}

/** An S3 store's key prefix: '' or a folder ('tenant-a/'), so two prefixes never overlap by accident. */
export function checkKeyPrefix(prefix: string): void {
  if (prefix === '') return;
  if (typeof prefix !== 'string' || Buffer.byteLength(prefix) > MAX_KEY_PREFIX_BYTES || CONTROL.test(prefix) || prefix.startsWith('/') || !prefix.endsWith('/') || prefix.includes('//')) {
    throw new BlobError('InvalidArgument', `A key prefix is empty, or up to ${MAX_KEY_PREFIX_BYTES} bytes ending in '/' without a leading '/', '//' or control characters`);
  }
}

/** A listing or expiry prefix follows the key rules, so an empty one (the whole bucket) is refused. */
export function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || prefix.length === 0 || Buffer.byteLength(prefix) > MAX_KEY_BYTES || CONTROL.test(prefix)) {
    throw new BlobError('InvalidArgument', `A prefix is 1 to ${MAX_KEY_BYTES} bytes of UTF-8 without control characters`);
  }
}

/** The page size of a list call; S3 answers at most MAX_LIST_PAGE keys per call. */
export function checkListLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_PAGE) {
    throw new BlobError('InvalidArgument', `A list limit is an integer between 1 and ${MAX_LIST_PAGE}`);
  }
}

export function checkExpireOptions(options: ExpireOptions): void {
  if (!Array.isArray(options.prefixes) || options.prefixes.length === 0) throw new BlobError('InvalidArgument', 'Expiry needs at least one prefix');
  for (const prefix of options.prefixes) checkPrefix(prefix);
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) throw new BlobError('InvalidArgument', 'An expiry limit is a positive integer');
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
