// Server-Sent Events over fetch streaming, parsed by the WHATWG rules (html.spec.whatwg.org,
// "Parsing an event stream"). Unlike EventSource it can send Authorization; unlike clients that call
// their handler on every blank line, a block of comments (`: heartbeat`) is never a message.
import { abortedError, CapstanError, redactUrl } from './errors.js';
import { errorFromResponse, fetchWithin, type FetchLike } from './http.js';

export interface SseMessage {
  /** The `event:` name, '' for unnamed messages (EventSource's "message"). */
  readonly event: string;
  readonly data: string;
  /** The `id:` this block carried; undefined when it carried none (snapshots, terminal events). */
  readonly id: string | undefined;
  /** The stream's last event id after this block, as EventSource would report it. */
  readonly lastEventId: string;
}

export interface SseParserOptions {
  /** Longer lines are dropped whole (they are garbage, or an attack on memory). Default 1 MiB. */
  readonly maxLineLength?: number;
  /** Longer data is dropped with its event. Default 4 MiB. */
  readonly maxDataLength?: number;
  readonly onComment?: (text: string) => void;
  readonly onRetry?: (ms: number) => void;
}

/** Server heartbeats come every 25 s and it closes streams idle for 90 s: past 100 s of silence the connection is dead. */
export const DEFAULT_IDLE_TIMEOUT_MS = 100_000;

const DEFAULT_MAX_LINE = 1 << 20;
const DEFAULT_MAX_DATA = 4 << 20;

export class SseParser {
  private buffer = '';
  private started = false;
  /** A CR ended the last chunk: an LF at the start of the next one belongs to it. */
  private afterCr = false;
  /** Inside a line too long to keep: its rest is dropped up to the next line end. */
  private skipping = false;
  private data: string[] | undefined;
  private dataLength = 0;
  private dropEvent = false;
  private eventType = '';
  private blockId: string | undefined;
  lastEventId = '';
  private readonly maxLine: number;
  private readonly maxData: number;

  constructor(private readonly options: SseParserOptions = {}) {
    this.maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE;
    this.maxData = options.maxDataLength ?? DEFAULT_MAX_DATA;
  }

  /** Feeds decoded text; returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = false;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const piece = text.slice(start, i);
      if (this.skipping) this.skipping = false;
      else this.line(this.buffer + piece, out);
      this.buffer = '';
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else this.afterCr = true;
      }
      start = i + 1;
    }
    if (!this.skipping) {
      this.buffer += text.slice(start);
      if (this.buffer.length > this.maxLine) {
        this.buffer = '';
        this.skipping = true;
      }
    }
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') return this.dispatch(out);
    if (line.charCodeAt(0) === 58) {
      this.options.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        return;
      case 'data':
        if (this.dropEvent) return;
        this.dataLength += value.length + 1;
        if (this.dataLength > this.maxData) {
          this.dropEvent = true;
          this.data = undefined;
          return;
        }
        (this.data ??= []).push(value);
        return;
      case 'id':
        if (value.includes('\0')) return;
        this.blockId = value;
        this.lastEventId = value;
        return;
      case 'retry':
        if (/^\d+$/.test(value)) this.options.onRetry?.(Number(value));
        return;
      default:
      // Unknown fields and lines without one are ignored, as the standard says.
    }
  }

  private dispatch(out: SseMessage[]): void {
    const data = this.data;
    const event = this.eventType;
    const id = this.blockId;
    const dropped = this.dropEvent;
    this.data = undefined;
    this.dataLength = 0;
    this.dropEvent = false;
    this.eventType = '';
    this.blockId = undefined;
    // No data field (a comment-only block, an id-only block): nothing to dispatch.
    if (data === undefined || dropped) return;
    out.push({ event, data: data.join('\n'), id, lastEventId: this.lastEventId });
  }
}

export interface OpenStreamOptions {
  readonly fetch: FetchLike;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** The stream's idle timeout: an answer that has not begun by then is as dead as a silent stream. 0: no limit. */
  readonly idleTimeoutMs: number;
}

/** Opens an event stream: a 2xx `text/event-stream` answer, else a CapstanError. */
export async function openEventStream(options: OpenStreamOptions): Promise<Response> {
  // The stream's reading follows the signal itself (readEventStream): the link ends with the answer's head.
  const res = await fetchWithin(options.idleTimeoutMs, options.signal, options.url, (signal) =>
    options.fetch(options.url, { headers: { accept: 'text/event-stream', ...options.headers }, signal, cache: 'no-store' }), (answer) => Promise.resolve(answer));
  if (!res.ok) throw await errorFromResponse(res, options.url);
  const type = res.headers.get('content-type') ?? '';
  if (!/^text\/event-stream\b/i.test(type) || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new CapstanError({ status: res.status, code: 'invalid_response', message: `Expected an event stream from ${redactUrl(options.url)}, got ${type || 'no content type'}: is the base URL Capstan's?`, requestId: res.headers.get('x-request-id') ?? undefined });
  }
  return res;
}

export interface ReadStreamOptions extends SseParserOptions {
  readonly signal: AbortSignal;
  /**
   * No byte for this long (no event, no heartbeat) means the connection is dead without having
   * closed: the read ends as if cut. 0 turns the watch off.
   */
  readonly idleTimeoutMs: number;
  /**
   * Called once, when the first bytes arrive: only then has the stream opened (a server that answers
   * its headers and then says nothing has not, and its attempts count as failures).
   */
  readonly onFirstBytes?: () => void;
}

/**
 * The messages of an open stream, until it ends (returns) or breaks (throws network_error). Aborting
 * the signal ends it with `aborted`.
 */
export async function* readEventStream(res: Response, options: ReadStreamOptions): AsyncGenerator<SseMessage> {
  const body = res.body;
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser(options);
  let idle: ReturnType<typeof setTimeout> | undefined;
  let idleFired = false;
  let first = true;
  const arm = () => {
    if (options.idleTimeoutMs <= 0) return;
    clearTimeout(idle);
    idle = setTimeout(() => {
      idleFired = true;
      void reader.cancel().catch(() => undefined);
    }, options.idleTimeoutMs);
  };
  const onAbort = () => void reader.cancel().catch(() => undefined);
  options.signal.addEventListener('abort', onAbort);
  try {
    arm();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (options.signal.aborted) throw abortedError(options.signal);
        throw new CapstanError({ status: 0, code: 'network_error', message: `The stream broke: ${e instanceof Error ? e.message : String(e)}`, cause: e });
      }
      if (options.signal.aborted) throw abortedError(options.signal);
      if (idleFired) throw new CapstanError({ status: 0, code: 'network_error', message: `The stream was silent for ${options.idleTimeoutMs} ms` });
      if (chunk.done) return;
      if (first) {
        first = false;
        options.onFirstBytes?.();
      }
      arm();
      for (const message of parser.push(decoder.decode(chunk.value, { stream: true }))) yield message;
    }
  } finally {
    clearTimeout(idle);
    options.signal.removeEventListener('abort', onAbort);
    void reader.cancel().catch(() => undefined);
  }
}
