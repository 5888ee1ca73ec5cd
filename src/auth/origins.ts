// The Origin allow-list of developer apps: public (cpk_) keys of production apps work only from the
// origins the app lists; development apps skip the check, as the developer video contract says.
import { AppError } from '../http/errors.js';
import type { App } from '../storage/index.js';
import { canonicalOrigin } from '../util/hosts.js';

/** The origin of a stored allowed entry, in canonical form (lower case, default port dropped), or undefined. */
function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/**
 * An entry of an app's allowed origins in the form it is stored and compared in: `*`, or
 * scheme://host[:port] lower-cased with the default port dropped. Undefined for anything else: a path,
 * query, user, wildcard host, port 0 or a port past 65535 could never match a browser's Origin header.
 */
export function allowedOriginEntry(value: string): string | undefined {
  if (value === '*') return value;
  const origin = canonicalOrigin(value);
  return origin === undefined || new URL(origin).port === '0' ? undefined : origin;
}

/**
 * The allowed origins in stored form, each once (entries that are the same origin once normalised,
 * `HTTPS://A.com:443` and `https://a.com`, are one); a 400 naming the first entry that is not an origin.
 */
export function allowedOriginList(values: readonly string[]): string[] {
  const entries = values.map((value, i) => {
    const entry = allowedOriginEntry(value);
    if (entry === undefined) throw new AppError('invalid_request', `allowed_origins[${i}] is not an origin: give * or scheme://host[:port], as a browser sends it in Origin (no path, wildcard host, user or port 0)`);
    return entry;
  });
  return [...new Set(entries)];
}

/**
 * Whether an Origin header's value is one of the allowed origins. The header must be an origin exactly
 * as a browser sends it: a value with a path, user or trailing slash is no browser's, so it matches
 * nothing, even though a URL parser would find an allowed origin in it.
 */
export function originAllowed(allowed: readonly string[], origin: string | undefined): boolean {
  if (allowed.includes('*')) return true;
  if (origin === undefined) return false;
  const given = canonicalOrigin(origin);
  return given !== undefined && allowed.some((a) => originOf(a) === given);
}

/** Throws 403 origin_not_allowed when a production app is called from an origin it does not list. */
export function checkAppOrigin(app: App, origin: string | undefined): void {
  if (app.environment !== 'production') return;
  const allowed = JSON.parse(app.allowed_origins) as string[];
  if (!originAllowed(allowed, origin)) throw new AppError('origin_not_allowed', origin ? `Origin ${origin} is not allowed for this app` : 'An Origin header from an allowed domain is required for production apps');
}
