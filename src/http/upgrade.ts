// WebSocket upgrades, routed by path. Fastify does not route upgrade requests, so surfaces register
// handlers here; a handler checks credentials before accepting, and a refusal is a plain HTTP answer
// in the catalogue's shape (with X-API-Version, like every other response). Every socket gets its
// error path and its message-rate bound here, before any handler sees it: a bad frame or a flood
// ends that one socket, never the process.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { VERSION } from '../util/version.js';
import { afterAnswersOwed, answerInFlight } from './answers-in-flight.js';
import { endWithLinger } from './connections.js';
import { causeOf, isDependencyRefusal, toAppError } from './error-handler.js';
import { AppError, isAppError } from './errors.js';
import { malformedQuery } from './query-encoding.js';
import { serveIgnoringUpgrade, wantsWebSocket } from './ignored-upgrade.js';
import { requestIdOf } from './request-id.js';
import { malformedHeaders } from './single-headers.js';
import { unsupportedTransferCoding } from './transfer-coding.js';
import type { Logger } from './logger.js';

/** Largest message a client may send; one byte more is closed with 1009. */
const WS_MAX_PAYLOAD = 64 * 1024;
/** A flooding client that ignores our close frame is dropped after this, once it has taken what we sent. */
const POLICY_CLOSE_GRACE_MS = 1000;
/** How long a client that has not taken what we sent (replies, then the close) is given at most. */
const POLICY_CLOSE_MAX_MS = 5000;
/** How long the 1008 close waits for the replies owed to the messages taken before the rate bound. */
const OWED_REPLIES_MAX_MS = 5000;

/** What a socket's owner does with a client message: a promise when its reply is computed later. */
export type MessageHandler = (data: RawData, isBinary: boolean) => void | Promise<unknown>;

/** Frames an owner holds back for the socket (a batch written at the end of the turn). */
export interface Flushable {
  flush(): void;
}

/** An accepted upgrade: the `ws` socket, and the stream under it (realtime writes event frames to it). */
export interface AcceptedUpgrade {
  readonly socket: WebSocket;
  readonly stream: Duplex;
  /**
   * The way to read client messages: the router counts every frame a client sends, and past the
   * rate bound delivers nothing more and closes the socket with 1008, once the replies owed to the
   * messages it took are out (the promises the handler returned, for at most OWED_REPLIES_MAX_MS).
   */
  onMessage(handler: MessageHandler): void;
  /** What the owner queues for the socket: flushed to the stream just before the router closes it. */
  flushBeforeClose(queue: Flushable): void;
  /** When the client last sent a frame (a message, ping or pong), or when it connected. */
  lastHeardAt(): number;
}

/**
 * What an upgrade asked for: its path, percent-decoded as the HTTP router decodes it (an encoded `/`
 * stays encoded, and dot segments are not resolved away), and its query.
 */
export interface UpgradeTarget {
  readonly path: string;
  readonly query: URLSearchParams;
}

export type UpgradeHandler = (req: IncomingMessage, target: UpgradeTarget, accept: () => Promise<AcceptedUpgrade>) => Promise<void>;

/** Runs before the handler of every routed upgrade (rate limits); what it throws refuses the upgrade. */
export type UpgradeCheck = (req: IncomingMessage, target: UpgradeTarget) => Promise<void>;

export interface UpgradeOptions {
  /** Frames (messages, pings, pongs) a client may send per second, with a burst of as many. */
  readonly maxMessagesPerSecond: number;
  /** CAPSTAN_ADMIN_TOKEN, never taken for a request id. */
  readonly adminToken: string | null;
  /** Told of each upgrade's answer (101, or the refusal's status), as a request's is logged and counted. */
  readonly onAnswered?: (answer: UpgradeAnswer) => void;
}

export interface UpgradeAnswer {
  readonly req: IncomingMessage;
  readonly status: number;
  /** The socket route's name (`/ws/status`), or `unmatched`. */
  readonly route: string;
  /** From the upgrade request's arrival to its answer. */
  readonly ms: number;
}

interface Route {
  /** As the request log and metrics name it. */
  readonly name: string;
  readonly pattern: RegExp;
  readonly handler: UpgradeHandler;
}

/** The socket closed before the handshake completed (the client left, or `ws` refused the request). */
class UpgradeAborted extends Error {
  override readonly name = 'UpgradeAborted';
}

