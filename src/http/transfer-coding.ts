// Transfer codings. Node's parser reads a body whose last coding is chunked and passes over the
// codings before it: `Transfer-Encoding: gzip, chunked` reached the routes as if it said chunked
// alone, its gzip bytes then read as JSON (`malformed_json`), or an empty body served as if nothing
// were amiss. Capstan implements chunked and nothing else, and RFC 9112 §6.1 has a server answer a
// transfer coding it does not understand with 501. A Transfer-Encoding whose last coding is not
// chunked (`gzip` alone) is another matter: the request's length cannot be known, and RFC 9112 §6.3
// requires 400 and a close, as for the other framing Capstan never guesses at.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { VERSION } from '../util/version.js';
import { closeWithoutReading } from './connections.js';
import { AppError } from './errors.js';
import { requestIdOf } from './request-id.js';

/**
 * The refusal of a request framed with a transfer coding other than chunked alone (compared
 * case-blind, spaces and empty list elements aside), or undefined for one Capstan can read.
 */
export function unsupportedTransferCoding(req: IncomingMessage): AppError | undefined {
  const value = req.headers['transfer-encoding'];
  if (value === undefined) return undefined;
  const codings = value.split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '');
  const last = codings.pop();
  // Chunked twice is no framing either (RFC 9112 §7: a sender never applies it more than once).
  if (last !== 'chunked' || codings.includes('chunked')) return new AppError('invalid_request', 'The request is not valid HTTP/1.1: its Transfer-Encoding must end in chunked, given once, or its length cannot be known');
  if (codings.length === 0) return undefined;
  // The value is not echoed: it may be as long as the headers allow.
  return new AppError('not_implemented', 'A Transfer-Encoding other than chunked alone (such as gzip, chunked) is not implemented: send the body with Content-Length, or with Transfer-Encoding: chunked');
}

/**
 * Answers such requests before the app sees them, as the framing refusals of Node's parser are: in
 * the catalogue's shape, then the connection closes without reading the body it cannot decode.
 * Requests pipelined ahead of it are answered first (Node writes answers in order).
 */
export function refuseUnsupportedTransferCodings(server: Server, adminToken: string | null): void {
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const refusal = unsupportedTransferCoding(req);
    if (refusal === undefined) {
      for (const handler of handlers) handler.call(server, req, res);
      return;
    }
    closeWithoutReading(req);
    res.shouldKeepAlive = false;
    const body = JSON.stringify(refusal.toBody());
    res.writeHead(refusal.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'X-API-Version': VERSION,
      'X-Request-ID': requestIdOf(req, adminToken),
      Connection: 'close',
    });
    res.end(body);
  });
}
