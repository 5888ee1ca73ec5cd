// Who is calling the developer APIs: the app of the Bearer key, checked before the body is read.
// The REST API takes only secret (csk_) keys; the SDK API only public (cpk_) keys, from an allowed
// Origin when the app is in production.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateAppKey, bearerToken, checkAppOrigin, type AppPrincipal } from '../../auth/index.js';
import type { App, Storage } from '../../storage/index.js';

/** The OpenAPI security of each API (scheme names of src/http/openapi-root.ts). */
export const SECRET_KEY_SECURITY = [{ appSecretKey: [] }];
export const PUBLIC_KEY_SECURITY = [{ appPublicKey: [] }];

const apps = new WeakMap<FastifyRequest, AppPrincipal>();

const headerKey = (req: FastifyRequest): string | undefined => bearerToken(req.headers.authorization);

/** `keyOf` reads the key from the request: the Authorization header unless a route says otherwise. */
export function requireAppKey(scope: FastifyInstance, storage: Storage, kind: 'secret' | 'public', keyOf: (req: FastifyRequest) => string | undefined = headerKey): void {
  scope.addHook('onRequest', async (req) => {
    const principal = await authenticateAppKey(storage, keyOf(req), kind);
    if (kind === 'public') checkAppOrigin(principal.app, req.headers.origin);
    apps.set(req, principal);
  });
}

/** The authenticated app of a request that passed `requireAppKey`. */
export function appOf(req: FastifyRequest): App {
  return principalOf(req).app;
}

/** The app and the key it authenticated with. */
export function principalOf(req: FastifyRequest): AppPrincipal {
  const principal = apps.get(req);
  if (!principal) throw new Error('developer route without requireAppKey');
  return principal;
}
