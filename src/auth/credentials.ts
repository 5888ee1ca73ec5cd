// Resolves request credentials to their owner: organization API keys and developer app keys.
// A key that is missing, malformed, unknown or revoked is the same 401 to the caller. Keys verified
// a moment ago are answered from the credential cache when the server turned it on.
import { AppError } from '../http/errors.js';
import type { App, Org, OrgKey, Storage } from '../storage/index.js';
import { credentialCacheOf } from './credential-cache.js';
import { KEY_PREFIXES, hashKey, looksLikeKey } from './keys.js';

export interface OrgPrincipal {
  readonly org: Org;
  readonly key: OrgKey;
}

/**
 * The owner of an organization key verified a moment ago, without waiting for anything; undefined
 * when the key must go through authenticateOrgKey (not remembered, malformed or missing).
 */
export function rememberedOrgKey(storage: Storage, value: string | undefined): OrgPrincipal | undefined {
  if (!value || !looksLikeKey(value, [KEY_PREFIXES.orgTest, KEY_PREFIXES.orgLive])) return undefined;
  return credentialCacheOf(storage)?.orgKeys.get(hashKey(value), Date.now());
}

export async function authenticateOrgKey(storage: Storage, value: string | undefined): Promise<OrgPrincipal> {
  if (!value) throw new AppError('unauthorized', 'Missing API key');
  if (!looksLikeKey(value, [KEY_PREFIXES.orgTest, KEY_PREFIXES.orgLive])) throw new AppError('unauthorized', 'Invalid API key');
  const hash = hashKey(value);
  const cache = credentialCacheOf(storage);
  const known = cache?.orgKeys.get(hash, Date.now());
  if (known) return known;
  const ticket = cache?.ticket();
  const found = await storage.orgs.findActiveKey(hash);
  if (!found) throw new AppError('unauthorized', 'Invalid API key');
  if (cache && ticket) cache.rememberOrgKey(ticket, hash, found);
  return found;
}

export interface AppPrincipal {
  readonly app: App;
  readonly kind: 'secret' | 'public';
  readonly keyId: string;
}

/** Authenticates an app key of exactly `kind`: a public key on a secret-key API (or the reverse) is 401. */
export async function authenticateAppKey(storage: Storage, bearer: string | undefined, kind: 'secret' | 'public'): Promise<AppPrincipal> {
  if (!bearer) throw new AppError('unauthorized', 'Missing API key');
  const prefix = kind === 'secret' ? KEY_PREFIXES.appSecret : KEY_PREFIXES.appPublic;
  if (!looksLikeKey(bearer, [prefix])) throw new AppError('unauthorized', 'Invalid API key');
  const hash = hashKey(bearer);
  const cache = credentialCacheOf(storage);
  const known = cache?.appKeys.get(hash, Date.now());
  // The prefix fixes the kind, so a remembered key is of the kind it was stored as.
  if (known && known.kind === kind) return known;
  const ticket = cache?.ticket();
  const found = await storage.apps.findActiveKey(hash);
  if (!found || found.key.kind !== kind) throw new AppError('unauthorized', 'Invalid API key');
  const principal: AppPrincipal = { app: found.app, kind, keyId: found.key.id };
  if (cache && ticket) cache.rememberAppKey(ticket, hash, principal);
  return principal;
}

/** The token of an `Authorization: Bearer <token>` header, if well formed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer +(\S+)\s*$/i.exec(header);
  return m?.[1];
}
