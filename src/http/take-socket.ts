// A stream (SSE) needs only its socket once its response head is out. For as long as the socket lives,
// Node's HTTP server would keep the request, the response, its parser (a native object), its state
// and listeners for the connection, and Fastify's request and reply with their logger: several KB a
// stream. Taking the socket away, the way Node itself hands over an upgraded connection, lets them go.
// This reaches into Node's HTTP internals, so it checks each one it relies on and, when one is not as
// expected, takes nothing: the stream then runs through its response, as any other.
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Socket as NetSocket, type Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** Logs and counts an answered request (the app's onResponse hook); a taken stream's request is answered when it is taken. */
    recordRequest?: (req: FastifyRequest, reply: FastifyReply) => void;
  }
}

/** The parts of Node's per-connection HTTP machinery this module touches. */
interface HttpParser {
  incoming: IncomingMessage | null;
}
interface ServedSocket extends Socket {
  server?: Server;
  parser?: HttpParser | null;
  _httpMessage?: ServerResponse | null;
}
type FreeParser = (parser: HttpParser, req: IncomingMessage, socket: Socket) => void;

/** Node's own way to return a parser to its pool and drop it from the server's connection list. */
const freeParser = ((): FreeParser | undefined => {
  try {
    const common = createRequire(import.meta.url)('_http_common') as { freeParser?: unknown };
    return typeof common.freeParser === 'function' ? (common.freeParser as FreeParser) : undefined;
  } catch {
    return undefined;
  }
})();

/** The listeners Node's HTTP server puts on each connection's socket, by event and function name. */
const SERVER_LISTENERS: readonly (readonly [string, string])[] = [
  ['data', 'bound socketOnData'],
  ['end', 'bound socketOnEnd'],
  ['close', 'bound socketOnClose'],
  ['drain', 'bound socketOnDrain'],
  ['error', 'socketOnError'],
  ['timeout', 'socketOnTimeout'],
  ['resume', 'onSocketResume'],
  ['pause', 'onSocketPause'],
];
/** Listeners the server must have put there for the socket to be taken safely. */
const REQUIRED = new Set(['data', 'end', 'close', 'drain']);

/** Sockets taken from each server and still open, so a closing server can end them. */
const taken = new WeakMap<Server, Set<Socket>>();

/**
 * Takes the socket of a response whose head has been sent, after which nothing of the request or the
 * response is used: Node's HTTP server forgets the connection (no more parsing, no timeouts of its
 * own, no part in closeAllConnections), and the caller owns the socket as it would an upgraded one.
 * Undefined when it cannot be taken: the response is not on its socket yet (pipelined behind
 * another), a later request was already read from the connection, or Node's internals differ.
 */
export function takeSocket(reply: FastifyReply): Socket | undefined {
  const req = reply.request.raw;
  const res = reply.raw;
  const socket = res.socket as ServedSocket | null;
  const parser = socket?.parser;
  if (!freeParser || !socket || socket.destroyed || !parser || !res.headersSent || !req.complete) return undefined;
  const server = reply.server.server;
  if (socket.server !== server || socket._httpMessage !== res || parser.incoming !== req) return undefined;
  const found: [string, (...args: unknown[]) => void][] = [];
  for (const [event, name] of SERVER_LISTENERS) {
    const listener = socket.listeners(event).find((l) => l.name === name);
    if (listener) found.push([event, listener as (...args: unknown[]) => void]);
    else if (REQUIRED.has(event)) return undefined;
  }
  for (const [event, listener] of found) socket.removeListener(event, listener);
  // The server overrides these on each socket to watch what is added to it; the socket gets its own
  // back, assigned rather than deleted, which would turn the socket into a slow dictionary object.
  if (Object.hasOwn(socket, 'on')) {
    socket.on = NetSocket.prototype.on;
    socket.addListener = NetSocket.prototype.addListener;
    socket.prependListener = NetSocket.prototype.prependListener;
    socket.setEncoding = NetSocket.prototype.setEncoding;
  }
  freeParser(parser, req, socket);
  res.detachSocket(socket);
  let open = taken.get(server);
  if (!open) taken.set(server, (open = new Set()));
  open.add(socket);
  socket.on('close', forgetTaken);
  reply.server.recordRequest?.(reply.request, reply);
  return socket;
}

/** A listener shared by every taken socket: one closure each would live as long as the stream. */
function forgetTaken(this: ServedSocket): void {
  if (this.server) taken.get(this.server)?.delete(this);
}

/**
 * Makes `server.closeAllConnections()` close the sockets taken from it too, so that "every connection"
 * still means every one (a closing server past its grace time, a test dropping every client).
 */
export function closeTakenWithAll(server: Server): void {
  const closeAll = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAll();
    for (const socket of taken.get(server) ?? []) socket.destroy();
  };
}
