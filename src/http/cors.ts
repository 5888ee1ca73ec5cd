// CORS, answered as @fastify/cors answered it with Capstan's options, header for header, in one hook
// whose per-request work is setting the headers: the plugin merged its options into a new object,
// made a closure and joined its header lists on every request, a cost every request paid.
// Every OPTIONS reaching this hook is a whole preflight: the conventions hook (app.ts) has answered
// the others with 400.
import type { FastifyInstance, FastifyReply } from 'fastify';

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

export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  const allowed = options.origins === true ? undefined : new Set(options.origins);
  const allowMethods = options.methods.join(', ');
  const exposed = options.exposedHeaders.join(', ');
  const maxAge = String(options.maxAgeSeconds);
  app.addHook('onRequest', (req, reply, done) => {
    // The answer depends on the Origin asked with, so caches must key on it. (Only the conventions
    // hook runs before this one, and it sets no Vary.)
    reply.header('Vary', 'Origin');
    const origin = req.headers.origin;
    if (origin && (allowed === undefined || allowed.has(origin))) reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Access-Control-Expose-Headers', exposed);
    if (req.raw.method !== 'OPTIONS') return done();
    reply.header('Access-Control-Allow-Methods', allowMethods);
    // Whatever headers the preflight asks for are allowed, so the answer depends on them too.
    addVary(reply, 'Access-Control-Request-Headers');
    const requested = req.headers['access-control-request-headers'];
    if (requested !== undefined) reply.header('Access-Control-Allow-Headers', requested);
    reply.header('Access-Control-Max-Age', maxAge);
    // Browsers (Safari) wait for a body unless a 204 says its length is 0.
    reply.code(204).header('Content-Length', '0').send();
  });
  // Routes OPTIONS on every path to a route of its own (the hook above has answered it by then).
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
