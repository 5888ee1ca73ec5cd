// The organizer (seed 002): files (multipart upload as the server streams it), folders, organize jobs,
// and the `client_id` WebSocket, reopened with backoff under the same client_id when it drops.
import { Channel } from './channel.js';
import { randomId } from './encoding.js';
import { CapstanError } from './errors.js';
import { networkError, type HttpCore } from './http.js';
import { linkedController, Reconnector, type ReconnectOptions } from './reconnect.js';
import { parseJsonObject, PROTOCOL_CLOSE_CODES, terminalOfCloseCode, terminalOfMessage } from './terminal.js';
import type { OrganizerFile, OrganizerFileList, OrganizerFolderList, OrganizerJob, OrganizerJobDetail, OrganizerJobUndone, OrganizerMessage, TerminalEvent } from './types.js';
import { openSocket, resolveWebSocket, toWebSocketUrl, type SocketSession, type WebSocketConstructor } from './websocket.js';

export interface FileToUpload {
  readonly file: Blob;
  /** The name to file it under; a File's own name when omitted. */
  readonly name?: string;
}

export type JobSource = { readonly fileIds: readonly string[] } | { readonly folder: string; readonly recursive?: boolean };

export interface OrganizerSocketOptions extends ReconnectOptions {
  /** The socket's client_id; one is generated when omitted (the same one is reused on every reconnect). */
  readonly clientId?: string;
  readonly signal?: AbortSignal;
}

export interface OrganizerSocket extends AsyncIterable<OrganizerMessage> {
  readonly clientId: string;
  /** Resolves when the socket first opens; rejects when it never could. */
  readonly opened: Promise<void>;
  /** Sends `{"type":"ping"}`; the answer is a `pong` message. */
  ping(): void;
  close(): void;
}

export interface UploadFilesOptions {
  /** Retrying with the same key and the same files returns the first answer; nothing is stored twice. */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof AbortSignal !== 'undefined' && value instanceof AbortSignal;
}

export class OrganizerClient {
  constructor(
    private readonly http: HttpCore,
    private readonly apiKey: string | undefined,
    private readonly WebSocketCtor: WebSocketConstructor | undefined,
  ) {}

  private get credential() {
    return { kind: 'orgKey', key: this.apiKey ?? '' } as const;
  }

  /**
   * Uploads files as multipart/form-data (streamed to storage by the server); all or nothing. With an
   * idempotencyKey, a retry of the same files returns the first upload's files instead of a second copy.
   * (An AbortSignal in place of the options is still taken.)
   */
  async uploadFiles(files: readonly FileToUpload[], options: UploadFilesOptions | AbortSignal = {}): Promise<OrganizerFile[]> {
    const { signal, idempotencyKey } = isAbortSignal(options) ? { signal: options, idempotencyKey: undefined } : options;
    const form = new FormData();
    for (const f of files) form.append('file', f.file, f.name ?? (f.file as { name?: string }).name ?? 'file');
    const res = await this.http.request<{ files: OrganizerFile[] }>({
      method: 'POST', path: '/api/v1/files', body: form, credential: this.credential, signal, untimed: true,
      headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    });
    return res.files;
  }

  listFiles(query: { folder?: string; recursive?: boolean; limit?: number; offset?: number } = {}, signal?: AbortSignal): Promise<OrganizerFileList> {
    return this.http.request({ path: '/api/v1/files', query, credential: this.credential, signal });
  }

  getFile(fileId: string, signal?: AbortSignal): Promise<OrganizerFile> {
    return this.http.request({ path: `/api/v1/files/${encodeURIComponent(fileId)}`, credential: this.credential, signal });
  }

  /** The file's bytes. */
  async download(fileId: string, signal?: AbortSignal): Promise<Blob> {
    const path = `/api/v1/files/${encodeURIComponent(fileId)}/content`;
    return this.http.send({ path, credential: this.credential, signal }, async (res) => {
      try {
        return await res.blob();
      } catch (e) {
        throw networkError(e, this.http.url(path), signal);
      }
    });
  }

  /** Renames and/or moves a file. */
  updateFile(fileId: string, change: { name?: string; folder?: string }, signal?: AbortSignal): Promise<OrganizerFile> {
    return this.http.request({ method: 'PATCH', path: `/api/v1/files/${encodeURIComponent(fileId)}`, json: change, credential: this.credential, signal });
  }

  async deleteFile(fileId: string, signal?: AbortSignal): Promise<void> {
    await this.http.request({ method: 'DELETE', path: `/api/v1/files/${encodeURIComponent(fileId)}`, credential: this.credential, signal });
  }

  folders(parent?: string, signal?: AbortSignal): Promise<OrganizerFolderList> {
    return this.http.request({ path: '/api/v1/folders', query: { parent }, credential: this.credential, signal });
  }

