// The address a request comes from, by one rule for HTTP requests (Fastify's `trustProxy`, which
// fills req.ip) and WebSocket upgrades (which Fastify never sees): the peer itself, unless the peer is
// a trusted proxy; then X-Forwarded-For is walked from the nearest hop outward, and the first address
// that is not a trusted proxy is the client. A header sent by anyone else is ignored.
import type { IncomingMessage } from 'node:http';

export type TrustedProxy = (address: string) => boolean;

export function clientAddress(req: IncomingMessage, trusted: TrustedProxy | undefined): string {
  const peer = req.socket.remoteAddress ?? '';
  const header = req.headers['x-forwarded-for'];
  if (!trusted || typeof header !== 'string') return peer;
  const hops = header
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '')
    .reverse();
  let address = peer;
  for (const hop of hops) {
    if (!trusted(address)) break;
    address = hop;
  }
  return address;
}
