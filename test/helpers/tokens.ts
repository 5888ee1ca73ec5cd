// A signed token's expiry, read from its payload: tests wait for the instant itself rather than guess
// it, since `exp` is a whole second at least the asked lifetime after the mint.
export function tokenExpiryMs(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: unknown };
  if (typeof payload.exp !== 'number') throw new Error('the token carries no exp');
  return payload.exp * 1000;
}

/** Resolves a little after the token's expiry instant. */
export async function pastExpiry(token: string): Promise<void> {
  const wait = tokenExpiryMs(token) + 50 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
