// Remembered API keys (organization and app keys) and what makes a revocation take effect at once on
// every node. A revocation is an `access.key_revoked` event on its organization's topic, appended in
// the transaction that revokes (tenancy), so the cache hears of it the way open streams do:
//  - on this node, from the commit itself (storage.onCommit), before the revoking request answers;
//  - on every node, through the event feed: the bus (Redis pub/sub in scaled mode) brings it within
//    milliseconds, and while the bus is away the feed's periodic check of the log still finds it
//    within about two CAPSTAN_EVENTS_CHECK_MS (1 s by default) — the bound on serving a revoked key
//    when Redis is unreachable. A resync (the bus reconnected, events may have been missed) drops
//    the organization's keys.
// A key is remembered only once its organization's topic is followed and nothing was revoked while
// it was read, so no revocation can fall between the read and the follow.
import type { FeedMessage } from '../events/index.js';
import type { App, EventRow, Org, OrgKey, Storage } from '../storage/index.js';
import { KeyCache } from './key-cache.js';

/**
 * The revocation event (ACCESS_EVENTS.keyRevoked), the change of what a key authorizes (keyChanged:
 * an app's allowed origins) and their topic, spelled as the events module does. Both drop the keys.
 */
const KEY_EVENTS: ReadonlySet<string> = new Set(['access.key_revoked', 'access.key_changed']);
const orgTopic = (orgId: string): string => `org:${orgId}`;

/** Where committed events of a topic arrive on this node: the EventFeed. */
export interface RevocationFeed {
  subscribe(topic: string, handler: (message: FeedMessage) => void): Promise<() => void>;
}

export interface CredentialCacheOptions {
  /** Keys remembered at once, of each kind. */
  readonly capacity: number;
  /** The backstop: a key is read again after this long whatever happened. */
  readonly ttlMs: number;
}

export const DEFAULT_CREDENTIAL_CACHE: CredentialCacheOptions = { capacity: 5_000, ttlMs: 30_000 };

export interface CachedOrgKey {
  readonly org: Org;
  readonly key: OrgKey;
}

export interface CachedAppKey {
  readonly app: App;
  readonly kind: 'secret' | 'public';
  readonly keyId: string;
}

interface Follow {
  /** Set once the feed delivers every later event of the topic. */
  live: boolean;
  unsubscribe: (() => void) | undefined;
}

/** A read of storage that may be remembered if nothing was revoked meanwhile. */
export interface ReadTicket {
  readonly epoch: number;
}

export class CredentialCache {
  readonly orgKeys: KeyCache<CachedOrgKey>;
  readonly appKeys: KeyCache<CachedAppKey>;
  private readonly follows = new Map<string, Follow>();
  /** Bumped by every revocation heard: a read that started before one is not remembered. */
  private epoch = 0;
  private closed = false;

  constructor(private readonly feed: RevocationFeed, options: CredentialCacheOptions = DEFAULT_CREDENTIAL_CACHE) {
    const gone = (orgId: string) => this.orgGone(orgId);
    this.orgKeys = new KeyCache(options.capacity, options.ttlMs, gone);
    this.appKeys = new KeyCache(options.capacity, options.ttlMs, gone);
  }

  /** Taken before a storage read of a key. */
  ticket(): ReadTicket {
    return { epoch: this.epoch };
  }

  rememberOrgKey(ticket: ReadTicket, hash: string, found: CachedOrgKey): void {
    if (this.mayRemember(ticket, found.org.id)) this.orgKeys.set(hash, found.key.id, found.org.id, found, Date.now());
  }

  rememberAppKey(ticket: ReadTicket, hash: string, found: CachedAppKey): void {
    if (this.mayRemember(ticket, found.app.org_id)) this.appKeys.set(hash, found.keyId, found.app.org_id, found, Date.now());
  }

  /** Drops the named keys (revoked, rotated or deleted). */
  forgetKeys(keyIds: readonly string[]): void {
    this.epoch++;
    this.orgKeys.forgetKeys(keyIds);
    this.appKeys.forgetKeys(keyIds);
  }

  /** Drops every key of an organization (deleted, or its revocations may have been missed). */
  forgetOrg(orgId: string): void {
    this.epoch++;
    this.orgKeys.forgetOrg(orgId);
    this.appKeys.forgetOrg(orgId);
  }

  /** Revocations committed by this process, heard at commit (storage.onCommit). */
  onCommit(rows: readonly EventRow[]): void {
    for (const row of rows) {
      if (!KEY_EVENTS.has(row.type)) continue;
      let data: unknown;
      try {
        data = JSON.parse(row.data);
      } catch {
        data = undefined;
      }
      const ids = keyIdsOf(data);
      // An unreadable revocation still takes effect: everything of its organization goes.
      if (ids) this.forgetKeys(ids);
      else this.forgetOrg(row.org_id);
    }
  }

  close(): void {
    this.closed = true;
    for (const f of this.follows.values()) f.unsubscribe?.();
    this.follows.clear();
    this.orgKeys.clear();
    this.appKeys.clear();
  }

  /** Followed topics (at most one per remembered organization). */
  get followed(): number {
    return this.follows.size;
  }

  private mayRemember(ticket: ReadTicket, orgId: string): boolean {
    if (this.closed || ticket.epoch !== this.epoch) return false;
    const follow = this.follows.get(orgId);
    if (follow?.live) return true;
    // Not followed yet: start now; keys read after it is live will be remembered.
    if (!follow) this.follow(orgId);
    return false;
  }

  private follow(orgId: string): void {
    const follow: Follow = { live: false, unsubscribe: undefined };
    this.follows.set(orgId, follow);
    this.feed.subscribe(orgTopic(orgId), (m) => this.onFeed(orgId, m)).then(
      (unsubscribe) => {
        if (this.follows.get(orgId) !== follow) return unsubscribe();
        follow.unsubscribe = unsubscribe;
        follow.live = true;
      },
      // The log could not be read: nothing of this organization is remembered; the next read tries again.
      () => {
        if (this.follows.get(orgId) === follow) this.follows.delete(orgId);
      },
    );
  }

  private onFeed(orgId: string, message: FeedMessage): void {
    if (message.kind === 'resync') return this.forgetOrg(orgId);
    if (!KEY_EVENTS.has(message.event.type)) return;
    const ids = keyIdsOf(message.event.data);
    if (ids) this.forgetKeys(ids);
    else this.forgetOrg(orgId);
  }

  /** An organization with nothing remembered stops being followed (the feed reads heads of followed topics). */
  private orgGone(orgId: string): void {
    if (this.orgKeys.hasOrg(orgId) || this.appKeys.hasOrg(orgId)) return;
    const follow = this.follows.get(orgId);
    // A follow still starting stays: the read that started it is about to be followed by another.
    if (!follow?.live) return;
    this.follows.delete(orgId);
    follow.unsubscribe?.();
  }
}

function keyIdsOf(data: unknown): string[] | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const ids = (data as { key_ids?: unknown }).key_ids;
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : undefined;
}

const caches = new WeakMap<Storage, CredentialCache>();

/**
 * Turns on remembered keys for every authentication against `storage`. Call once per server, with
 * its event feed; close() before the feed closes.
 */
export function cacheCredentials(storage: Storage, feed: RevocationFeed, options?: CredentialCacheOptions): CredentialCache {
  const cache = new CredentialCache(feed, options);
  storage.onCommit((rows) => cache.onCommit(rows));
  caches.set(storage, cache);
  return cache;
}

/** The cache turned on for `storage`, if any. */
export function credentialCacheOf(storage: Storage): CredentialCache | undefined {
  return caches.get(storage);
}
