// Whether a storage error means the database could not be reached (a restart, a failover, a
// dropped connection), could not do the work now (read-only, out of disk or connections) or did not
// answer in time, rather than a bug: callers answer 503 and the client retries.

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'SQLITE_BUSY', 'SQLITE_FULL']);

/**
 * PostgreSQL SQLSTATEs of a database that cannot do the work now, whatever the request: class 08
 * (connection exception); 57P01–57P05 (an operator or a timeout ended the session: shutdown, restart,
 * idle session) and 57014 (a statement cancelled, by its statement_timeout or an operator); class 53
 * (insufficient resources: disk full, out of memory, too many connections); 25006 (a read-only
 * transaction: a standby after a failover, a primary set read-only); 58000 and 58030 (system and I/O
 * errors); 40001 and 40P01 (a transaction that lost a serialization conflict or a deadlock, which
 * the same request retried may win).
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-5]|57014|53[0-9A-Z]{3}|25006|58000|58030|40001|40P01)$/;

export function isStorageUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code) || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_READONLY')) return true;
    if (UNAVAILABLE_SQLSTATE.test(code)) return true;
  }
  if (isQueryTimeout(e)) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(e.message);
}

/**
 * What a client is told about storage that cannot do the work now: a full or read-only disk is not a
 * database out of reach, and an operator reading the client's report should know which it was.
 */
export function storageUnavailableMessage(e: unknown): string {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  if (code === 'SQLITE_FULL' || code === '53100') return 'The database cannot take writes right now: its disk is full';
  if (code === '25006' || (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))) return 'The database cannot take writes right now: it is read-only';
  if (code === '58030' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR'))) return 'The database cannot read or write its files right now';
  return 'The database cannot be reached right now';
}

/** The driver gave up on a query the server did not answer in time (query_timeout). */
export function isQueryTimeout(e: unknown): boolean {
  return e instanceof Error && e.message === 'Query read timeout';
}
