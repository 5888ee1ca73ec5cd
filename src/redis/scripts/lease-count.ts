// Counts the leases that have not lapsed, read-only, on Redis's clock like the writes.
// KEYS[1] slot set → live leases.
export const LEASE_COUNT = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('zcount', KEYS[1], '(' .. now, '+inf')`;
