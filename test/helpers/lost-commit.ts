// A commit whose acknowledgement is lost: PostgreSQL restarting or frozen during COMMIT.
import type { TestServer } from './server.js';

/**
 * The next transaction commits for real, then fails as a lost acknowledgement of its COMMIT would (the
 * driver's error for a reset connection). Returns what puts the storage back.
 */
export function loseNextCommitAck(ts: TestServer): () => void {
  const storage = ts.server.ctx.storage;
  const transaction = storage.transaction.bind(storage);
  let dropped = 0;
  storage.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
    const out = await transaction(fn);
    if (dropped++ === 0) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    return out;
  }) as typeof storage.transaction;
  return () => {
    storage.transaction = transaction;
  };
}
