// 405 for a known path asked with a method it does not take, with the Allow header listing the ones it
// does: Fastify only says "no route", which would tell a client its URL is wrong when only the method is.
import FindMyWay from 'find-my-way';
import type { FastifyInstance } from 'fastify';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export interface AllowedMethods {
  /** The methods `path` takes, in a stable order; empty when no route has that path. */
  of(path: string): string[];
}

/** Records every route's path and methods as they are added (call before any route is registered). */
export function trackAllowedMethods(app: FastifyInstance): AllowedMethods {
  const router = FindMyWay({ ignoreTrailingSlash: false });
  const noop = () => undefined;
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const given of methods) {
      const method = METHODS.find((m) => m === given.toUpperCase());
      if (method === undefined) continue;
      // A path can be registered twice for one method (GET and its automatic HEAD); the first is enough.
      if (router.hasRoute(method, route.url)) continue;
      router.on(method, route.url, noop);
    }
  });
  return {
    of(path) {
      return METHODS.filter((m) => router.find(m, path) !== null);
    },
  };
}
