// Tokens whose signature, issuer and audience have been checked, remembered until their expiry: a
// browser holds one token for many connections, and a connect storm would otherwise verify the same
// HMAC thousands of times. Only what the token itself proves is remembered; whether its holder may
// still connect (membership, bans, revoked keys) is read by each surface on every request.
import type { TokenAudience, VerifiedToken } from './tokens.js';

export class VerifiedTokens {
  /** `<audience> <token>` → its claims, least recently used first (a Map iterates in insertion order). */
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The claims of a token verified before for this audience; undefined once it has expired. */
  get(audience: TokenAudience, token: string, nowMs: number): VerifiedToken | undefined {
    const key = `${audience} ${token}`;
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    if (hit.expiresAtMs <= nowMs) return undefined;
    this.entries.set(key, hit);
    return hit;
  }

  /** Remembers a token that verified; the caller never passes one that failed. */
  set(audience: TokenAudience, token: string, verified: VerifiedToken): void {
    if (this.capacity <= 0) return;
    const key = `${audience} ${token}`;
    this.entries.delete(key);
    this.entries.set(key, verified);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}