  createJob(source: JobSource, signal?: AbortSignal): Promise<OrganizerJob> {
    const json = 'fileIds' in source ? { file_ids: source.fileIds } : { folder: source.folder, ...(source.recursive === undefined ? {} : { recursive: source.recursive }) };
    return this.http.request({ method: 'POST', path: '/api/v1/jobs', json, credential: this.credential, signal });
  }

  getJob(jobId: string, signal?: AbortSignal): Promise<OrganizerJobDetail> {
    return this.http.request({ path: `/api/v1/jobs/${encodeURIComponent(jobId)}`, credential: this.credential, signal });
  }

  cancelJob(jobId: string, signal?: AbortSignal): Promise<OrganizerJob> {
    return this.http.request({ method: 'POST', path: `/api/v1/jobs/${encodeURIComponent(jobId)}/cancel`, credential: this.credential, signal });
  }

  undoJob(jobId: string, signal?: AbortSignal): Promise<OrganizerJobUndone> {
    return this.http.request({ method: 'POST', path: `/api/v1/jobs/${encodeURIComponent(jobId)}/undo`, credential: this.credential, signal });
  }

  /**
   * The organization's organizer events. A dropped socket is reopened with backoff (after
   * `stream.draining`, after its retry_ms); a revoked key ends the iteration with `key_revoked`.
   * Every (re)connect first brings a `job_progress` for each running job.
   */
  connect(options: OrganizerSocketOptions = {}): OrganizerSocket {
    const clientId = options.clientId ?? randomId();
    const { controller: life, dispose } = linkedController(options.signal ?? new AbortController().signal);
    const channel = new Channel<OrganizerMessage>(() => life.abort());
    let current: SocketSession | undefined;
    let markOpened: () => void = () => undefined;
    let failOpened: (e: unknown) => void = () => undefined;
    const opened = new Promise<void>((resolve, reject) => {
      markOpened = resolve;
      failOpened = reject;
    });
    opened.catch(() => undefined);
    const run = async (): Promise<void> => {
      const signal = life.signal;
      const reconnect = new Reconnector(options, signal);
      const Ctor = resolveWebSocket(this.WebSocketCtor);
      while (!signal.aborted) {
        const url = toWebSocketUrl(this.http.url(`/api/v1/ws/${encodeURIComponent(clientId)}`, { token: this.apiKey ?? '' }));
        try {
          current = await openSocket(Ctor, url, signal);
        } catch (e) {
          await reconnect.afterFailure(await this.explainRefusal(e, signal));
          continue;
        }
        reconnect.opened();
        markOpened();
        let terminal: TerminalEvent | undefined;
        for await (const text of current.messages) {
          const body = parseJsonObject(text);
          if (!body || typeof body.type !== 'string') continue;
          const t = terminalOfMessage(body);
          if (t) terminal = t;
          else channel.push(body as unknown as OrganizerMessage);
        }
        const closed = await current.closed;
        current = undefined;
        if (signal.aborted) return;
        if (PROTOCOL_CLOSE_CODES.has(closed.code)) throw new CapstanError({ status: 0, code: 'stream_closed', message: `The server closed the socket with ${closed.code} (${closed.reason})` });
        terminal ??= terminalOfCloseCode(closed.code);
        if (terminal?.type === 'stream.unauthorized') throw new CapstanError({ status: 401, code: 'key_revoked', message: 'The server ended the socket: its API key was revoked' });
        if (terminal?.type === 'stream.draining') await reconnect.afterDrain(terminal.data.retry_ms);
        else if (terminal?.type !== 'stream.overflow') await reconnect.afterCut();
      }
    };
    run().then(
      () => channel.end(),
      (e: unknown) => {
        failOpened(e);
        if (life.signal.aborted) channel.end();
        else channel.fail(e);
      },
    ).finally(() => {
      dispose();
      failOpened(new CapstanError({ status: 0, code: 'aborted', message: 'The socket was closed before it opened' }));
    });
    return {
      clientId,
      opened,
      [Symbol.asyncIterator]: () => channel,
      ping: () => current?.send(JSON.stringify({ type: 'ping' })),
      close: () => life.abort(),
    };
  }

  /**
   * A browser does not show why an upgrade was refused. A REST call with the same key tells a bad key
   * (401) or a wrong base URL (no answer, not Capstan's) apart from a passing refusal (the client_id
   * still held by the socket that just dropped, too many connections, a draining node), which is retried.
   */
  private async explainRefusal(e: unknown, signal: AbortSignal): Promise<unknown> {
    try {
      await this.listFiles({ limit: 1 }, signal);
    } catch (probe) {
      return probe;
    }
    return new CapstanError({ status: 503, code: 'unavailable', message: 'The organizer socket was refused (client_id still connected, too many connections, or a draining server)', cause: e });
  }
}
