// The engine behind `documents.watch`: one realtime connection at a time, over SSE or WebSocket, with
// the token minted, renewed before it expires and re-minted after `stream.expired`; SSE resumes with
// the last event id, a WebSocket (which has no cursor) reopens with a snapshot. Every message is a
// whole status, so a status equal to the last one delivered for its document is a repeat (a snapshot
// after a reconnect) and is dropped: the caller sees each change once.
import { Channel } from './channel.js';
import { abortedError, CapstanError } from './errors.js';
import type { HttpCore } from './http.js';
import { linkedController, Reconnector } from './reconnect.js';
import { DEFAULT_IDLE_TIMEOUT_MS, openEventStream, readEventStream } from './sse.js';
import { parseJsonObject, PROTOCOL_CLOSE_CODES, terminalOfCloseCode, terminalOfMessage } from './terminal.js';
import type { DocumentStatus, RealtimeToken, TerminalEvent } from './types.js';
import { openSocket, resolveWebSocket, toWebSocketUrl, type WebSocketConstructor } from './websocket.js';
import type { WatchOptions } from './documents.js';

export type WatchScope = { readonly ids: readonly string[]; readonly single: boolean } | { readonly recent: number };

export interface DocumentWatch<F> extends AsyncIterable<DocumentStatus> {
  /** Resolves with the final status(es) once every followed document is completed or failed. */
  readonly done: Promise<F>;
  /** The latest status of every document seen so far. */
  readonly statuses: ReadonlyMap<string, DocumentStatus>;
  /** Stops watching and closes the connection. */
  close(): void;
}

type Outcome = { readonly kind: 'cut' } | { readonly kind: 'terminal'; readonly terminal: TerminalEvent };

const isFinal = (s: DocumentStatus | undefined): boolean => s?.status === 'completed' || s?.status === 'failed';
const MAX_REFRESH_LEAD_MS = 60_000;

