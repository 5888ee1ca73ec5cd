// What happens below Fastify, on the sockets themselves: answers to requests Node's parser refuses
// (malformed, smuggling attempts, headers too large or too slow), the cap on connections per client
// address, and how a connection closes when its request body is not going to be read.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { ipv4FromGroups, ipv6Groups } from '../util/ip-address.js';
import { VERSION } from '../util/version.js';
import { afterAnswer, answerInFlight, closeAfterLastAnswer } from './answers-in-flight.js';
import { AppError } from './errors.js';
import type { CorsPolicy } from './cors.js';
import type { Logger } from './logger.js';

/**
 * A closing connection keeps reading (and dropping) what the client still sends: closing a socket
 * with unread input makes the kernel send a reset, and a client still uploading (a body over the
 * limit, refused at its headers) would then lose the answer it was about to read. It lingers while
 * the client keeps sending at least LINGER_MIN_BYTES a second, for at most LINGER_MAX_MS, as nginx's
 * lingering close does; a client that stops or trickles is dropped within LINGER_MS.
 */
export const LINGER_MS = 2000;
const LINGER_CHECK_MS = LINGER_MS / 2;
const LINGER_MIN_BYTES = 16_384;
export const LINGER_MAX_MS = 30_000;

/** A whole HTTP/1.1 error response in the catalogue's shape, for sockets no Fastify reply owns. */
export function rawErrorResponse(error: AppError, requestId: string = randomUUID(), corsHeaders: readonly (readonly [string, string])[] = []): string {
  const body = JSON.stringify(error.toBody());
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-API-Version: ${VERSION}`,
    `X-Request-ID: ${requestId}`,
    'Connection: close',
    ...corsHeaders.map(([k, v]) => `${k}: ${v}`),
    ...Object.entries(error.headers).map(([k, v]) => `${k}: ${v}`),
    '',
    body,
  ].join('\r\n');
}

/** An Origin line: a browser's origin is at most a scheme, a 253-character host and a port. */
const ORIGIN_LINE = /\r\norigin:[ \t]*([\x21-\x7e]{1,512})[ \t]*\r\n/i;

/**
 * The Origin header of the request head in `bytes`, read from the bytes themselves: a request Node's
 * parser refused (headers too large) has no headers object, yet a page on another origin reads the
 * refusal only when it carries CORS headers. Best effort: only a whole line counts, and only in the
 * bytes given (the chunk the parser refused, which holds a browser's whole head). Visible ASCII only,
 * so that nothing read here can break the answer's header lines.
 */
export function originInHead(bytes: Buffer | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  const end = bytes.indexOf('\r\n\r\n');
  // The head's last line ends where the blank line begins; a head cut short ends mid-line, not counted.
  const head = end < 0 ? bytes.toString('latin1') : `${bytes.toString('latin1', 0, end)}\r\n`;
  return ORIGIN_LINE.exec(head)?.[1];
}

/** Sockets in their lingering close, so a closing server need not wait out their linger. */
const lingering = new Set<Duplex>();

/** Ends the socket after `data`, keeps dropping its input while the client still sends, then destroys it. */
export function endWithLinger(socket: Duplex, data?: string): void {
  if (data === undefined) socket.end();
  else socket.end(data);
  const received = bytesReceived(socket);
  socket.resume();
  lingering.add(socket);
  const started = Date.now();
  let receivedAtCheck = received();
  // Each check looks at the second before it; none ends the linger before LINGER_MS, so the answer
  // has that long to leave whatever the client does.
  const check = setInterval(() => {
    const elapsed = Date.now() - started;
    const total = received();
    if ((elapsed >= LINGER_MS && total - receivedAtCheck < LINGER_MIN_BYTES) || elapsed >= LINGER_MAX_MS) socket.destroy();
    receivedAtCheck = total;
  }, LINGER_CHECK_MS);
  socket.once('close', () => {
    clearInterval(check);
    lingering.delete(socket);
  });
}

/**
 * What reads the bytes a socket has received so far. A TCP socket counts them itself, whoever reads
 * them: an HTTP connection's are read by Node's parser, straight from the socket's handle, and a
 * 'data' listener would take the handle back from the parser (Node unconsumes it for the listener)
 * while the socket's own reading, stopped when the request's buffer filled, never starts again: the
 * linger would then read nothing and reset a client still sending fast. Resuming the socket restarts
 * the parser's reading, and the parser drops a refused request's body.
 */
function bytesReceived(socket: Duplex): () => number {
  if (socket instanceof Socket) return () => socket.bytesRead;
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  return () => received;
}

/** Destroys every connection still lingering: the server is closing and waits for each of them. */
export function destroyLingering(): void {
  for (const socket of lingering) socket.destroy();
}

/**
 * How long a closing server still waits for the first bytes of a connection that has sent none. A
 * request its client sent as the close began may not have been read yet; dropped at once, it would
 * be reset instead of answered `503 draining`.
 */
export const SILENT_GRACE_MS = 500;

/** What a closing server does with the connections it would otherwise wait for. */
export interface ClosingConnections {
  /** Drops the connections that never sent a byte, after `SILENT_GRACE_MS` for those that stay silent that long. */
  dropSilent(): void;
  /**
   * Destroys every connection but those in their lingering close (a refusal just written, which a
   * reset would take from a client still sending); those get LINGER_MS more, then are destroyed too.
   */
  dropAllButLingering(): void;
}

/**
 * Tracks the server's connections so that, closing, it can drop those that never sent a byte (a
 * browser's preconnect): Node counts a connection as busy from its start, so that headersTimeout
 * covers it, and closing would wait that long for each. And so that, its grace over, it can drop
 * the rest without cutting the refusals it has just written.
 */
export function closingConnections(server: Server): ClosingConnections {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    dropSilent() {
      const silent = [...open].filter((socket) => socket.bytesRead === 0);
      if (silent.length === 0) return;
      setTimeout(() => {
        for (const socket of silent) if (socket.bytesRead === 0) socket.destroy();
      }, SILENT_GRACE_MS).unref();
    },
    dropAllButLingering() {
      for (const socket of open) if (!lingering.has(socket)) socket.destroy();
      if (lingering.size > 0) setTimeout(destroyLingering, LINGER_MS);
    },
  };
}

/** Connections whose answer went out before their request body was read: they close after it. */
const closeAfterAnswer = new WeakSet<Socket>();

/**
 * Marks a response that goes out before its request body was read: `Connection: close`, and once
 * the answer is out, a lingering close instead of reading the rest of the body (which may be huge,
 * or trickle forever) to keep the connection.
 */
export function closeWithoutReading(req: IncomingMessage): boolean {
  if (req.complete || !declaresBody(req)) return false;
  const socket = req.socket;
  if (!closeAfterAnswer.has(socket)) {
    closeAfterAnswer.add(socket);
    // Node calls this when the last response of a `Connection: close` exchange has been written.
    socket.destroySoon = () => {
      discardBody(req);
      endWithLinger(socket);
    };
  }
  return true;
}

/**
 * Lets the rest of an unread body flow to nowhere, as Node's own dump of an unread request does. Node's
 * parser hands the body to the request, and stops reading the socket while the request holds a full
 * buffer; a body reader the route set up and left (the body deadline's pipe, a parser that gave up)
 * would keep it full, and the lingering close would read nothing while the client still sends.
 */
function discardBody(req: IncomingMessage): void {
  req.unpipe();
  req.removeAllListeners('data');
  req.resume();
}

/** True for a request on a connection that is closing: its answer could not be delivered anyway. */
export function isOnClosingConnection(req: IncomingMessage): boolean {
  return closeAfterAnswer.has(req.socket);
}

export function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The bytes Node's HTTP parser refused (its error's rawPacket), when it kept them. */
function refusedBytes(err: NodeJS.ErrnoException): Buffer | undefined {
  const raw = (err as { rawPacket?: unknown }).rawPacket;
  return Buffer.isBuffer(raw) ? raw : undefined;
}

/** The catalogue error for what Node's HTTP parser refused. */
function clientError(err: NodeJS.ErrnoException): AppError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return new AppError('headers_too_large');
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError('request_timeout', 'The request headers did not arrive in time');
  // Conflicting Content-Length and Transfer-Encoding, bad chunk sizes, invalid tokens: a request that
  // two parsers could read two ways is refused, never guessed at.
  return new AppError('invalid_request', 'The request is not valid HTTP/1.1');
}

/**
 * The server's 'clientError' listener: a catalogue-shaped answer, `Connection: close`, then close.
 * Requests the connection sent before the malformed one are answered first, in order, as HTTP/1.1
 * pipelining has it: their work is done (a file stored, a charge made), and a client that saw only
 * the 400 would take them for refused and send them again. The last of them says the connection
 * closes, so that a pooling client does not send its next request into the close.
 */
export function onClientError(logger: Logger, cors: CorsPolicy): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  const handled = new WeakSet<Duplex>();
  return (err, socket) => {
    if (handled.has(socket)) return;
    handled.add(socket);
    if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    logger.debug({ code: err.code }, 'client error');
    let closing = false;
    const close = (answer?: string) => {
      if (closing) return;
      closing = true;
      endWithLinger(socket, answer);
    };
    const refuse = () => close(rawErrorResponse(clientError(err), undefined, cors.headersFor(originInHead(refusedBytes(err)))));
    closeAfterLastAnswer(socket, refuse);
    const next = (): void => {
      if (closing || socket.destroyed || !socket.writable) return;
      const current = answerInFlight(socket);
      if (!current) return refuse();
      if (current.req?.complete !== false) return afterAnswer(current, next);
      // The request whose own body failed to parse: the 400 is its answer, unless one of its own has
      // begun (an early refusal), which is let finish before the close. An answer under way that
      // still waits for the body would wait for good: the connection is cut.
      if (!current.headersSent) refuse();
      else if (current.writableEnded) afterAnswer(current, () => close());
      else socket.destroy();
    };
    next();
  };
}

/**
 * The server's 'connect' listener. Node hands a CONNECT request to this event instead of a route, and
 * without a listener closes its connection without a word; Capstan is not a proxy, so it is refused.
 */
export function refuseConnectMethod(cors: CorsPolicy): (req: IncomingMessage, socket: Duplex) => void {
  return (req, socket) => {
    socket.on('error', () => socket.destroy());
    const error = new AppError('method_not_allowed', 'CONNECT is not supported: Capstan is not a proxy', { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' });
    endWithLinger(socket, rawErrorResponse(error, undefined, cors.headersFor(req.headers.origin)));
  };
}

/** Who a connection counts against: its peer address; IPv6 by its /64, which one host usually holds. */
export function addressKey(remote: string | undefined): string | undefined {
  if (remote === undefined) return undefined;
  const g = ipv6Groups(remote);
  if (!g) return remote;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return ipv4FromGroups(g[6] ?? 0, g[7] ?? 0);
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}

/**
 * Refuses a client address's connection past `max` open ones, before Node's HTTP layer sees it: no
 * request on it is parsed or run. The refusal waits for the client's first bytes (a client reads an
 * answer to the request it sent, not one that arrives before it), then answers 429 and closes.
 */
export function capConnectionsPerAddress(server: Server, max: number, timeoutMs: number, cors: CorsPolicy): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  const accept = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const key = addressKey(socket.remoteAddress);
    if (key !== undefined) {
      const count = open.get(key) ?? 0;
      if (count >= max) return refuse(socket, max, timeoutMs, cors);
      open.set(key, count + 1);
      socket.once('close', () => {
        const left = (open.get(key) ?? 1) - 1;
        if (left > 0) open.set(key, left);
        else open.delete(key);
      });
    }
    for (const listener of accept) listener.call(server, socket);
  });
}

function refuse(socket: Socket, max: number, timeoutMs: number, cors: CorsPolicy): void {
  socket.on('error', () => socket.destroy());
  lingering.add(socket);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  socket.once('close', () => {
    clearTimeout(timer);
    lingering.delete(socket);
  });
  socket.once('data', (head: Buffer) => {
    clearTimeout(timer);
    const error = new AppError('too_many_connections', `This client address already holds ${max} open connections`, { 'Retry-After': '5' });
    endWithLinger(socket, rawErrorResponse(error, undefined, cors.headersFor(originInHead(head))));
  });
}

/**
 * `Expect` headers. Node answers a bare 417 to an expectation other than `100-continue` unless someone
 * listens; RFC 9110 lets a server ignore one it does not know, so the request is served as if it had
 * none. And Node sends `100 Continue` as soon as the headers arrive unless someone listens, inviting
 * the body of a request that will be refused: the 100 waits until the body is read (continueWhenRead).
 */
export function handleExpectations(server: Server): void {
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
}

/**
 * Sends `100 Continue` to a client waiting for it (see handleExpectations) when `body` is first read.
 * Whatever refuses a request before reading its body then answers instead of the 100: credentials,
 * a Content-Length over the route's limit or a Content-Type it has no parser for (Fastify's own
 * checks, made before it reads), a part URL's signature or size (the upload gateway). Waiting for the
 * read, rather than repeating those checks here, keeps the 100 in step with every one of them.
 */
export function continueWhenRead(body: Readable, req: IncomingMessage, res: ServerResponse): void {
  const expect = req.headers.expect;
  // RFC 9110 §10.1.1: an HTTP/1.0 client knows no 1xx, and its expectation is ignored (as Node does).
  if (expect === undefined || req.httpVersion !== '1.1' || !/^\s*100-continue\s*$/i.test(expect)) return;
  const read = body._read;
  body._read = function firstRead(this: Readable, size: number): void {
    this._read = read;
    if (!res.headersSent) res.writeContinue();
    read.call(this, size);
  };
}

/**
 * A client that closes its side has left: end ours too, as Node's HTTP server would. A listener shared
 * by every socket that needs it (a closure each would live as long as the connection).
 */
export function endOnPeerEnd(this: Socket): void {
  this.end();
}
