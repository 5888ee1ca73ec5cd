// CORS, answered as @fastify/cors answered it with Capstan's options, header for header. The policy
// decides, in one place, what every answer to a request from an Origin carries: the answers Fastify
// sends (the conventions hook in app.ts sets the headers first thing, so that its own refusals carry
// them too), the refusals Fastify makes before any hook (a path that is not valid percent-encoding),
// and the answers written straight to a socket (431, 429 too_many_connections; connections.ts). A
// browser on another origin reads an error only when it carries them: without, a page sees nothing but
// "Failed to fetch". Its per-request work is setting the headers: the plugin merged its options into a
// new object, made a closure and joined its header lists on every request.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalOrigin } from '../util/hosts.js';

export interface CorsOptions {
  /** `true`: any origin, reflected; else the origins allowed, each compared exactly. */
  readonly origins: true | readonly string[];
  /** What a preflight allows (Access-Control-Allow-Methods). */
  readonly methods: readonly string[];
  /** Response headers browsers may read (Access-Control-Expose-Headers). */
  readonly exposedHeaders: readonly string[];
  /** How long a browser may keep a preflight's answer (Access-Control-Max-Age). */
  readonly maxAgeSeconds: number;
}

/** Where setHeaders sets its headers: a Fastify reply has this method. */
export interface HeaderTarget {
  header(name: string, value: string): unknown;
}

export class CorsPolicy {
  private readonly allowed: ReadonlySet<string> | undefined;
  private readonly allowMethods: string;
  private readonly exposed: string;
  private readonly maxAge: string;

  constructor(options: CorsOptions) {
    this.allowed = options.origins === true ? undefined : new Set(options.origins);
    this.allowMethods = options.methods.join(', ');
    this.exposed = options.exposedHeaders.join(', ');
    this.maxAge = String(options.maxAgeSeconds);
  }

  /**
   * Sets on `target` (a reply, or headersFor's list) the headers every answer to a request sent with
   * `origin` carries, in order; a preflight's answer adds its own to them.
   */
  setHeaders(origin: string | undefined, target: HeaderTarget): void {
    // The answer depends on the Origin asked with, so caches must key on it.
    target.header('Vary', 'Origin');
    if (origin && this.allows(origin)) target.header('Access-Control-Allow-Origin', origin);
    target.header('Access-Control-Expose-Headers', this.exposed);
  }

  /**
   * The list holds canonical origins (config/load.ts); an Origin is compared the same way, lower-cased
   * and without its default port, as the configuration reference says. The answer still names the
   * Origin as sent: a browser compares it byte for byte.
   */
  private allows(origin: string): boolean {
    if (this.allowed === undefined || this.allowed.has(origin)) return true;
    const canonical = canonicalOrigin(origin);
    return canonical !== undefined && this.allowed.has(canonical);
  }

  /** The headers of setHeaders as name and value pairs, for an answer written straight to a socket. */
  headersFor(origin: string | undefined): [string, string][] {
    const headers: [string, string][] = [];
    this.setHeaders(origin, { header: (name, value) => headers.push([name, value]) });
    return headers;
  }

  /** A whole preflight (OPTIONS with Origin and Access-Control-Request-Method), which answerPreflight answers. */
  isPreflight(req: FastifyRequest): boolean {
    return req.method === 'OPTIONS' && !!req.headers.origin && !!req.headers['access-control-request-method'];
  }

  /**
   * Answers a whole preflight, on a reply setHeaders has set up: 204 whatever the path (the same for a
   * path no route takes or one that is not valid percent-encoding), so that the browser goes on to send
   * the request itself and reads the error that one gets. Any other status fails the preflight, and
   * the page would learn nothing.
   */
  answerPreflight(req: FastifyRequest, reply: FastifyReply): FastifyReply {
    reply.header('Access-Control-Allow-Methods', this.allowMethods);
    // Whatever headers the preflight asks for are allowed, so the answer depends on them too.
    addVary(reply, 'Access-Control-Request-Headers');
    const requested = req.headers['access-control-request-headers'];
    if (requested !== undefined) reply.header('Access-Control-Allow-Headers', requested);
    reply.header('Access-Control-Max-Age', this.maxAge);
    // Browsers (Safari) wait for a body unless a 204 says its length is 0.
    return reply.code(204).header('Content-Length', '0').send();
  }
}

/** Routes OPTIONS on every path to a route of its own (preflights are answered in onRequest, before it runs). */
export function routePreflights(app: FastifyInstance): void {
  app.options('*', { schema: { hide: true } }, (_req, reply) => reply.callNotFound());
}

/** Adds `name` to the Vary header unless it is there already; a Vary naming `*` becomes just `*`. */
function addVary(reply: FastifyReply, name: string): void {
  const current = reply.getHeader('Vary');
  if (current === undefined || current === '') {
    reply.header('Vary', name);
    return;
  }
  const value = Array.isArray(current) ? current.join(', ') : String(current);
  const names = value.toLowerCase().split(',').map((v) => v.trim());
  if (names.includes('*')) reply.header('Vary', '*');
  else if (!names.includes(name.toLowerCase())) reply.header('Vary', `${value}, ${name}`);
}