export class DocumentWatcher {
  private readonly life: AbortController;
  private readonly detachLife: () => void;
  private readonly channel: Channel<DocumentStatus>;
  private readonly latest = new Map<string, DocumentStatus>();
  private readonly lastJson = new Map<string, string>();
  private readonly done: Promise<unknown>;
  private settle: { resolve: (v: unknown) => void; reject: (e: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  private token: RealtimeToken | undefined;
  private cursor: string | undefined;
  /** A 401 was answered by minting a new token once; a second one ends the watch. */
  private reminted = false;

  constructor(
    private readonly http: HttpCore,
    private readonly mint: (signal: AbortSignal) => Promise<RealtimeToken>,
    private readonly WebSocketCtor: WebSocketConstructor | undefined,
    private readonly scope: WatchScope,
    private readonly options: WatchOptions,
  ) {
    const linked = linkedController(options.signal ?? new AbortController().signal);
    this.life = linked.controller;
    this.detachLife = linked.dispose;
    this.channel = new Channel(() => this.life.abort());
    this.cursor = options.lastEventId;
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Callers who only iterate never look at `done`: its rejection must not go unhandled.
    this.done.catch(() => undefined);
  }

  start<F>(): DocumentWatch<F> {
    this.run().then(
      () => this.stopped(),
      (e: unknown) => {
        if (this.life.signal.aborted) return this.stopped();
        this.channel.fail(e);
        this.settle.reject(e);
      },
    ).finally(this.detachLife);
    return {
      [Symbol.asyncIterator]: () => this.channel,
      done: this.done as Promise<F>,
      statuses: this.latest,
      close: () => this.life.abort(),
    };
  }

  private stopped(): void {
    this.channel.end();
    if ('recent' in this.scope) this.settle.resolve([...this.latest.values()]);
    else this.settle.reject(abortedError(this.options.signal));
  }

  private accept(status: DocumentStatus): void {
    const json = JSON.stringify(status);
    if (this.lastJson.get(status.document_id) === json) return;
    this.lastJson.set(status.document_id, json);
    this.latest.set(status.document_id, status);
    this.channel.push(status);
    if ('recent' in this.scope) return;
    const { ids, single } = this.scope;
    if (!ids.every((id) => isFinal(this.latest.get(id)))) return;
    const finals = ids.map((id) => this.latest.get(id) as DocumentStatus);
    this.settle.resolve(single ? finals[0] : finals);
    this.channel.end();
    this.life.abort();
  }

  private refreshDelay(token: RealtimeToken): number {
    const left = Date.parse(token.expires_at) - Date.now();
    const lead = this.options.refreshBeforeMs ?? Math.min(MAX_REFRESH_LEAD_MS, left / 5);
    return Math.max(0, left - lead);
  }

  private async run(): Promise<void> {
    const signal = this.life.signal;
    const reconnect = new Reconnector(this.options, signal);
    const transport = this.options.transport ?? 'sse';
    while (!signal.aborted) {
      if (!this.token) {
        try {
          this.token = await this.mint(signal);
        } catch (e) {
          await reconnect.afterFailure(e);
          continue;
        }
      }
      const attempt = linkedController(signal);
      let renewed = false;
      // Renew ahead of expiry: the new token first, then this connection makes way for one opened with
      // it, resuming where this one stopped.
      const timer = setTimeout(() => {
        this.mint(signal).then((fresh) => {
          this.token = fresh;
          renewed = true;
          attempt.controller.abort();
        }, () => undefined);
      }, this.refreshDelay(this.token));
      let outcome: Outcome;
      try {
        outcome = transport === 'websocket' ? await this.overSocket(attempt.controller.signal, reconnect) : await this.overSse(attempt.controller.signal, reconnect);
      } catch (e) {
        if (signal.aborted) return;
        if (renewed) continue;
        if (e instanceof CapstanError && e.status === 401 && !this.reminted) {
          this.reminted = true;
          this.token = undefined;
          continue;
        }
        await reconnect.afterFailure(e);
        continue;
      } finally {
        clearTimeout(timer);
        attempt.controller.abort();
        attempt.dispose();
      }
      if (signal.aborted) return;
      if (renewed) continue;
      if (outcome.kind === 'cut') {
        await reconnect.afterCut();
        continue;
      }
      const { terminal } = outcome;
      switch (terminal.type) {
        case 'stream.expired':
          this.token = undefined;
          break;
        case 'stream.unauthorized':
          throw new CapstanError({ status: 401, code: terminal.data.reason === 'access_revoked' ? 'access_revoked' : 'key_revoked', message: 'The server ended the stream: the API key that minted its token was revoked' });
        case 'stream.draining':
          await reconnect.afterDrain(terminal.data.retry_ms);
          break;
        case 'stream.stale_resume':
          this.cursor = undefined;
          break;
        case 'stream.overflow':
          break;
      }
    }
  }

  private query(token: RealtimeToken): Record<string, string | readonly string[] | undefined> {
    return 'recent' in this.scope ? { token: token.token, recent: String(this.scope.recent) } : { token: token.token, document_id: this.scope.ids };
  }

  private opened(reconnect: Reconnector): void {
    reconnect.opened();
    this.reminted = false;
  }

  private offer(body: Record<string, unknown>): void {
    if (typeof body.document_id === 'string' && typeof body.status === 'string') this.accept(body as unknown as DocumentStatus);
  }

  private async overSse(signal: AbortSignal, reconnect: Reconnector): Promise<Outcome> {
    const token = this.token as RealtimeToken;
    const headers: Record<string, string> = this.cursor === undefined ? {} : { 'last-event-id': this.cursor };
    const url = this.http.url(pathOf(token.sse_url, '/sse/status'), this.query(token));
    const res = await openEventStream({ fetch: this.http.fetchImpl, url, headers, signal, idleTimeoutMs: this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS });
    try {
      for await (const message of readEventStream(res, { signal, idleTimeoutMs: this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, onRetry: (ms) => (reconnect.serverRetryMs = ms), onFirstBytes: () => this.opened(reconnect) })) {
        const body = parseJsonObject(message.data);
        if (!body) continue;
        const terminal = message.id === undefined ? terminalOfMessage(body) : undefined;
        if (terminal) return { kind: 'terminal', terminal };
        if (message.id !== undefined) this.cursor = message.id;
        this.offer(body);
      }
    } catch (e) {
      if (signal.aborted || (e instanceof CapstanError && e.code === 'network_error')) return { kind: 'cut' };
      throw e;
    }
    return { kind: 'cut' };
  }

  /**
   * A WebSocket does not show why an upgrade was refused (a browser's not even its status). The same
   * token and scope asked of the SSE route, which the server checks alike, tell a bad scope (400), the
   * key's connection limit (429 with Retry-After), an expired token (401) or a wrong base URL apart
   * from a passing refusal, which is retried like a 503. A stream the probe opens is closed at once.
   */
  private async explainRefusal(e: unknown, token: RealtimeToken, signal: AbortSignal): Promise<unknown> {
    try {
      const url = this.http.url(pathOf(token.sse_url, '/sse/status'), this.query(token));
      const res = await openEventStream({ fetch: this.http.fetchImpl, url, headers: {}, signal, idleTimeoutMs: this.http.timeoutMs });
      await res.body?.cancel().catch(() => undefined);
    } catch (probe) {
      return probe;
    }
    return new CapstanError({ status: 503, code: 'unavailable', message: 'The documents socket was refused', cause: e });
  }

  private async overSocket(signal: AbortSignal, reconnect: Reconnector): Promise<Outcome> {
    const token = this.token as RealtimeToken;
    const url = toWebSocketUrl(this.http.url(pathOf(token.ws_url, '/ws/status'), this.query(token)));
    // Outside the try: a runtime without WebSocket is no passing refusal, and retrying would not fix it.
    const Ctor = resolveWebSocket(this.WebSocketCtor);
    let session;
    try {
      session = await openSocket(Ctor, url, signal);
    } catch (e) {
      throw await this.explainRefusal(e, token, signal);
    }
    this.opened(reconnect);
    let terminal: TerminalEvent | undefined;
    for await (const text of session.messages) {
      const body = parseJsonObject(text);
      if (!body) continue;
      const t = terminalOfMessage(body);
      if (t) terminal = t;
      else this.offer(body);
    }
    const closed = await session.closed;
    if (signal.aborted) return { kind: 'cut' };
    if (PROTOCOL_CLOSE_CODES.has(closed.code)) throw new CapstanError({ status: 0, code: 'stream_closed', message: `The server closed the socket with ${closed.code} (${closed.reason})` });
    terminal ??= terminalOfCloseCode(closed.code);
    return terminal ? { kind: 'terminal', terminal } : { kind: 'cut' };
  }
}

/** The path the token answer names (relative, as the seed shows), or the documented one. */
function pathOf(given: string, fallback: string): string {
  return given.startsWith('/') ? given : fallback;
}
