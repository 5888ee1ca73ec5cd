// Redis connections for scaled mode: one for commands (fails fast while Redis is away, so callers can
// answer 503 instead of hanging) and one for subscriptions (reconnects and resubscribes by itself).
import type { Redis } from 'ioredis';
import type { Logger } from '../http/index.js';
import { watchConnections } from './watchdog.js';

export interface RedisConnections {
  readonly commands: Redis;
  readonly subscriber: Redis;
  /** Every key and channel starts with this, so several deployments (or test runs) can share a server. */
  readonly prefix: string;
  close(): Promise<void>;
}

/** Redis could not be reached when connecting: an outage the caller may wait out, not a bad setting. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** Where Redis is, without its password, for messages. */
function redisLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

/** How long a command may wait for Redis before it counts as an outage. */
const COMMAND_TIMEOUT_MS = 500;
/** How often the subscriber is asked whether it still answers while Redis answers commands. */
const CHECK_SUBSCRIBER_MS = 5_000;

export async function connectRedis(url: string, prefix: string, logger: Logger): Promise<RedisConnections> {
  // Loaded here, by scaled mode only: an embedded node never talks to Redis.
  const { Redis } = await import('ioredis');
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  };
  // A Redis that holds its connections open but answers nothing (stopped, a partition that drops
  // packets, a long blocking command) would otherwise hold every command, and every request waiting
  // on one, for as long as it lasts: a command fails after COMMAND_TIMEOUT_MS, as if Redis were away.
  // Its caller was told it failed, so it is never sent again on the next connection; and a connection
  // dropped because Redis stopped answering is not waited on for a goodbye longer than a command is.
  // The bound is the watchdog's (watchdog.ts), not ioredis's commandTimeout: a reply that arrived
  // while this node's event loop was busy is read before the bound is judged.
  const commands = new Redis(url, {
    ...options,
    autoResendUnfulfilledCommands: false,
    disconnectTimeout: COMMAND_TIMEOUT_MS,
  });
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true });
  for (const [name, conn] of [['commands', commands], ['subscriber', subscriber]] as const) {
    let down = false;
    conn.on('error', (e: Error) => {
      if (!down) logger.warn({ redis: name, err: e.message }, 'redis connection error');
      down = true;
    });
    conn.on('ready', () => {
      if (down) logger.info({ redis: name }, 'redis reconnected');
      down = false;
    });
  }
  try {
    await Promise.all([commands.connect(), subscriber.connect()]);
  } catch (e) {
    commands.disconnect();
    subscriber.disconnect();
    throw new RedisUnavailableError(`Redis at ${redisLocation(url)} is not reachable: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const unwatch = watchConnections(commands, subscriber, logger, { timeoutMs: COMMAND_TIMEOUT_MS, checkSubscriberMs: CHECK_SUBSCRIBER_MS });
  return {
    commands,
    subscriber,
    prefix,
    async close() {
      unwatch();
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}