export class UpgradeRouter {
  private readonly routes: Route[] = [];
  private check: UpgradeCheck = async () => undefined;
  // Capstan's sockets speak no subprotocol: one a client offers is not echoed as if they did (RFC 6455
  // §4.2.2), where `ws` would pick the first offered.
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false, handleProtocols: () => false, autoPong: false });

  constructor(
    private readonly logger: Logger,
    private readonly options: UpgradeOptions,
  ) {
    this.wss.on('headers', (headers, req) => headers.push(`X-API-Version: ${VERSION}`, `X-Request-ID: ${requestIdOf(req, this.options.adminToken)}`));
    // `ws` would refuse a malformed handshake (a POST, a bad key or version) itself, in plain text and
    // without X-API-Version; it is answered in the catalogue's shape like every other refusal.
    this.wss.on('wsClientError', (err, socket, req) => {
      const refusal = req.method !== 'GET'
        ? new AppError('method_not_allowed', 'A WebSocket upgrade is a GET request', { Allow: 'GET' })
        : new AppError('invalid_request', `The WebSocket handshake is not valid: ${err.message}`, /Version/.test(err.message) ? { 'Sec-WebSocket-Version': '13, 8' } : {});
      this.refuse(req, socket, refusal, routeOf(req) ?? 'unmatched', startedAt(req));
    });
  }

  /** `pattern` is matched against the path as sent, without its query string; `name` is the route's in logs. */
  add(name: string, pattern: RegExp, handler: UpgradeHandler): void {
    this.routes.push({ name, pattern, handler });
  }

  /** Refuses the upgrade, telling `onAnswered`. */
  private refuse(req: IncomingMessage, socket: Duplex, error: AppError, route: string, started: number): void {
    refuseUpgrade(socket, error, requestIdOf(req, this.options.adminToken));
    this.answered(req, error.status, route, started);
  }

  private answered(req: IncomingMessage, status: number, route: string, started: number): void {
    this.options.onAnswered?.({ req, status, route, ms: performance.now() - started });
  }

  setCheck(check: UpgradeCheck): void {
    this.check = check;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      arrivals.set(req, performance.now());
      // Node hands over the raw socket without its HTTP error listener: a reset must end it alone.
      socket.on('error', destroyOnError);
      // An upgrade pipelined behind other requests is answered after them, in order.
      const pipelined = answerInFlight(socket) !== undefined;
      afterAnswersOwed(socket, () => this.serve(server, req, socket, head, pipelined));
    });
  }

  private serve(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer, pipelined: boolean): void {
    const started = startedAt(req);
    // The absolute form (`GET http://host/path`), which a server must accept (RFC 9112 §3.2.2), is its path.
    // A fragment, which a request target may not carry, is cut off as the HTTP router cuts it.
    const raw = (req.url ?? '/').replace(/^https?:\/\/[^/?#]*/i, '').replace(/#.*$/s, '') || '/';
    const queryAt = raw.indexOf('?');
    const path = decodedPath(queryAt < 0 ? raw : raw.slice(0, queryAt));
    const target: UpgradeTarget | undefined = path === undefined ? undefined : { path, query: new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1)) };
    const route = target && wantsWebSocket(req) ? this.routes.find((r) => r.pattern.test(target.path)) : undefined;
    // Held to the rules every request is, before its credentials are read or its HTTP route runs.
    const badHeaders = malformedHeaders(req);
    const refusal = unsupportedTransferCoding(req) ?? (badHeaders === undefined ? undefined : new AppError('invalid_request', badHeaders));
    if (refusal !== undefined) return this.refuse(req, socket, refusal, route?.name ?? 'unmatched', started);
    // Anything but a WebSocket handshake to a WebSocket path is the plain HTTP request it also is:
    // the path's HTTP route answers it (a 404 where there is none, a 426 on a WebSocket path).
    if (!route || !target) {
      const refused = serveIgnoringUpgrade(server, req, socket, head);
      if (refused !== undefined) this.refuse(req, socket, new AppError('invalid_request', refused), 'unmatched', started);
      return;
    }
    routes.set(req, route.name);
    // A socket is not opened behind other requests: no client pipelines one, and the socket Node hands
    // over there has its reading stopped behind the answers it waited for. It is refused, as a
    // pipelined stream is.
    if (pipelined) return this.refuse(req, socket, new AppError('invalid_request', 'A WebSocket upgrade cannot be pipelined behind other requests: open it on a connection of its own'), route.name, started);
    // Refused before any credential is read or any connection slot taken.
    if (req.method !== 'GET') return this.refuse(req, socket, new AppError('method_not_allowed', 'A WebSocket upgrade is a GET request', { Allow: 'GET' }), route.name, started);
    // The query is held to the rule every HTTP route holds it to.
    const badQuery = malformedQuery(raw);
    if (badQuery !== undefined) return this.refuse(req, socket, new AppError('invalid_request', badQuery), route.name, started);
    let accepting = false;
    let accepted: WebSocket | undefined;
    const accept = () =>
      new Promise<AcceptedUpgrade>((resolve, reject) => {
        accepting = true;
        // `ws` answers a handshake it refuses (a bad version or key) by itself, and drops a socket
        // already closed, without calling back: the handler must still hear of it, or a connection
        // slot it took after checking the credentials would never be released.
        if (socket.destroyed) return reject(new UpgradeAborted());
        const aborted = () => reject(new UpgradeAborted());
        socket.once('close', aborted);
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('close', aborted);
          accepted = ws;
          this.answered(req, 101, route.name, started);
          resolve(this.guard(ws, socket));
        });
      });
    this.check(req, target).then(() => route.handler(req, target, accept)).catch((e: unknown) => {
      if (!accepting) {
        // The database away is 503 here as on every route, not an internal error.
        const known = (e instanceof Error ? toAppError(e) : undefined) ?? new AppError('internal');
        if (isDependencyRefusal(known)) this.logger.warn({ code: known.code, reason: known.message, ...causeOf(e, known) }, 'websocket upgrade refused while a dependency is away');
        else if (!isAppError(e)) this.logger.error({ err: e }, 'websocket upgrade failed');
        return this.refuse(req, socket, known, route.name, started);
      }
      if (!(e instanceof UpgradeAborted)) this.logger.error({ err: e }, 'websocket handler failed');
      // A socket whose handler failed has nobody to serve it.
      if (accepted) accepted.terminate();
      else socket.destroy();
    });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  /** The error path and the rate bound every accepted socket has, attached before any handler runs. */
  private guard(ws: WebSocket, stream: Duplex): AcceptedUpgrade {
    const guard = new GuardedSocket(ws, stream, this.logger, this.options.maxMessagesPerSecond);
    guards.set(ws, guard);
    ws.on('error', onGuardedError);
    ws.on('message', onGuardedMessage);
    ws.on('ping', onGuardedPing);
    ws.on('pong', onGuardedFrame);
    return guard;
  }
}

