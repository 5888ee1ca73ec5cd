// The one way the console calls the admin API: same-origin fetch with the session cookie, the CSRF
// token on every write, and errors as {code, error}. A 401 anywhere ends the session in the page and
// sends the operator to the sign-in form.
import { session, signedOut } from '../session.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** The text the console shows for a failed call: the server's message and its code. */
export const describeError = (e: unknown): string =>
  e instanceof ApiError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e);

export const ADMIN = '/admin/v1';

export interface CallOptions {
  readonly body?: unknown;
  readonly query?: Record<string, string | number | undefined>;
  /** A 401 is the caller's business (the sign-in form), not a lost session. */
  readonly quiet401?: boolean;
}

/** Why the sign-in form shows, by the code or stream reason that ended the session. */
const LOST: Record<string, string> = {
  session_expired: 'Your session expired. Sign in again.',
  signed_out: 'You signed out in another tab or window. Sign in again.',
};

/**
 * The session ended, as a call or a stream found out. Once the page is signed out the first reason
 * stands: a late answer of a call or stream still under way (no cookie any more, or the server's own
 * end of a stream) says less than the one the operator is reading.
 */
export function sessionLost(code: string): void {
  if (session.get().status === 'signed-out') return;
  signedOut(LOST[code] ?? 'You are signed out. Sign in to continue.');
}

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const url = new URL(ADMIN + path, window.location.origin);
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const csrf = session.get().csrfToken;
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached');
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const body = (parsed ?? {}) as { code?: unknown; error?: unknown };
    const code = typeof body.code === 'string' ? body.code : `http_${res.status}`;
    const message = typeof body.error === 'string' ? body.error : `The server answered ${res.status}`;
    if (res.status === 401 && !options.quiet401) sessionLost(code);
    throw new ApiError(res.status, code, message);
  }
  return parsed as T;
}

export const get = <T>(path: string, query?: CallOptions['query']) => call<T>('GET', path, { query });
export const post = <T>(path: string, body: unknown = {}) => call<T>('POST', path, { body });
export const patch = <T>(path: string, body: unknown) => call<T>('PATCH', path, { body });
export const del = <T>(path: string) => call<T>('DELETE', path);
