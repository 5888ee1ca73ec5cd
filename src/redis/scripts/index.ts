// Capstan's Redis operations, one atomic Lua script each. A script is registered on a connection once
// and then called by its SHA: ioredis sends the full text only the first time on each socket, so a
// Redis restart that forgets every script costs one resend, not an error.
import type { Redis } from 'ioredis';

export { LEASE_ACQUIRE } from './lease-acquire.js';
export { LEASE_COUNT } from './lease-count.js';
export { LEASE_MARK } from './lease-mark.js';
export { LEASE_RELEASE } from './lease-release.js';
export { LEASE_RENEW } from './lease-renew.js';

export type ScriptArg = string | number;
export type RedisScript = (keys: readonly string[], args: readonly ScriptArg[]) => Promise<unknown>;

/** Registers `lua` on `redis` as the command `name` (re-registering the same text is harmless). */
export function defineScript(redis: Redis, name: string, lua: string): RedisScript {
  redis.defineCommand(name, { lua });
  const command = Reflect.get(redis, name) as (...args: ScriptArg[]) => Promise<unknown>;
  return (keys, args) => command.call(redis, keys.length, ...keys, ...args);
}
