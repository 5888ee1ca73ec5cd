// A 304 as RFC 9110 §15.4.5 and §8.6 want it: no body and no Content-Length (only the length a 200
// would have had is allowed, and an empty one would tell a cache the representation is empty).
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Fastify gives a HEAD answer sent empty a Content-Length of 0; an empty stream it leaves alone. */
export function sendNotModified(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(304).send(req.method === 'HEAD' ? Readable.from([]) : undefined);
}
