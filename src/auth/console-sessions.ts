// Operator console sessions: signing in with the admin token opens one, identified by a random cookie
// value. Only digests are stored, so a database read gives no working session; the CSRF token is
// derived from the session id (HMAC), so a reloaded page can get it back without it being stored.
// Expiry is absolute: using the console never extends a session. The cookie outlives the session by
// EXPIRED_SESSION_GRACE_SECONDS, and so does the row (the cleanup waits as long): a browser coming
// back after the expiry still sends the cookie, and is told 401 session_expired rather than that it
// has no session at all.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../http/errors.js';
import type { ConsoleSessionRepo } from '../storage/index.js';
import { isAdminToken } from './admin.js';

/** A session id as the cookie carries it: 32 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** A session's last use is written at most this often. */
const TOUCH_EVERY_MS = 60_000;
/**
 * How long past its expiry a session is still known (to answer session_expired): its cookie's Max-Age
 * is the session's lifetime plus this, and the cleanup removes the row only after it. A day: an
 * operator who left the console overnight learns why it asks to sign in again.
 */
export const EXPIRED_SESSION_GRACE_SECONDS = 86_400;

export interface ConsoleSession {
  readonly expiresAt: string;
  readonly csrfToken: string;
  /** Whether the session is still open (not signed out, not expired): for streams that outlive the request. */
  stillOpen(): Promise<boolean>;
}

export interface OpenedConsoleSession {
  /** The cookie value: in this answer only. */
  readonly id: string;
  readonly expiresAt: string;
  readonly csrfToken: string;
  /** The cookie's Max-Age: the session's lifetime plus EXPIRED_SESSION_GRACE_SECONDS. */
  readonly cookieMaxAgeSeconds: number;
}

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url');
const csrfTokenOf = (id: string): string => createHmac('sha256', id).update('csrf').digest('base64url');

/** Compares digests, so the time taken says nothing about either value, not even its length. */
const sameSecret = (a: string, b: string): boolean => timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

export class ConsoleSessionService {
  constructor(
    private readonly repo: ConsoleSessionRepo,
    private readonly adminToken: string | null,
    private readonly ttlSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Signs in: the admin token, compared in constant time, opens a session. */
  async open(token: string): Promise<OpenedConsoleSession> {
    if (!this.adminToken) throw new AppError('route_not_found');
    if (!isAdminToken(this.adminToken, token)) throw new AppError('unauthorized', 'Invalid admin token');
    const id = randomBytes(32).toString('base64url');
    const csrfToken = csrfTokenOf(id);
    const now = this.clock();
    const created = new Date(now).toISOString();
    const expiresAt = new Date(now + this.ttlSeconds * 1000).toISOString();
    await this.repo.create({ id_hash: digest(id), csrf_hash: digest(csrfToken), created_at: created, expires_at: expiresAt, last_seen_at: created });
    return { id, csrfToken, expiresAt, cookieMaxAgeSeconds: this.ttlSeconds + EXPIRED_SESSION_GRACE_SECONDS };
  }

  /** The session a cookie value names: 401 unauthorized when there is none, session_expired past its expiry. */
  async verify(id: string | undefined): Promise<ConsoleSession> {
    if (id === undefined || !SESSION_ID.test(id)) throw new AppError('unauthorized', 'Invalid console session');
    const row = await this.repo.get(digest(id));
    if (!row) throw new AppError('unauthorized', 'Invalid console session');
    const now = this.clock();
    if (Date.parse(row.expires_at) <= now) throw new AppError('session_expired');
    const at = new Date(now).toISOString();
    await this.repo.touch(row.id_hash, at, new Date(now - TOUCH_EVERY_MS).toISOString());
    const idHash = row.id_hash;
    const stillOpen = async () => {
      const current = await this.repo.get(idHash);
      return current !== undefined && Date.parse(current.expires_at) > this.clock();
    };
    return { expiresAt: row.expires_at, csrfToken: csrfTokenOf(id), stillOpen };
  }

  /** 403 csrf_failed unless `given` is the CSRF token of the session `id` (verified already). */
  checkCsrf(id: string, given: string | undefined): void {
    if (given === undefined || !sameSecret(csrfTokenOf(id), given)) throw new AppError('csrf_failed');
  }

  /** Signs out: the session ends on every node at once. */
  async close(id: string): Promise<void> {
    if (SESSION_ID.test(id)) await this.repo.delete(digest(id));
  }
}
