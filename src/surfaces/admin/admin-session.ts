// The console session an admin request may carry (set by the admin guard when a cookie authenticated
// it; absent for a Bearer admin token): a stream opened with it ends when the session does.
export interface AdminSession {
  /** Epoch ms the session expires at. */
  readonly expiresAtMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminSession?: AdminSession;
  }
}

/** How an admin stream's credential is labelled in the list of open connections. */
export function adminCredential(session: AdminSession | undefined): string {
  return session ? 'console' : 'admin_token';
}
