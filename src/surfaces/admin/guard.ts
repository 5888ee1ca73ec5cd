// The admin API's one guard, used by every admin route: the admin token as a Bearer header, or a
// console session cookie. A cookie is sent by the browser on its own, so a cookie-authenticated
// change must also prove it comes from the console: the session's CSRF token in X-CSRF-Token, and an
// Origin (when the browser sends one) that is the server's own or one the operator named.
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { bearerToken, checkAdminToken, consoleCookie, type ConsoleSession } from '../../auth/index.js';
import { AppError } from '../../http/index.js';
import type { AppContext } from '../../server/context.js';
import { canonicalOrigin } from '../../util/hosts.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the admin guard when a console session (not the admin token) authenticated the request. */
    consoleSession?: ConsoleSession;
  }
}

/** Methods that change nothing, so a cookie alone is enough for them. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The origin of a configured URL (which may carry a path) in canonical form, or undefined when it has none. */
function originOfUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The request's own origin, as the browser that loaded the console from this server sees it. */
const ownOrigin = (req: FastifyRequest): string | undefined => originOfUrl(`${req.protocol}://${req.host}`);

export interface ConsoleAuth {
  /** The session of the request's cookie, with the CSRF token and Origin checked unless the method is GET or HEAD. */
  session(req: FastifyRequest): Promise<ConsoleSession>;
}

export function consoleAuth(ctx: AppContext): ConsoleAuth {
  const { config, consoleSessions } = ctx;
  const named = [...config.consoleOrigins, ...(config.publicUrl ? [config.publicUrl] : [])];
  const trusted = new Set(named.map(originOfUrl).filter((o): o is string => o !== undefined));
  const originAllowed = (req: FastifyRequest): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    // The header must be an origin as a browser sends it; one with a path or user matches nothing.
    const given = canonicalOrigin(origin);
    return given !== undefined && (given === ownOrigin(req) || trusted.has(given));
  };
  return {
    async session(req) {
      const id = consoleCookie(req.headers.cookie);
      if (id === undefined) throw new AppError('unauthorized', 'Missing console session cookie');
      const session = await consoleSessions.verify(id);
      if (!SAFE_METHODS.has(req.method)) {
        const csrf = req.headers['x-csrf-token'];
        consoleSessions.checkCsrf(id, typeof csrf === 'string' ? csrf : undefined);
        if (!originAllowed(req)) throw new AppError('csrf_failed', 'The request came from another origin than the console\'s');
      }
      return session;
    },
  };
}

/**
 * The onRequest hook of the admin scope. A Bearer header always wins over a cookie. The token is
 * checked without a promise (every admin call, each publish among them, comes through here); only a
 * console session waits for storage.
 */
export function adminGuard(ctx: AppContext): onRequestHookHandler {
  const auth = consoleAuth(ctx);
  return (req, _reply, done) => {
    const adminToken = ctx.config.adminToken;
    // With no admin token configured the admin API does not exist.
    if (!adminToken) throw new AppError('route_not_found');
    // A Bearer token wins over the console's cookie; another scheme (the Basic of a proxy in front) is
    // not Capstan's, and leaves the cookie to speak.
    if (bearerToken(req.headers.authorization) !== undefined || consoleCookie(req.headers.cookie) === undefined) {
      checkAdminToken(adminToken, req.headers.authorization);
      return done();
    }
    auth.session(req).then((session) => {
      req.consoleSession = session;
      done();
    }, done);
  };
}
