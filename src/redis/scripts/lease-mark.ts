// The lease store's up-since mark: when Redis started keeping this cluster's slot sets. Redis comes
// back from a restart without the sets and without the mark; until every node has re-registered its
// live leases the counts are short, so acquisitions wait out a warm-up counted from the mark.
// A node sets it, when missing, as it connects: at its start, with no leases of its own, back by the
// warm-up (a new cluster has nothing to re-register); on a reconnect, to now.
// KEYS[1] the mark · ARGV[1] ms to set it back by → 1 set, 0 already there.
export const LEASE_MARK = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('set', KEYS[1], now - tonumber(ARGV[1]), 'NX') then return 1 end
return 0`;
