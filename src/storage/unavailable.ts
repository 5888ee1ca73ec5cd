// Whether a storage error means the database could not be reached (a restart, a failover, a
// dropped connection) or did not answer in time, rather than a bug: callers answer 503 and the client retries.

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'SQLITE_BUSY']);

export function isStorageUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code)) return true;
    // PostgreSQL SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown,
    // restart), and 57014: a statement cancelled, by its statement_timeout or an operator.
    if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-4]$/.test(code) || code === '57014') return true;
  }
  if (isQueryTimeout(e)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(e.message);
}

/** The driver gave up on a query the server did not answer in time (query_timeout). */
export function isQueryTimeout(e: unknown): boolean {
  return e instanceof Error && e.message === 'Query read timeout';
}
