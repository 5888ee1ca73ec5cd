// The console session cookie: read from a Cookie header, written on sign-in, cleared on sign-out.
// HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure over https.

export const CONSOLE_COOKIE = 'capstan_console';

/** The first capstan_console value of a Cookie header, or undefined. */
export function consoleCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== CONSOLE_COOKIE) continue;
    return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie value that stores a session for `maxAgeSeconds` (0 clears it). */
export function consoleCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${CONSOLE_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
