// Documents (seeds 000/001): upload, status, result, list, credits, realtime tokens, and `watch`,
// which follows documents over SSE or WebSocket until they finish, minting and renewing its realtime
// tokens and resuming after cuts, drains and refreshes.
import { CapstanError } from './errors.js';
import { blobToBase64 } from './encoding.js';
import type { HttpCore } from './http.js';
import type { ReconnectOptions } from './reconnect.js';
import type { WebSocketConstructor } from './websocket.js';
import { DocumentWatcher, type DocumentWatch, type WatchScope } from './documents-watch.js';
import type { Credits, DocumentList, DocumentResult, DocumentStatus, RealtimeToken, UploadResponse } from './types.js';

export type UploadSource =
  | { readonly url: string; readonly fileName?: string }
  | { readonly file: Blob; readonly fileName: string }
  | { readonly base64: string; readonly fileName: string };

export interface UploadOptions {
  /** Retrying with the same key and body returns the first answer; nothing is billed twice. */
  readonly idempotencyKey?: string;
  readonly xnAddress?: string;
  readonly signal?: AbortSignal;
}

export interface WatchOptions extends ReconnectOptions {
  /** Default 'sse' (resumes with Last-Event-ID); 'websocket' reopens with a fresh snapshot. */
  readonly transport?: 'sse' | 'websocket';
  readonly signal?: AbortSignal;
  /** Renew the realtime token this long before it expires. Default: a fifth of its lifetime, at most 60 s. */
  readonly refreshBeforeMs?: number;
  /** SSE: start after this event id (one you stored), skipping the snapshot. */
  readonly lastEventId?: string;
  /** SSE: no byte for this long means a dead connection, resumed. Default 100 s; 0 turns it off. */
  readonly idleTimeoutMs?: number;
}

export class DocumentsClient {
  constructor(
    private readonly http: HttpCore,
    private readonly apiKey: string | undefined,
    private readonly WebSocketCtor: WebSocketConstructor | undefined,
  ) {}

  private get credential() {
    return { kind: 'orgKey', key: this.apiKey ?? '' } as const;
  }

  async upload(source: UploadSource, options: UploadOptions = {}): Promise<UploadResponse> {
    if (typeof source !== 'object' || source === null) throw new CapstanError({ status: 0, code: 'invalid_request', message: 'upload takes {url}, {file, fileName} or {base64, fileName}' });
    let body: Record<string, string>;
    if ('url' in source) body = { url: source.url, file_name: source.fileName ?? fileNameOf(source.url) };
    else if ('file' in source) body = { file_base64: await blobToBase64(source.file), file_name: source.fileName };
    else body = { file_base64: source.base64, file_name: source.fileName };
    if (options.xnAddress !== undefined) body.xn_address = options.xnAddress;
    return this.http.request<UploadResponse>({
      method: 'POST', path: '/upload', json: body, credential: this.credential, signal: options.signal, untimed: true,
      headers: options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey },
    });
  }

  status(documentId: string, signal?: AbortSignal): Promise<DocumentStatus> {
    return this.http.request({ path: `/status/${encodeURIComponent(documentId)}`, credential: this.credential, signal });
  }

  result(documentId: string, signal?: AbortSignal): Promise<DocumentResult> {
    return this.http.request({ path: `/documents/${encodeURIComponent(documentId)}/result`, credential: this.credential, signal });
  }

  list(page: { limit?: number; offset?: number } = {}, signal?: AbortSignal): Promise<DocumentList> {
    return this.http.request({ path: '/documents', query: { limit: page.limit, offset: page.offset }, credential: this.credential, signal });
  }

  credits(signal?: AbortSignal): Promise<Credits> {
    return this.http.request({ path: '/credits', credential: this.credential, signal });
  }

  mintRealtimeToken(signal?: AbortSignal): Promise<RealtimeToken> {
    return this.http.request({ method: 'POST', path: '/ws/token', credential: this.credential, signal });
  }

  /**
   * Follows one document, several, or the latest N. Iterate it for every status change (each a whole
   * GET /status shape, never the same one twice in a row); `done` resolves when every followed document
   * is completed or failed (with `{recent}`, whose set keeps changing, when the watch is closed).
   */
  watch(documentId: string, options?: WatchOptions): DocumentWatch<DocumentStatus>;
  watch(documentIds: readonly string[], options?: WatchOptions): DocumentWatch<DocumentStatus[]>;
  watch(recent: { readonly recent: number }, options?: WatchOptions): DocumentWatch<DocumentStatus[]>;
  watch(target: string | readonly string[] | { readonly recent: number }, options: WatchOptions = {}): DocumentWatch<DocumentStatus> | DocumentWatch<DocumentStatus[]> {
    const scope: WatchScope = typeof target === 'string' ? { ids: [target], single: true } : 'recent' in target ? { recent: target.recent } : { ids: [...target], single: false };
    const watcher = new DocumentWatcher(this.http, (signal) => this.mintRealtimeToken(signal), this.WebSocketCtor, scope, options);
    return typeof target === 'string' ? watcher.start<DocumentStatus>() : watcher.start<DocumentStatus[]>();
  }
}

/** The server's bound on `file_name`. */
const MAX_FILE_NAME = 255;

/**
 * The name a URL upload is shown under when none is given: the URL's last path segment, as a name the
 * server takes (no control characters, at most 255 characters with its extension kept), else "document".
 */
function fileNameOf(url: string): string {
  let last: string | undefined;
  try {
    last = new URL(url).pathname.split('/').filter(Boolean).at(-1);
  } catch {
    return 'document';
  }
  if (last === undefined) return 'document';
  let name: string;
  try {
    name = decodeURIComponent(last);
  } catch {
    name = last;
  }
  // eslint-disable-next-line no-control-regex
  name = name.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  if (name === '') return 'document';
  const chars = [...name];
  if (chars.length <= MAX_FILE_NAME) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? [...name.slice(dot)] : [];
  return [...chars.slice(0, MAX_FILE_NAME - extension.length), ...extension].join('');
}
