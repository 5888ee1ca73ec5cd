// API keys: typed prefixes, generated once, stored only as a SHA-256 hash. Keys carry ~238 bits of
// randomness, so a fast hash is enough: there is nothing to brute-force.
import * as crypto from 'node:crypto';
import { randomToken } from '../util/ids.js';

export const KEY_PREFIXES = {
  orgTest: 'capout_test_',
  orgLive: 'capout_live_',
  appSecret: 'csk_',
  appPublic: 'cpk_',
} as const;

export type KeyPrefix = (typeof KEY_PREFIXES)[keyof typeof KEY_PREFIXES];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface GeneratedKey {
  /** The key itself: returned to the caller once, never stored. */
  readonly key: string;
  readonly hash: string;
  /** A recognisable, harmless prefix of the key for listings. */
  readonly display: string;
}

/** Node's one-shot digest (20.12 and later) skips making a Hash object; older Nodes make one. */
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** Hashed on every request that carries a key (the key cache is looked up by it). */
export function hashKey(key: string): string {
  return oneShot ? oneShot('sha256', key, 'hex') : crypto.createHash('sha256').update(key).digest('hex');
}

export function generateKey(prefix: KeyPrefix): GeneratedKey {
  const key = prefix + randomToken(40, BASE62);
  return { key, hash: hashKey(key), display: `${key.slice(0, prefix.length + 4)}…` };
}

/** Cheap shape check so obviously malformed keys never reach storage. */
export function looksLikeKey(value: string, prefixes: readonly KeyPrefix[]): boolean {
  return value.length <= 128 && prefixes.some((p) => value.startsWith(p)) && /^[A-Za-z0-9_]+$/.test(value);
}
