// The admin API's guard: a constant-time comparison against CAPSTAN_ADMIN_TOKEN.
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../http/errors.js';
import { bearerToken } from './credentials.js';

export function checkAdminToken(expected: string | null, authorization: string | undefined): void {
  // With no admin token configured the admin API does not exist.
  if (!expected) throw new AppError('route_not_found');
  const given = bearerToken(authorization);
  if (!given) throw new AppError('unauthorized', authorization ? 'Malformed admin token: send one `Authorization: Bearer <token>`' : 'Missing admin token');
  if (!isAdminToken(expected, given)) throw new AppError('unauthorized', 'Invalid admin token');
}

/** The digest of the configured token, made once rather than on every admin request. */
let expectedDigest: { readonly token: string; readonly digest: Buffer } | undefined;

function digestOfExpected(expected: string): Buffer {
  if (expectedDigest?.token !== expected) expectedDigest = { token: expected, digest: createHash('sha256').update(expected).digest() };
  return expectedDigest.digest;
}

/** Compares digests, so the time taken says nothing about the token, not even its length. */
export function isAdminToken(expected: string, given: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), digestOfExpected(expected));
}
