// `serve` started while PostgreSQL or Redis cannot be reached (restarting, failing over, not up yet
// beside it): the start is tried again until they answer, within CAPSTAN_STARTUP_WAIT_MS, instead of
// the process exiting at the first refused connection and leaving the node down. Anything else (a
// bad migration, a wrong password, a full local disk) fails at once.
import type { Config } from '../config/index.js';
import type { Logger } from '../http/index.js';
import { RedisUnavailableError } from '../redis/connect.js';
import { isStorageUnavailable } from '../storage/index.js';
import { createServer, type CapstanServer } from './create-server.js';

/** Waits between tries: 1 s, 2 s, then every 5 s. */
const retryDelayMs = (attempt: number): number => Math.min(5_000, 1_000 * attempt);

/** The dependency a failed start could not reach, or undefined when the failure is not an outage. */
export function unreachable(e: unknown): 'storage' | 'redis' | undefined {
  if (e instanceof RedisUnavailableError) return 'redis';
  // A full local disk does not free itself as a restarting database comes back: waiting only hides it.
  if ((e as { code?: unknown } | null)?.code === 'SQLITE_FULL') return undefined;
  return isStorageUnavailable(e) ? 'storage' : undefined;
}

export async function createServerWhenReachable(config: Config, logger: Logger): Promise<CapstanServer> {
  const deadline = Date.now() + config.startupWaitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await createServer(config, { logger });
    } catch (e) {
      const dependency = unreachable(e);
      const delayMs = retryDelayMs(attempt);
      if (dependency === undefined) throw e;
      if (Date.now() + delayMs > deadline) throw dependency === 'storage' ? new StorageUnreachableError(config.databaseUrl, e) : e;
      logger.warn({ dependency, err: e instanceof Error ? e.message : String(e), retryInMs: delayMs, attempt }, 'a dependency cannot be reached yet: the start is tried again');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The database a start gave up on, named with its address (no password) beside the driver's message. */
class StorageUnreachableError extends Error {
  override readonly name = 'StorageUnreachableError';

  constructor(databaseUrl: string | null, cause: unknown) {
    super(`the database ${databaseLocation(databaseUrl)} cannot be reached: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

function databaseLocation(url: string | null): string {
  if (url === null || url.startsWith('sqlite:')) return '(SQLite)';
  try {
    const u = new URL(url);
    return `(PostgreSQL at ${u.host}${u.pathname})`;
  } catch {
    return '(PostgreSQL)';
  }
}
