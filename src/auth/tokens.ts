// Signed, short-lived tokens (JWT, HS256): contact access tokens for hub streams and realtime tokens
// for the documents streams. Only HS256 is accepted, so `alg: none` and foreign keys are refused.
import { randomBytes, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { AppError } from '../http/errors.js';
import { VerifiedTokens } from './verified-tokens.js';

const ISSUER = 'capstan';
/** Verified tokens remembered at once: one per browser of a large hub's connect storm. */
const REMEMBERED_TOKENS = 10_000;

export type TokenAudience = 'contact' | 'realtime';

export interface VerifiedToken {
  readonly subject: string;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Expiry instant in epoch milliseconds. */
  readonly expiresAtMs: number;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: string;
  readonly expiresAtMs: number;
}

export class TokenService {
  // A WebCrypto key, imported once: jose verifies through WebCrypto, and given raw bytes or a KeyObject
  // it converts the key on every call (a third of a verify's cost, measured on a stream connect).
  private readonly key: Promise<webcrypto.CryptoKey>;
  private readonly verified: VerifiedTokens;
  /** Verifications under way, by `<audience> <token>`: settled ones leave at once. */
  private readonly verifying = new Map<string, Promise<VerifiedToken>>();

  constructor(secret: string, remembered = REMEMBERED_TOKENS) {
    this.verified = new VerifiedTokens(remembered);
    this.key = webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  static newSecret(): string {
    return randomBytes(48).toString('base64url');
  }

  async issue(audience: TokenAudience, subject: string, claims: Record<string, unknown>, ttlSeconds: number): Promise<IssuedToken> {
    const nowMs = Date.now();
    const nowS = Math.floor(nowMs / 1000);
    // JWT times are whole seconds and a token lapses when the clock's second reaches `exp`: rounding
    // up keeps every token alive for at least the lifetime asked for, never up to a second less.
    const exp = Math.ceil(nowMs / 1000) + ttlSeconds;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(nowS)
      .setExpirationTime(exp)
      .sign(await this.key);
    return { token, expiresAt: new Date(exp * 1000).toISOString(), expiresAtMs: exp * 1000 };
  }

  /**
   * Verifies signature, issuer, audience and expiry; any failure is a 401 `unauthorized`. A token that
   * verified before is not checked again until its expiry, when it fails like any expired token.
   */
  async verify(audience: TokenAudience, token: string): Promise<VerifiedToken> {
    const known = this.verified.get(audience, token, Date.now());
    if (known) return known;
    // Connections arriving together with one token wait for one verification.
    const key = `${audience} ${token}`;
    let pending = this.verifying.get(key);
    if (!pending) {
      pending = this.check(audience, token).finally(() => this.verifying.delete(key));
      this.verifying.set(key, pending);
    }
    return pending;
  }

  private async check(audience: TokenAudience, token: string): Promise<VerifiedToken> {
    if (!isCanonical(token)) throw new AppError('unauthorized', 'Invalid token');
    try {
      const { payload } = await jwtVerify(token, await this.key, { algorithms: ['HS256'], issuer: ISSUER, audience });
      const result = verified(payload);
      this.verified.set(audience, token, result);
      return result;
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (e instanceof joseErrors.JWTExpired) throw new AppError('unauthorized', 'Token expired');
      throw new AppError('unauthorized', 'Invalid token');
    }
  }

  /**
   * Who a token was issued to, checked like verify() except for its expiry; undefined when it is not
   * one of ours. An expired token is no forgery: rate limits count it against its holder.
   */
  async holder(audience: TokenAudience, token: string): Promise<VerifiedToken | undefined> {
    const known = this.verified.get(audience, token, Date.now());
    if (known) return known;
    if (!isCanonical(token)) return undefined;
    try {
      const { payload } = await jwtVerify(token, await this.key, { algorithms: ['HS256'], issuer: ISSUER, audience });
      const result = verified(payload);
      this.verified.set(audience, token, result);
      return result;
    } catch (e) {
      // jose checks the expiry last, after the signature, the issuer and the audience.
      if (e instanceof joseErrors.JWTExpired) return verified(e.payload);
      return undefined;
    }
  }
}

/**
 * Each part of the token in the one base64url spelling its bytes have. A decoder ignores the spare low
 * bits of a part's last character, so without this one signed token would verify under four spellings:
 * four strings to cache, count and rate-limit as four different tokens.
 */
function isCanonical(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => Buffer.from(p, 'base64url').toString('base64url') === p);
}

function verified(payload: JWTPayload): VerifiedToken {
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw new AppError('unauthorized', 'Invalid token');
  return { subject: payload.sub, claims: payload, expiresAtMs: payload.exp * 1000 };
}
