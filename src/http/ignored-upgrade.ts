// Requests that ask to upgrade to something other than WebSocket — `Upgrade: h2c`, which `curl --http2`
// and Java's HttpClient send on every http:// URL — or to WebSocket on a path that has no socket,
// are served as the plain HTTP/1.1 requests they also are (RFC 9110 §7.8: a server may ignore
// Upgrade). Node hands any upgrade request to the 'upgrade' listener once there is one, with its
// socket detached from the HTTP parser and the request already ended, so the request is rebuilt here
// with its body (Content-Length only: the parser that would read a chunked body is gone) and given
// to the HTTP server like any other, on a connection that closes after the answer.
import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { endOnPeerEnd, endWithLinger } from './connections.js';

/** A body that stops arriving for this long ends the connection (the server's own timeouts no longer watch it); once it is in, the answer takes the time it takes (a stream). */
const IDLE_MS = 30_000;

const REQUEST_FIELDS = ['method', 'url', 'headers', 'rawHeaders', 'trailers', 'rawTrailers', 'httpVersion', 'httpVersionMajor', 'httpVersionMinor'] as const;

/** Whether the request's Upgrade names WebSocket (a comma-separated list, compared case-blind). */
export function wantsWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').split(',').some((protocol) => protocol.trim().toLowerCase() === 'websocket');
}

/**
 * Serves an upgrade request that is not for WebSocket as plain HTTP. Undefined when it can be; the
 * reason otherwise (a chunked body, which nothing can read any more), for a 400 on the socket.
 */
export function serveIgnoringUpgrade(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): string | undefined {
  if (req.headers['transfer-encoding'] !== undefined) return 'A request asking to upgrade to anything but WebSocket must send its body with Content-Length';
  const length = Number(req.headers['content-length'] ?? 0);
  // A stream route reads no body, and a body nobody reads would keep the client's close from being
  // seen (the socket waits for it to be read): on this path a GET or HEAD carries none.
  if ((req.method === 'GET' || req.method === 'HEAD') && length !== 0) return 'A GET or HEAD request asking to upgrade must not carry a body';
  const tcp = socket as Socket;
  const fresh = new IncomingMessage(tcp);
  for (const field of REQUEST_FIELDS) Object.assign(fresh, { [field]: req[field] });
  const res = new ServerResponse(fresh);
  res.shouldKeepAlive = false;
  res.assignSocket(tcp);
  tcp.setTimeout(IDLE_MS, () => tcp.destroy());
  // A client that closes its side is gone, as Node's own HTTP server takes it: a stream served this
  // way ends, and frees its slot, when its client leaves, its body sent or not.
  tcp.on('end', endOnPeerEnd);

  let received = 0;
  const end = () => {
    tcp.setTimeout(0);
    fresh.complete = true;
    fresh.push(null);
    // The request is in: what the client sends now is read and dropped, so that its close is seen.
    tcp.resume();
  };
  const feed = (chunk: Buffer) => {
    const take = chunk.subarray(0, length - received);
    received += take.length;
    if (take.length > 0 && !fresh.push(take)) tcp.pause();
    if (received >= length) {
      tcp.off('data', feed);
      end();
    }
  };
  res.on('finish', () => {
    res.detachSocket(tcp);
    tcp.off('data', feed);
    // What the client still sends (a body not read, early frames) is read and dropped for a while:
    // closing on unread input would reset the connection, and the client could lose the answer.
    endWithLinger(tcp);
  });
  fresh._read = () => void tcp.resume();
  if (!Number.isSafeInteger(length) || length <= 0) end();
  else {
    feed(head);
    if (received < length) tcp.on('data', feed);
  }
  server.emit('request', fresh, res);
  return undefined;
}