/** When an upgrade request arrived (its answer may wait behind others the connection is owed). */
const arrivals = new WeakMap<IncomingMessage, number>();
const startedAt = (req: IncomingMessage): number => arrivals.get(req) ?? performance.now();
/** The socket route an upgrade request matched, for a refusal `ws` makes itself. */
const routes = new WeakMap<IncomingMessage, string>();
const routeOf = (req: IncomingMessage): string | undefined => routes.get(req);

/**
 * Listeners are shared by every socket and find the socket's guard through it: a socket stays open for
 * hours, and a closure per listener (over the upgrade request, its first bytes, its URL) would be held
 * all that time.
 */
const guards = new WeakMap<WebSocket, GuardedSocket>();

function destroyOnError(this: Duplex): void {
  this.destroy();
}

function onGuardedError(this: WebSocket, err: Error & { code?: string }): void {
  guards.get(this)?.failed(err);
}

function onGuardedMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  guards.get(this)?.message(data, isBinary);
}

function onGuardedFrame(this: WebSocket): void {
  guards.get(this)?.count();
}

/** A ping is answered only within the rate: the one past it gets the close instead of a pong. */
function onGuardedPing(this: WebSocket, data: Buffer): void {
  if (guards.get(this)?.count() !== false && this.readyState === WebSocket.OPEN) this.pong(data);
}

/** One accepted socket's rate bound and message handler. */
class GuardedSocket implements AcceptedUpgrade {
  private readonly rate: MessageRate;
  private handler: MessageHandler | undefined;
  private queue: Flushable | undefined;
  /** Replies still being computed for messages already taken. */
  private readonly owed = new Set<Promise<unknown>>();
  private violated = false;

  constructor(
    readonly socket: WebSocket,
    readonly stream: Duplex,
    private readonly logger: Logger,
    maxMessagesPerSecond: number,
  ) {
    this.rate = new MessageRate(maxMessagesPerSecond);
  }

  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  flushBeforeClose(queue: Flushable): void {
    this.queue = queue;
  }

  lastHeardAt(): number {
    return this.rate.at;
  }

