// Renews a node's leases, re-adding missing ones (Redis restarted) even over the cap; moves each set's expiry.
// KEYS[1..n] slot sets · ARGV[1] lease ms, then per key: member count, members → members re-added.
export const LEASE_RENEW = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = now + tonumber(ARGV[1])
local added = 0
local a = 2
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  redis.call('zremrangebyscore', KEYS[k], '-inf', now)
  -- No cap check: a live connection keeps its slot, also when it lapsed while its node stalled.
  for i = a + 1, a + n do added = added + redis.call('zadd', KEYS[k], expires, ARGV[i]) end
  a = a + n + 1
  local last = redis.call('zrange', KEYS[k], -1, -1, 'WITHSCORES')
  if last[2] then redis.call('pexpireat', KEYS[k], last[2]) end
end
return added`;
