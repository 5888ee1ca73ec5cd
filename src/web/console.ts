// The operator console at /console: the front-end app built into packages/console/dist, served as
// files. Hashed assets are cached for good; every other path is the app's index.html (it routes in
// the browser), which needs a console session except on the sign-in page. The console exists only
// while the admin API does, and a request never reaches a file outside the built folder.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { consoleCookie, type ConsoleSessionService } from '../auth/index.js';
import { AppError, isAppError } from '../http/index.js';

/** Where `npm run build` puts the console, from this file in src/web or dist/web alike. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../packages/console/dist', import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SIGN_IN = '/console/sign-in';
/** Vite names these by content hash, so a cached copy never goes stale. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

export interface ConsoleOptions {
  /** The built console; null: DEFAULT_CONSOLE_DIR. */
  readonly dir: string | null;
  /** Off (no admin token): every /console path is 404 route_not_found. */
  readonly enabled: boolean;
  readonly sessions: ConsoleSessionService;
}

/**
 * The file a request path under /console names, relative to the built folder, or undefined when the
 * path could leave it or name something odd: `..` or `.` segments (however encoded: the router has
 * decoded them already), NUL, backslashes, empty segments.
 */
function safeRelative(path: string): string | undefined {
  if (path === '') return '';
  const segments = path.split('/');
  const last = segments.length - 1;
  for (const [i, s] of segments.entries()) {
    if (s === '' && i === last) continue;
    if (s === '' || s === '.' || s === '..' || s.includes('\0') || s.includes('\\')) return undefined;
  }
  return segments.filter((s) => s !== '').join('/');
}

/** The hashed build output: a file there or a 404, never the page. */
const inAssets = (relative: string): boolean => relative === 'assets' || relative.startsWith('assets/');

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export function consoleRoutes(options: ConsoleOptions) {
  const root = resolve(options.dir ?? DEFAULT_CONSOLE_DIR);
  const index = join(root, 'index.html');

  const hasSession = async (req: FastifyRequest): Promise<boolean> => {
    try {
      await options.sessions.verify(consoleCookie(req.headers.cookie));
      return true;
    } catch (e) {
      if (isAppError(e) && (e.code === 'unauthorized' || e.code === 'session_expired')) return false;
      throw e;
    }
  };

  const serve = async (req: FastifyRequest, reply: FastifyReply, path: string) => {
    const relative = safeRelative(path);
    if (relative === undefined) throw new AppError('not_found', 'No such console file');
    if (!(await isFile(index))) throw new AppError('console_unavailable');
    const file = resolve(root, relative);
    if (relative !== '' && relative !== 'index.html' && file.startsWith(root + sep) && (await isFile(file))) {
      // Built files are the same for everyone: no session needed, the sign-in page loads them too.
      const hashed = inAssets(relative);
      return reply
        .type(TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream')
        .header('Cache-Control', hashed ? ASSET_CACHE : 'no-cache')
        .send(await readFile(file));
    }
    if (inAssets(relative)) throw new AppError('not_found', 'No such console asset');
    const page = `/console/${relative}`.replace(/\/$/, '');
    if (page !== SIGN_IN && !(await hasSession(req))) {
      // The page asked for rides along, so signing in lands on it (the console reads only /console/… paths from it).
      const next = page === '/console' ? '' : `?next=${encodeURIComponent(req.url)}`;
      return reply.code(302).header('Cache-Control', 'no-store').redirect(SIGN_IN + next);
    }
    return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(await readFile(index));
  };

  return async function consoleSurface(app: FastifyInstance): Promise<void> {
    await app.register(async (scope) => {
      // Set first, so every answer under /console has them, errors and redirects included.
      scope.addHook('onRequest', async (_req, reply) => {
        reply
          .header('Content-Security-Policy', CONSOLE_CSP)
          .header('X-Content-Type-Options', 'nosniff')
          .header('Referrer-Policy', 'no-referrer')
          .header('X-Frame-Options', 'DENY');
        if (!options.enabled) throw new AppError('route_not_found');
      });
      scope.get('/console', { schema: { hide: true } }, async (req, reply) => serve(req, reply, ''));
      scope.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (req, reply) => serve(req, reply, req.params['*']));
    });
  };
}
