// A WebSocket as an async stream of text messages and a close, over the platform's WebSocket
// (browsers, Node 22+) or a constructor the caller passes (Node 20: the `ws` package's).
import { Channel } from './channel.js';
import { CapstanError, redactUrl } from './errors.js';

export interface WebSocketMessageEventLike {
  readonly data: unknown;
}

export interface WebSocketCloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/** What the SDK needs of a WebSocket: the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: WebSocketMessageEventLike) => void): void;
  addEventListener(type: 'close', listener: (event: WebSocketCloseEventLike) => void): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export function resolveWebSocket(given: WebSocketConstructor | undefined): WebSocketConstructor {
  const platform = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  const ctor = given ?? platform;
  if (!ctor) throw new CapstanError({ status: 0, code: 'invalid_request', message: 'No WebSocket in this runtime: pass the WebSocket option (on Node 20, the ws package\'s WebSocket)' });
  return ctor;
}

/** http(s)://host/base + path → ws(s)://host/base + path. */
export function toWebSocketUrl(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

export interface SocketSession {
  readonly messages: AsyncIterable<string>;
  /** Resolves when the socket has closed, with its close code (1006 when it broke). */
  readonly closed: Promise<WebSocketCloseEventLike>;
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

/** Opens a socket; rejects with network_error when it closes before opening (refused, unreachable). */
export function openSocket(Ctor: WebSocketConstructor, url: string, signal: AbortSignal): Promise<SocketSession> {
  return new Promise((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = new Ctor(url);
    } catch (e) {
      reject(new CapstanError({ status: 0, code: 'network_error', message: `Cannot open a WebSocket to ${redactUrl(url)}`, cause: e }));
      return;
    }
    const messages = new Channel<string>(() => socket.close(1000, 'closing'));
    let opened = false;
    let closedResolve: (e: WebSocketCloseEventLike) => void = () => undefined;
    const closed = new Promise<WebSocketCloseEventLike>((r) => (closedResolve = r));
    const onAbort = () => socket.close(1000, 'closing');
    signal.addEventListener('abort', onAbort, { once: true });
    socket.addEventListener('open', () => {
      opened = true;
      resolve({
        messages,
        closed,
        send: (text) => {
          if (socket.readyState === OPEN) socket.send(text);
        },
        close: (code = 1000, reason = 'closing') => socket.close(code, reason),
      });
    });
    socket.addEventListener('message', (event) => {
      // Every Capstan socket speaks text JSON; binary frames are not the protocol and are ignored.
      if (typeof event.data === 'string') messages.push(event.data);
    });
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('close', (event) => {
      signal.removeEventListener('abort', onAbort);
      messages.end();
      closedResolve({ code: event.code, reason: event.reason });
      if (!opened) reject(new CapstanError({ status: 0, code: 'network_error', message: `The WebSocket to ${redactUrl(url)} did not open (close code ${event.code})` }));
    });
  });
}
