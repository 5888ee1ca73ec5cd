// Console sessions (/admin/v1/session): sign in with the admin token for a cookie, read the session
// back (a reloaded page recovers its CSRF token), sign out. These routes are not behind the admin
// guard: signing in is how a browser gets past it, and the others take the session cookie only.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { consoleCookie, consoleCookieHeader } from '../../auth/index.js';
import { AppError, replies } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { consoleAuth } from './guard.js';
import { Success, Timestamp } from './schemas.js';

const tags = ['admin'];
const sessionSecurity: Record<string, string[]>[] = [{ consoleSession: [] }];
const CSRF = 'Yb3mX0tq9dJ2rL7wVn4kP8sZc1eHf6gAa5uTi0oRy2M';

const ConsoleSessionBody = Type.Object({
  expires_at: { ...Timestamp, description: 'When the session ends (absolute: using the console does not extend it)' },
  csrf_token: Type.String({ minLength: 43, maxLength: 43, description: 'Send it as X-CSRF-Token on every admin request other than GET or HEAD made with this session' }),
}, { examples: [{ expires_at: '2025-01-31T13:00:00.000Z', csrf_token: CSRF }] });

const setCookie = (description: string) => ({ 'set-cookie': { type: 'string', description } });

/** Over https (directly, or X-Forwarded-Proto from a trusted proxy) the cookie is Secure. */
const overHttps = (req: FastifyRequest): boolean => req.protocol === 'https';

export function sessionRoutes(ctx: AppContext) {
  return async function session(scope: FastifyInstance): Promise<void> {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    const auth = consoleAuth(ctx);
    const sessions = ctx.consoleSessions;
    // With no admin token configured the admin API, sessions included, does not exist.
    app.addHook('onRequest', async () => {
      if (!ctx.config.adminToken) throw new AppError('route_not_found');
    });

    app.post('/session', {
      // The body's validation would coerce a number or a one-item array to a string; a token is a string.
      preValidation: async (req) => {
        const token = (req.body as { token?: unknown } | null)?.token;
        if (token !== undefined && typeof token !== 'string') throw new AppError('invalid_request', 'body.token must be a string');
      },
      schema: {
        tags, security: [], operationId: 'createConsoleSession', summary: 'Sign in to the operator console with the admin token',
        description: 'Opens a console session: the answer sets the `capstan_console` cookie (HttpOnly, SameSite=Strict, Secure over https) that every admin route accepts in place of the admin token, and gives the CSRF token that writes made with it must send as `X-CSRF-Token`. `401 unauthorized` when the token is not CAPSTAN_ADMIN_TOKEN; wrong tokens count against the address\'s CAPSTAN_AUTH_FAILURES_PER_MINUTE, past which sign-in from it is `429 rate_limited` with Retry-After until its minute ends.',
        body: Type.Object({
          token: Type.String({ minLength: 1, maxLength: 4096, description: 'CAPSTAN_ADMIN_TOKEN' }),
        }, { additionalProperties: false, examples: [{ token: 'my-admin-token' }] }),
        response: replies({
          201: { ...ConsoleSessionBody, description: 'The session is open; its cookie is set', headers: setCookie('capstan_console=<session>; Path=/; HttpOnly; SameSite=Strict; Max-Age=<CAPSTAN_CONSOLE_SESSION_TTL_SECONDS + 86400> (; Secure over https). The cookie outlives the session by a day, so that past its expiry it is answered `401 session_expired`') },
        }, ['route_not_found', 'unauthorized', 'rate_limited']),
      },
    }, async (req, reply) => {
      // A wrong token counts as a failed authentication of the address, as a wrong key in a header does.
      const limiter = req.server.requestLimiter;
      await limiter?.checkFailures(req.ip);
      const opened = await sessions.open(req.body.token).catch(async (e: unknown) => {
        if (e instanceof AppError && e.code === 'unauthorized') await limiter?.failedAuthentication(req.ip);
        throw e;
      });
      reply.header('Set-Cookie', consoleCookieHeader(opened.id, opened.cookieMaxAgeSeconds, overHttps(req)));
      return reply.code(201).send({ expires_at: opened.expiresAt, csrf_token: opened.csrfToken });
    });

    app.get('/session', {
      schema: {
        tags, security: sessionSecurity, operationId: 'getConsoleSession', summary: 'The console session of the cookie: its expiry and CSRF token',
        description: '`401 unauthorized` without a valid session cookie, `401 session_expired` once it has expired.',
        response: replies({ 200: { ...ConsoleSessionBody, description: 'The session' } }, ['route_not_found', 'session_expired']),
      },
    }, async (req) => {
      const found = await auth.session(req);
      return { expires_at: found.expiresAt, csrf_token: found.csrfToken };
    });

    app.delete('/session', {
      schema: {
        tags, security: sessionSecurity, operationId: 'deleteConsoleSession', summary: 'Sign out: the session ends on every node and its cookie is cleared',
        description: 'Needs the session\'s CSRF token in `X-CSRF-Token` (and an Origin, when sent, that is the server\'s own): `403 csrf_failed` otherwise.',
        response: replies({
          200: { ...Success, description: 'Signed out', headers: setCookie('capstan_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0') },
        }, ['route_not_found', 'session_expired', 'csrf_failed']),
      },
    }, async (req, reply) => {
      await auth.session(req);
      const id = consoleCookie(req.headers.cookie);
      if (id !== undefined) await sessions.close(id);
      reply.header('Set-Cookie', consoleCookieHeader('', 0, overHttps(req)));
      return { success: true as const };
    });
  };
}
