// Identifiers: prefixed random ids for resources, and UUIDv7 (time-ordered) for events and cursors.
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

// Every event id and resource id takes a few random bytes; one crypto call per id costs about 2 µs
// here, so bytes come from a pool refilled 4 KiB at a time (as crypto.randomUUID does). Each byte
// is handed out once.
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

/** `n` (at most 4096) fresh random bytes; the view is the caller's to read or overwrite at once. */
function randomBytes(n: number): Buffer {
  if (poolAt + n > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/** A random lowercase base-36 string of `length` characters (about 5.17 bits each). */
export function randomToken(length: number, alphabet = ALPHABET): string {
  const bytes = randomBytes(Math.min(length * 2, 1024));
  let out = '';
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % alphabet.length);
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i] ?? 0;
    if (b < limit) out += alphabet[b % alphabet.length];
  }
  return out.length === length ? out : out + randomToken(length - out.length, alphabet);
}

/** `org_…`, `app_…`, `hub_…`: a type prefix and 20 random characters (~103 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(20)}`;
}

let lastMs = 0;
let seq = 0;

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter in rand_a so ids minted in
 * the same millisecond by this process still sort in creation order, then 62 random bits. Monotonic
 * within the process even if the clock steps back.
 */
export function uuidv7(): string {
  const now = Date.now();
  if (now <= lastMs) {
    seq++;
    if (seq > 0xfff) {
      lastMs++;
      seq = 0;
    }
  } else {
    lastMs = now;
    seq = randomBytes(1)[0]! & 0x7f;
  }
  return formatUuidV7(lastMs, seq);
}

/** A UUIDv7 for an arbitrary instant, outside the monotonic sequence (cursors in tests, floors). */
export function uuidv7At(ms: number, counter = 0): string {
  return formatUuidV7(ms, counter);
}

function formatUuidV7(ms: number, counter: number): string {
  const b = randomBytes(16);
  b[0] = Math.floor(ms / 2 ** 40) & 0xff;
  b[1] = Math.floor(ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((counter >>> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  // The tail's top bit stays clear, so the successor the event log computes (tail + 1) never overflows.
  b[10] = b[10]! & 0x7f;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuidV7(value: string): boolean {
  return UUIDV7.test(value);
}

/** Milliseconds since the epoch encoded in a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** The next UUIDv7 after `lastId`: now, or (when the clock has not moved past it) its counter + 1. */
export function uuidv7After(lastId: string | undefined, now = Date.now()): string {
  if (!lastId) return uuidv7At(now, randomBytes(1)[0]! & 0x7f);
  const lastMsPart = uuidv7Time(lastId);
  if (now > lastMsPart) return uuidv7At(now, randomBytes(1)[0]! & 0x7f);
  const counter = parseInt(lastId.slice(15, 18), 16) + 1;
  return counter > 0xfff ? uuidv7At(lastMsPart + 1, 0) : uuidv7At(lastMsPart, counter);
}
