// Keeps the two Redis connections answering after Redis stopped answering on them. ioredis leaves a
// command that timed out in its reply queue: once one reply is lost (a partition that drops packets),
// every later reply is matched to an older command and the connection never answers again. And while
// Redis is away, every command would wait the full timeout, so a request making two waited twice.
import type { Redis } from 'ioredis';
import type { Logger } from '../http/index.js';

/** The message of a command that waited `timeoutMs` (ioredis's own for its commandTimeout). */
const TIMED_OUT = 'Command timed out';

export interface WatchdogOptions {
  /** How long a command (and the subscriber's PING) may wait for its reply before Redis counts as away. */
  readonly timeoutMs: number;
  /** How often the subscriber is asked whether it still answers. */
  readonly checkSubscriberMs: number;
}

/**
 * Once a command on `commands` times out, Redis counts as away: the connection is dropped and ioredis
 * opens a new one (its reply queue empty), and until that one passes ioredis's ready check (an INFO
 * answered, the first sign Redis answers again) every command fails at once instead of waiting. The
 * subscriber is reopened with it. It has no command timeout (a subscription waits as long as Redis
 * takes), so while Redis answers commands it is pinged (at once when Redis is back, then every
 * `checkSubscriberMs`) and reopened when it does not answer. Returns a function that stops watching.
 */
export function watchConnections(commands: Redis, subscriber: Redis, logger: Logger, options: WatchdogOptions): () => void {
  let away = false;
  const send = commands.sendCommand.bind(commands);
  commands.sendCommand = (command, stream) => {
    // Only on the connection that stopped answering: a new one's ready check must get through.
    if (away && commands.status === 'ready') {
      command.reject(new Error('Redis is not answering'));
      return command.promise;
    }
    const timer = afterPoll(options.timeoutMs, () => {
      if (!command.isResolved) command.reject(new Error(TIMED_OUT));
    });
    const settled = (): void => clearTimeout(timer);
    command.promise.then(settled, settled);
    command.promise.catch((e: unknown) => {
      if (away || commands.status !== 'ready' || !(e instanceof Error) || e.message !== TIMED_OUT) return;
      away = true;
      logger.warn({ redis: 'commands', timeoutMs: options.timeoutMs }, 'redis stopped answering; reconnecting');
      commands.disconnect(true);
      // The subscriber went through the same outage, and a SUBSCRIBE lost in it would wait forever;
      // reopened, it subscribes again to every channel and resends what was unanswered.
      if (reopenable(subscriber)) subscriber.disconnect(true);
    });
    return send(command, stream);
  };

  let checking = false;
  const checkSubscriber = async (): Promise<void> => {
    // While Redis does not answer commands either, a silent subscriber says nothing new; and one
    // reconnecting or connecting is already on its way back.
    if (checking || away || commands.status !== 'ready' || !reopenable(subscriber)) return;
    checking = true;
    try {
      if (await answers(subscriber, options.timeoutMs)) return;
      logger.warn({ redis: 'subscriber', timeoutMs: options.timeoutMs }, 'redis stopped answering; reconnecting');
      subscriber.disconnect(true);
    } finally {
      checking = false;
    }
  };
  const onReady = (): void => {
    away = false;
    void checkSubscriber();
  };
  commands.on('ready', onReady);
  const timer = setInterval(() => void checkSubscriber(), options.checkSubscriberMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    commands.off('ready', onReady);
  };
}

/** Open (or stuck in its handshake), so not already on its way back. */
const reopenable = (conn: Redis): boolean => conn.status === 'ready' || conn.status === 'connect';

/**
 * Runs `then` once `ms` have passed and the event loop has since polled its sockets. A loop held up
 * longer than `ms` (a busy node) runs its timers before it reads the replies that arrived meanwhile:
 * a bare timer would count a Redis that answered in time as away, drop both connections and refuse
 * streams with 503 while Redis was fine.
 */
function afterPoll(ms: number, then: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(then), ms);
}

/** Whether `conn` answers a PING within `ms`. */
async function answers(conn: Redis, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<boolean>((resolve) => (timer = afterPoll(ms, () => resolve(false))));
  try {
    return await Promise.race([
      conn.ping().then(
        () => true,
        () => false,
      ),
      silent,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
