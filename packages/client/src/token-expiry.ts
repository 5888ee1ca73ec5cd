// A token's own expiry, read without verifying it: the server refuses an expired token with the same
// `401 unauthorized` as a forged one, and only the token itself (its `exp` claim) tells them apart.

/** True when `token` is a JWT whose `exp` has passed; false for anything else (no claim, not a JWT). */
export function hasExpired(token: string, now = Date.now()): boolean {
  const payload = token.split('.')[1];
  if (!payload) return false;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof claims.exp === 'number' && claims.exp * 1000 <= now;
  } catch {
    // Not base64url JSON: not a token whose expiry can be read.
    return false;
  }
}
