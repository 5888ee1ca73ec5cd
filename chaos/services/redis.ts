// The run's own redis-server (the tests' private-server helper) on a free loopback port, without
// persistence: a restart loses every key, exactly as a real restart of a non-persistent Redis does.
// Faults: kill -9 or SIGTERM, stay down for a while, start again on the same port (the nodes keep their
// configured URL). Down and up are two calls so a scenario can act while Redis is away.
import { startRedisServer, type RedisServer } from '../../test/helpers/redis-server.js';

export type RedisStop = 'kill' | 'term';

export interface RedisService {
  readonly url: string;
  readonly description: string;
  /** `kill`: SIGKILL; `term`: SIGTERM (Redis exits cleanly). Resolves once the process is gone. */
  down(kind: RedisStop): Promise<void>;
  /** Starts it again on the same port, empty; a no-op while it runs. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedis(): Promise<RedisService> {
  const server: RedisServer = await startRedisServer();
  // The helper's start() kills a running server first, so remember whether it is down.
  let running = true;
  return {
    url: server.url,
    description: `private redis-server on 127.0.0.1:${server.port} (no persistence)`,
    async down(kind) {
      running = false;
      await (kind === 'kill' ? server.kill() : server.stop());
    },
    async up() {
      if (running) return;
      await server.start();
      running = true;
    },
    async close() {
      running = false;
      await server.kill();
    },
  };
}
