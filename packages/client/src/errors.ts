// The one error type the SDK throws: the server's `{error, code}` answers with their status, and the
// failures that happen on the way (no answer, an answer that is not Capstan's, a stream that ended).

/** Codes the server's catalogue defines (docs/api.md, "Error catalogue"). */
export type ServerErrorCode =
  | 'invalid_request' | 'malformed_json' | 'invalid_cursor' | 'invalid_document' | 'invalid_webhook_url'
  | 'url_not_allowed' | 'unknown_event_type' | 'unauthorized' | 'payment_required' | 'forbidden'
  | 'origin_not_allowed' | 'not_found' | 'route_not_found' | 'method_not_allowed' | 'request_timeout'
  | 'conflict' | 'idempotency_conflict' | 'transcript_unavailable' | 'payload_too_large'
  | 'unsupported_media_type' | 'range_not_satisfiable' | 'headers_too_large' | 'rate_limited'
  | 'too_many_connections' | 'internal' | 'not_implemented' | 'unavailable' | 'draining';

/**
 * Codes born in the client: `network_error` (no answer at all), `invalid_response` (an answer that is
 * not Capstan's JSON, such as an HTML page from a wrong base URL or a proxy), `aborted` (the caller's
 * AbortSignal), and the reasons a stream ended for good (`token_expired`, `access_revoked`,
 * `key_revoked`, `stream_closed`).
 */
export type ClientErrorCode = 'network_error' | 'invalid_response' | 'storage_error' | 'aborted' | 'token_expired' | 'token_unavailable' | 'access_revoked' | 'key_revoked' | 'stream_closed';

export type CapstanErrorCode = ServerErrorCode | ClientErrorCode;

export interface CapstanErrorInit {
  /** HTTP status; 0 when no HTTP answer is behind the error. */
  readonly status: number;
  readonly code: CapstanErrorCode | (string & {});
  readonly message: string;
  readonly requestId?: string | undefined;
  /** Milliseconds the server asked to wait (Retry-After), when it said. */
  readonly retryAfterMs?: number | undefined;
  /** The error body's fields beyond `error` and `code`. */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
  readonly cause?: unknown;
}

export class CapstanError extends Error {
  override readonly name = 'CapstanError';
  readonly status: number;
  /** Stable and safe to branch on: the server's code, or one of the client's codes. */
  readonly code: CapstanErrorCode | (string & {});
  /** The X-Request-ID of the answer, to find its log line on the server. */
  readonly requestId: string | undefined;
  /** Milliseconds to wait before trying again, from Retry-After. */
  readonly retryAfter: number | undefined;
  /**
   * The facts some errors carry beside `error` and `code` (docs/api.md, "Errors"): `required_micro` and
   * `balance_micro` of `payment_required`, `limit_bytes` of `payload_too_large`. Empty when none.
   */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(init: CapstanErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfterMs;
    this.details = init.details ?? {};
  }
}

export const isCapstanError = (e: unknown): e is CapstanError => e instanceof CapstanError;

export function abortedError(signal?: AbortSignal): CapstanError {
  return new CapstanError({ status: 0, code: 'aborted', message: 'The operation was aborted', cause: signal?.reason });
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * A URL fit for an error message: realtime tokens (`token`) and keys (`key`) travel in query strings,
 * and error messages end up in logs and error trackers.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\?.*$/s, '');
  }
  for (const name of ['token', 'key']) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
  return parsed.href;
}
