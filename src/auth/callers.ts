// Who a request comes from, whatever surface it is for: the credential it carries — a `capout-api-key`
// header, a Bearer token or a `token` query parameter — verified with the same checks the surfaces
// use, and named by what it verifies as (a key id, a contact id, the admin). Rate limits count each
// request against this name, so no spelling of a credential gets a budget of its own and a credential
// that verifies as nothing is known for a failed authentication before any surface runs. A token past
// its expiry still names its holder here (its surface refuses it all the same): it is no guess.
import type { IncomingHttpHeaders } from 'node:http';
import { decodeJwt } from 'jose';
import { isAppError } from '../http/errors.js';
import type { Storage } from '../storage/index.js';
import { isAdminToken } from './admin.js';
import { authenticateAppKey, authenticateOrgKey, bearerToken } from './credentials.js';
import { KEY_PREFIXES, hashKey, looksLikeKey } from './keys.js';
import type { TokenService } from './tokens.js';

/** The label the documents surface puts before the JWT of a realtime token. */
const REALTIME_TOKEN_LABEL = 'rt_';

/**
 * The credentials a request carries, in the forms the surfaces read them; other Authorization schemes
 * are not Capstan's. `keyParam` is a `key` query parameter, a credential only when it is shaped like a
 * public key (a browser's EventSource sends the key there; elsewhere `key` names an object).
 */
export function presentedCredentials(headers: IncomingHttpHeaders, tokenParam: unknown, keyParam?: unknown): string[] {
  const found = new Set<string>();
  const apiKey = headers['capout-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') found.add(apiKey.trim());
  const bearer = bearerToken(headers.authorization);
  if (bearer) found.add(bearer);
  if (typeof tokenParam === 'string' && tokenParam !== '') found.add(tokenParam);
  if (typeof keyParam === 'string' && keyParam.startsWith(KEY_PREFIXES.appPublic)) found.add(keyParam);
  return [...found];
}

/** Callers named by a public key: every browser of an app shares it, so each address counts apart. */
const PUBLIC_KEY_CALLER = 'app_public_key:';

/**
 * Whether requests of `caller` count per address: a public (`cpk_`) key is in every page of its app,
 * so one bucket per key would let anyone who reads a page spend its users' budget.
 */
export function countsPerAddress(caller: string): boolean {
  return caller.startsWith(PUBLIC_KEY_CALLER);
}

export interface CallerOptions {
  /** Verified credentials remembered at once, so a request costs no second storage lookup. */
  readonly capacity: number;
  /** How long one is remembered: a revoked key is still counted as itself (and refused by its surface) for this long. */
  readonly rememberMs: number;
}

interface Known {
  readonly caller: string;
  readonly until: number;
}

export class CallerIdentifier {
  /** Digest of a verified credential → its caller; never holds a credential that failed. */
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly storage: Storage,
    private readonly tokens: TokenService,
    private readonly adminToken: string | null,
    private readonly options: CallerOptions = { capacity: 10_000, rememberMs: 60_000 },
  ) {}

  /** Verified credentials remembered now (at most `capacity`). */
  get size(): number {
    return this.known.size;
  }

  /**
   * The caller the first verifying credential names (`org_key:<id>`, `app_key:<id>`,
   * `app_public_key:<id>`, `contact:<id>`, `org:<id>`, `admin`); null when none verifies. Storage that cannot answer is not a failed
   * authentication: that throws, and the request counts against its address instead.
   */
  async identify(credentials: readonly string[]): Promise<string | null> {
    for (const credential of credentials) {
      const caller = await this.callerOf(credential);
      if (caller) return caller;
    }
    return null;
  }

  /**
   * The caller of a credential this node verified within the last minute, looked up without touching
   * storage: it is no guess, so it may pass while its address is locked out for failed authentications
   * (another client behind the same NAT guessing). Never the admin token, which an operator may have
   * chosen weak: guesses at it stay refused.
   */
  recall(credentials: readonly string[]): string | undefined {
    const now = Date.now();
    for (const credential of credentials) {
      const hit = this.known.get(hashKey(credential));
      if (hit && hit.until > now && hit.caller !== 'admin') return hit.caller;
    }
    return undefined;
  }

  private async callerOf(credential: string): Promise<string | undefined> {
    const digest = hashKey(credential);
    const now = Date.now();
    const hit = this.known.get(digest);
    if (hit && hit.until > now) return hit.caller;
    this.known.delete(digest);
    let found: Known | undefined;
    try {
      found = await this.verify(credential, now);
    } catch (e) {
      if (isAppError(e) && e.status === 401) return undefined;
      throw e;
    }
    if (!found) return undefined;
    if (found.until <= now) return found.caller;
    this.known.set(digest, found);
    // Oldest first out: a Map iterates in insertion order.
    if (this.known.size > this.options.capacity) this.known.delete(this.known.keys().next().value as string);
    return found.caller;
  }

  private async verify(credential: string, now: number): Promise<Known | undefined> {
    const until = now + this.options.rememberMs;
    if (looksLikeKey(credential, [KEY_PREFIXES.orgTest, KEY_PREFIXES.orgLive])) {
      const { key } = await authenticateOrgKey(this.storage, credential);
      return { caller: `org_key:${key.id}`, until };
    }
    if (looksLikeKey(credential, [KEY_PREFIXES.appSecret, KEY_PREFIXES.appPublic])) {
      const kind = credential.startsWith(KEY_PREFIXES.appSecret) ? 'secret' : 'public';
      const { keyId } = await authenticateAppKey(this.storage, credential, kind);
      return { caller: kind === 'public' ? `${PUBLIC_KEY_CALLER}${keyId}` : `app_key:${keyId}`, until };
    }
    if (this.adminToken && isAdminToken(this.adminToken, credential)) return { caller: 'admin', until };
    const jwt = credential.startsWith(REALTIME_TOKEN_LABEL) ? credential.slice(REALTIME_TOKEN_LABEL.length) : credential;
    let audience: unknown;
    try {
      audience = decodeJwt(jwt).aud;
    } catch {
      return undefined;
    }
    if (audience !== 'contact' && audience !== 'realtime') return undefined;
    // An expired token is not a guess: a browser whose token ran out names its holder, not a failure.
    const holder = await this.tokens.holder(audience, jwt);
    if (!holder) return undefined;
    const kid = holder.claims.kid;
    // A realtime token counts against the key that minted it, like that key's own requests.
    const caller = audience === 'contact' ? `contact:${holder.subject}` : typeof kid === 'string' ? `org_key:${kid}` : `org:${holder.subject}`;
    return { caller, until: Math.min(until, holder.expiresAtMs) };
  }
}
