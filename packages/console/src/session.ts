// The console session as the page knows it: signed in or not, and the CSRF token, kept in memory only
// (the admin token is never stored; the session itself is an HttpOnly cookie the page cannot read).
import { createStore } from './store.js';

export interface Session {
  readonly status: 'unknown' | 'signed-in' | 'signed-out';
  readonly csrfToken: string | null;
  readonly expiresAt: string | null;
  /** Why the page is on the sign-in form, shown there ("Your session expired"). */
  readonly notice: string | null;
}

export const session = createStore<Session>({ status: 'unknown', csrfToken: null, expiresAt: null, notice: null });

export function signedIn(csrfToken: string, expiresAt: string): void {
  session.set({ status: 'signed-in', csrfToken, expiresAt, notice: null });
}

export function signedOut(notice: string | null = null): void {
  session.set({ status: 'signed-out', csrfToken: null, expiresAt: null, notice });
}
