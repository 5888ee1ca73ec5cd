// Verified API keys remembered in process, by the SHA-256 of the key (never the key itself), so a
// request with a key seen a moment ago costs no storage read. Bounded: the least recently used entry
// leaves first. Short-lived: the time limit is only a backstop, since revocations drop their keys the
// moment they commit (see credential-cache.ts).

interface Entry<P> {
  readonly hash: string;
  readonly keyId: string;
  readonly orgId: string;
  readonly principal: P;
  readonly until: number;
}

export class KeyCache<P> {
  /** Key hash → entry, least recently used first (a Map iterates in insertion order). */
  private readonly entries = new Map<string, Entry<P>>();
  /** Key id → key hash, for revocations, which name keys by id. */
  private readonly byKey = new Map<string, string>();
  /** Organization id → hashes of its remembered keys. */
  private readonly byOrg = new Map<string, Set<string>>();
  /** The hash of the entry used last (the last in `entries`), which a hit need not move. */
  private newest: string | undefined;

  constructor(
    readonly capacity: number,
    private readonly ttlMs: number,
    /** Told when the last remembered key of an organization leaves. */
    private readonly onOrgGone: (orgId: string) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  hasOrg(orgId: string): boolean {
    return this.byOrg.has(orgId);
  }

  get(hash: string, nowMs: number): P | undefined {
    const hit = this.entries.get(hash);
    if (!hit) return undefined;
    if (hit.until <= nowMs) {
      this.remove(hash);
      return undefined;
    }
    // Moving an entry to the end is a delete and an insert, and a Map shrinks and regrows its table
    // when its last entry leaves: with one key in use, that was an allocation on every request.
    if (hash !== this.newest) {
      this.entries.delete(hash);
      this.entries.set(hash, hit);
      this.newest = hash;
    }
    return hit.principal;
  }

  set(hash: string, keyId: string, orgId: string, principal: P, nowMs: number): void {
    if (this.capacity <= 0) return;
    this.remove(hash);
    this.entries.set(hash, { hash, keyId, orgId, principal, until: nowMs + this.ttlMs });
    this.newest = hash;
    this.byKey.set(keyId, hash);
    let hashes = this.byOrg.get(orgId);
    if (!hashes) this.byOrg.set(orgId, (hashes = new Set()));
    hashes.add(hash);
    while (this.entries.size > this.capacity) this.remove(this.entries.keys().next().value as string);
  }

  forgetKeys(keyIds: readonly string[]): void {
    for (const id of keyIds) {
      const hash = this.byKey.get(id);
      if (hash) this.remove(hash);
    }
  }

  forgetOrg(orgId: string): void {
    for (const hash of [...(this.byOrg.get(orgId) ?? [])]) this.remove(hash);
  }

  clear(): void {
    for (const hash of [...this.entries.keys()]) this.remove(hash);
  }

  private remove(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    if (this.newest === hash) this.newest = undefined;
    if (this.byKey.get(entry.keyId) === hash) this.byKey.delete(entry.keyId);
    const hashes = this.byOrg.get(entry.orgId);
    hashes?.delete(hash);
    if (hashes && hashes.size === 0) {
      this.byOrg.delete(entry.orgId);
      this.onOrgGone(entry.orgId);
    }
  }
}
