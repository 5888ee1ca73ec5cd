// Takes a slot if the set holds fewer than the cap: 1 taken, 0 full. While the lease store is warming
// up after Redis came back empty (see lease-mark.ts), it answers minus the milliseconds left instead,
// since other nodes may not have re-registered their live leases yet.
// KEYS[1] slot set, KEYS[2] the store's up-since mark · ARGV[1] cap, ARGV[2] lease ms, ARGV[3] member,
// ARGV[4] warm-up ms, ARGV[5] the mark's lifetime in ms, ARGV[6] ms the warm-up is longer when Redis
// lost the mark without a restart (see lease-mark.ts).
export const LEASE_ACQUIRE = `
-- Redis's clock, not the caller's: nodes whose clocks differ still agree on when a lease lapses.
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local since = tonumber(redis.call('get', KEYS[2]))
if not since then
  -- Redis lost the mark, so it lost the slot sets too: the warm-up starts now, and lasts until every
  -- node has renewed (no node reconnected, so none re-registered at once).
  since = now + tonumber(ARGV[6])
  redis.call('set', KEYS[2], since, 'PX', tonumber(ARGV[5]))
end
local left = since + tonumber(ARGV[4]) - now
if left > 0 then return -left end
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
