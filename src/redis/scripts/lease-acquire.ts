// Takes a connection slot unless the cap is reached: prunes lapsed leases, adds one, moves the set's expiry.
// KEYS[1] slot set · ARGV[1] cap · ARGV[2] lease ms · ARGV[3] member → 1 taken, 0 at the cap.
export const LEASE_ACQUIRE = `
-- Redis's clock, not the caller's: nodes whose clocks differ still agree on when a lease lapses.
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
local taken = 0
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('zadd', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  taken = 1
end
-- The set lives exactly as long as its latest lease.
local last = redis.call('zrange', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then redis.call('pexpireat', KEYS[1], last[2]) end
return taken`;
