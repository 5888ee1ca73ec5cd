// What every public page and file of a video carries (the pages, the video, its poster, its captions):
// no type sniffing, and the link kept to this origin.
import type { FastifyReply } from 'fastify';

export function publicHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer');
}
