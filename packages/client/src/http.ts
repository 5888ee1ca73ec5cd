// The core every surface calls through: one fetch with the base URL, the surface's credential, and
// the answer turned into data or a CapstanError (server errors, non-JSON answers, no answer at all).
import { abortedError, CapstanError, parseRetryAfter, redactUrl } from './errors.js';
import { linkedController } from './reconnect.js';

/** The platform's fetch, or a stand-in with the same shape. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * How a request proves who it is: an organization key travels in `capout-api-key`; app keys
 * (`csk_`, `cpk_`), contact tokens and realtime tokens as `Authorization: Bearer`.
 */
export type Credential =
  | { readonly kind: 'orgKey'; readonly key: string }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'none' };

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RequestOptions {
  readonly method?: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is (FormData, Blob…); the platform sets its content type. */
  readonly body?: BodyInit;
  readonly headers?: Readonly<Record<string, string>>;
  readonly credential: Credential;
  readonly signal?: AbortSignal | undefined;
  /**
   * An upload's body takes what the link takes: its request is not bounded by the client's
   * `timeoutMs`, only by its signal.
   */
  readonly untimed?: boolean;
}

/** How long a request waits for its answer to begin unless the client says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export function authHeaders(credential: Credential): Record<string, string> {
  if (credential.kind === 'orgKey') return { 'capout-api-key': credential.key };
  if (credential.kind === 'bearer') return { authorization: `Bearer ${credential.token}` };
  return {};
}

/** The base URL without a trailing slash: paths are appended to it, so a proxy prefix is kept. */
export function normalizeBaseUrl(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch (e) {
    throw new CapstanError({ status: 0, code: 'invalid_request', message: `baseUrl is not an absolute URL: ${baseUrl}`, cause: e });
  }
  return parsed.href.replace(/\/+$/, '');
}

export class HttpCore {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    readonly fetchImpl: FetchLike,
    /** The longest a request waits for its answer's status and headers; 0 waits as long as the platform does. */
    readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.baseUrl = normalizeBaseUrl(baseUrl);
  }

  url(path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (typeof value === 'object') for (const v of value) url.searchParams.append(name, v);
      else url.searchParams.set(name, String(value));
    }
    return url.href;
  }

  /**
   * Sends the request and hands a 2xx answer to `read` (an answer that is not 2xx is thrown as a
   * CapstanError). The caller's signal aborts the reading too.
   */
  async send<T>(options: RequestOptions, read: (res: Response) => Promise<T>): Promise<T> {
    const headers: Record<string, string> = { ...authHeaders(options.credential), ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const url = this.url(options.path, options.query);
    const limit = options.untimed ? 0 : this.timeoutMs;
    return fetchWithin(limit, options.signal, url, (signal) => this.fetchImpl(url, { method: options.method ?? 'GET', headers, body, signal }), async (res) => {
      if (!res.ok) throw await errorFromResponse(res, url);
      return read(res);
    });
  }

  /** Sends the request and reads its JSON answer (undefined for 204). */
  request<T>(options: RequestOptions): Promise<T> {
    const url = this.url(options.path, options.query);
    return this.send(options, (res) => (res.status === 204 ? Promise.resolve(undefined as T) : readJson<T>(res, url, options.signal)));
  }
}

/**
 * `fetch` given at most `limitMs` (0: no limit) for the answer to begin, then `read` of the answer: a
 * server that takes the connection and never answers is `network_error` then, instead of a wait of
 * minutes (Node's fetch gives up after 300 s, a browser's never). The caller's `signal` aborts either
 * as `aborted`; it stays linked to the request until `read` is done, and no longer.
 */
export async function fetchWithin<T>(limitMs: number, signal: AbortSignal | undefined, url: string, fetch: (signal: AbortSignal) => Promise<Response>, read: (res: Response) => Promise<T>): Promise<T> {
  const { controller, dispose } = linkedController(signal ?? new AbortController().signal);
  let timedOut = false;
  const timer = limitMs > 0 ? setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, limitMs) : undefined;
  try {
    let res: Response;
    try {
      res = await fetch(controller.signal);
    } catch (e) {
      if (timedOut && !signal?.aborted) throw new CapstanError({ status: 0, code: 'network_error', message: `No answer from ${redactUrl(url)} within ${limitMs} ms`, cause: e });
      throw networkError(e, url, signal);
    } finally {
      clearTimeout(timer);
    }
    return await read(res);
  } finally {
    dispose();
  }
}

export function networkError(e: unknown, url: string, signal?: AbortSignal): CapstanError {
  if (signal?.aborted) return abortedError(signal);
  if (e instanceof CapstanError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new CapstanError({ status: 0, code: 'network_error', message: `No answer from ${redactUrl(url)}: ${why}`, cause: e });
}

async function readJson<T>(res: Response, url: string, signal?: AbortSignal): Promise<T> {
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    throw networkError(e, url, signal);
  }
  const requestId = res.headers.get('x-request-id') ?? undefined;
  const type = res.headers.get('content-type') ?? '';
  try {
    if (!/\bjson\b/i.test(type)) throw new Error('not JSON');
    return JSON.parse(text) as T;
  } catch (e) {
    throw new CapstanError({ status: res.status, code: 'invalid_response', message: `Expected JSON from ${redactUrl(url)}, got ${describe(type, text)}: is the base URL Capstan's?`, requestId, cause: e });
  }
}

/** A failed answer: Capstan's `{error, code}`, or `invalid_response` for anything else (a proxy's page). */
export async function errorFromResponse(res: Response, url: string): Promise<CapstanError> {
  const requestId = res.headers.get('x-request-id') ?? undefined;
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  let text = '';
  try {
    text = await res.text();
  } catch {
    // The body is gone; the status still says what happened, and the code falls back below.
  }
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null) {
      const { error, code, ...details } = body as { error?: unknown; code?: unknown };
      if (typeof error === 'string' && typeof code === 'string') return new CapstanError({ status: res.status, code, message: error, requestId, retryAfterMs, details });
    }
  } catch {
    // Not JSON: answered below as invalid_response.
  }
  const type = res.headers.get('content-type') ?? '';
  return new CapstanError({ status: res.status, code: 'invalid_response', message: `${res.status} from ${redactUrl(url)} with ${describe(type, text)}, not a Capstan error: is the base URL Capstan's?`, requestId, retryAfterMs });
}

function describe(type: string, text: string): string {
  const start = text.slice(0, 60).replace(/\s+/g, ' ');
  return `${type || 'no content type'} (${JSON.stringify(start)}${text.length > 60 ? '…' : ''})`;
}
