// Counts one request in a rate-limit window and sets the window's expiry in the same atomic step.
// KEYS[1] window counter · ARGV[1] ms until it may go → the count so far.
export const RATE_HIT = `
local n = redis.call('incr', KEYS[1])
redis.call('pexpire', KEYS[1], ARGV[1])
return n`;
