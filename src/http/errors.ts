// The error catalogue: the only place an error code is born. Each code has one HTTP status and a
// default message; responses are {"error": message, "code": code}. docs/api.md lists them all.

export const ERRORS = {
  invalid_request: { status: 400, message: 'The request is missing a parameter or has an invalid one' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON' },
  invalid_cursor: { status: 400, message: 'The resume cursor must be a UUIDv7' },
  invalid_document: { status: 400, message: 'The document cannot be read' },
  invalid_webhook_url: { status: 400, message: 'The webhook URL is not one Capstan sends to' },
  url_not_allowed: { status: 400, message: 'The URL points to a non-public address' },
  unknown_event_type: { status: 400, message: 'The events filter names an unknown event type' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials' },
  session_expired: { status: 401, message: 'The console session has expired; sign in again' },
  payment_required: { status: 402, message: 'Insufficient credits' },
  forbidden: { status: 403, message: 'Forbidden' },
  origin_not_allowed: { status: 403, message: 'Origin not allowed' },
  csrf_failed: { status: 403, message: 'The request did not come from the console (missing or wrong CSRF token or Origin)' },
  not_found: { status: 404, message: 'Not found' },
  route_not_found: { status: 404, message: 'No such route' },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  request_timeout: { status: 408, message: 'The request did not arrive in time' },
  conflict: { status: 409, message: 'Conflict' },
  idempotency_conflict: { status: 409, message: 'This Idempotency-Key was used with a different request' },
  transcript_unavailable: { status: 409, message: 'The video has no transcript: its transcriptionStatus is not COMPLETE' },
  precondition_failed: { status: 412, message: 'A precondition of the request (If-Match or If-Unmodified-Since) does not hold' },
  payload_too_large: { status: 413, message: 'Request body too large' },
  unsupported_media_type: { status: 415, message: 'Unsupported content type' },
  range_not_satisfiable: { status: 416, message: 'The requested range is not satisfiable' },
  upgrade_required: { status: 426, message: 'This endpoint is a WebSocket: connect with an Upgrade: websocket request' },
  headers_too_large: { status: 431, message: 'The request headers are too large' },
  rate_limited: { status: 429, message: 'Too many requests' },
  too_many_connections: { status: 429, message: 'Too many open connections' },
  internal: { status: 500, message: 'Internal server error' },
  not_implemented: { status: 501, message: 'The request uses a transfer coding Capstan does not implement' },
  unavailable: { status: 503, message: 'Service unavailable' },
  console_unavailable: { status: 503, message: 'The console is not built: run npm run build' },
  draining: { status: 503, message: 'The server is draining; reconnect after a short delay' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The only codes whose bodies carry fields beside error and code, and those fields (docs/api.md, Errors). */
export const ERROR_FIELDS: Readonly<Partial<Record<ErrorCode, readonly string[]>>> = {
  payment_required: ['required_micro', 'balance_micro'],
  payload_too_large: ['limit_bytes'],
};

/** The fields an error body with this code may have. */
export const errorBodyFields = (code: ErrorCode): readonly string[] => ['code', 'error', ...(ERROR_FIELDS[code] ?? [])];

export interface ErrorBody {
  error: string;
  code: ErrorCode;
  /** Facts a client acts on, beside the message: the limit a 413 passed, the credits a 402 lacked. */
  [field: string]: string | number;
}

/** Extra body fields of an error; they never replace `error` or `code`. */
export type ErrorFields = Readonly<Record<string, string | number>>;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;
  /** Extra response headers, e.g. Retry-After on 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    headers: Record<string, string> = {},
    readonly fields: ErrorFields = {},
  ) {
    super(message ?? ERRORS[code].message);
    this.status = ERRORS[code].status;
    this.headers = headers;
  }

  toBody(): ErrorBody {
    return { ...this.fields, error: this.message, code: this.code };
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/**
 * 409 for a request whose Idempotency-Key another request, still running, holds (on this node or
 * another). Unlike a key reused for another request, it passes: Retry-After says when to ask again,
 * and the retry then gets the first request's answer.
 */
export function idempotencyInProgress(message = 'A request with this Idempotency-Key is still being processed; retry shortly'): AppError {
  return new AppError('idempotency_conflict', message, { 'Retry-After': '1' });
}

/** A key whose request was applied but whose answer cannot be given again: it must not be retried. */
export function answerLost(): AppError {
  return new AppError('idempotency_conflict', 'A request with this Idempotency-Key was applied, but its answer was lost; do not apply it again');
}