  /**
   * Counts a frame against the rate; past the bound, answers false from then on and closes with 1008
   * once the replies owed to the messages before it are out.
   */
  count(): boolean {
    if (this.violated) return false;
    if (this.rate.take()) return true;
    this.violated = true;
    if (this.owed.size === 0) {
      this.closeForRate();
    } else {
      // Nothing more is read until the close: a frame the client sent past the bound (a protocol
      // error, say) would otherwise end the socket with its own code ahead of the 1008.
      this.stream.pause();
      void this.closeWhenAnswered();
    }
    return false;
  }

  /**
   * Replies keep the order of the requests, and a client pairs them by position: the messages taken
   * before the bound get theirs (a lookup still running, a reply still in its owner's batch) before
   * the close. Waiting is bounded in time; in bytes, by the connection's queue limit, past which it
   * ends as too slow a reader instead.
   */
  private async closeWhenAnswered(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, OWED_REPLIES_MAX_MS);
    });
    await Promise.race([Promise.allSettled([...this.owed]), deadline]);
    clearTimeout(timer);
    // Closed meanwhile: the client left, or its connection ended on its own (an overflow, a drain).
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.closeForRate();
    // Read again, for the client's answer to the close.
    this.stream.resume();
  }

  /** Sends what the owner has queued, then the 1008; a client that does not close in turn is dropped. */
  private closeForRate(): void {
    this.queue?.flush();
    this.socket.close(1008, 'message rate exceeded');
    this.dropAfterGrace();
  }

  /**
   * A client that ignores the close it was sent is dropped a second after it has taken what was
   * written before it, rather than holding its connection slot (and an organizer client_id) for
   * `ws`'s own 30-s close timeout; one that does not take it is dropped after POLICY_CLOSE_MAX_MS.
   */
  private dropAfterGrace(): void {
    const ws = this.socket;
    const started = Date.now();
    const check = setInterval(() => {
      if (this.stream.writableLength > 0 && Date.now() - started < POLICY_CLOSE_MAX_MS) return;
      ws.terminate();
    }, POLICY_CLOSE_GRACE_MS);
    check.unref();
    ws.once('close', () => clearInterval(check));
  }

  message(data: RawData, isBinary: boolean): void {
    if (!this.count() || this.socket.readyState !== WebSocket.OPEN) return;
    const reply = this.handler?.(data, isBinary);
    if (!reply) return;
    this.owed.add(reply);
    const settled = () => this.owed.delete(reply);
    void reply.then(settled, settled);
  }

  /**
   * `ws` has already sent the close code a bad frame calls for (1002, 1007, 1008, 1009) and is
   * ending the socket; without a listener the 'error' event would end the process instead.
   */
  failed(err: Error & { code?: string }): void {
    this.logger.debug({ code: err.code, message: err.message }, 'websocket closed on a bad frame');
    if (this.socket.readyState === WebSocket.OPEN) this.socket.terminate();
    else if (this.socket.readyState === WebSocket.CLOSING) this.dropAfterGrace();
  }
}

/** A token bucket: `perSecond` tokens a second, holding at most one second's worth. */
class MessageRate {
  private tokens: number;
  /** When a token was last taken: the client's last frame. */
  at = Date.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * A path as the HTTP router matches it: each segment percent-decoded but for `%2F`, which stays a
 * character of its segment. Undefined for malformed percent-encoding, which the HTTP router refuses.
 */
function decodedPath(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return raw.split('/').map((segment) => segment.split(/%2f/i).map(decodeURIComponent).join('%2F')).join('/');
  } catch {
    return undefined;
  }
}

/**
 * The one value of a query parameter a socket takes once; undefined when absent. Given twice, it is
 * 400, as the same parameter twice is on every HTTP route: which one was meant is not guessed.
 */
export function singleParam(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw new AppError('invalid_request', `The query parameter ${name} is given ${values.length} times; give it once`);
  return values[0];
}

export function refuseUpgrade(socket: Duplex, error: AppError, requestId: string): void {
  const body = JSON.stringify(error.toBody());
  const headers = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-API-Version: ${VERSION}`,
    `X-Request-ID: ${requestId}`,
    'Connection: close',
    ...Object.entries(error.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  // Node hands over an upgrade's socket paused: bytes the client sent after its headers (a body, early
  // frames) would stay unread, and a socket that never reads never sees the client close, so it would
  // stay open for good. It lingers and closes like every other refused connection.
  endWithLinger(socket, `${headers.join('\r\n')}\r\n\r\n${body}`);
}
