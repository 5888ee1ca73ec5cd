// A body of a type the route does not read is 415: the answer names the type sent and the ones the
// route takes (application/json unless its config says otherwise), so a client sending a form or a
// raw file where JSON is expected learns what to send instead.
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body types the route takes, as its 415 names them (default application/json). */
    readonly accepts?: string;
  }
}

const MAX_SHOWN = 100;

export function unsupportedType(req: FastifyRequest): AppError {
  const sent = req.headers['content-type']?.split(';')[0]?.trim() ?? '';
  const shown = sent === '' ? 'A body without a Content-Type' : `Content-Type ${JSON.stringify(sent.slice(0, MAX_SHOWN))}`;
  return new AppError('unsupported_media_type', `${shown} is not accepted here: send ${req.routeOptions.config.accepts ?? 'application/json'}`);
}
