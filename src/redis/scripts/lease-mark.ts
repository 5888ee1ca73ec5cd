// The lease store's up-since mark: when Redis started keeping this cluster's slot sets. Redis comes
// back from a restart without the sets and without the mark; until every node has re-registered its
// live leases the counts are short, so acquisitions wait out a warm-up counted from the mark.
// A node sets it, when missing, as it connects: at its start, with no leases of its own, back by the
// warm-up (a new cluster has nothing to re-register); on a reconnect, to now. A node that finds it
// missing at a renewal, with no reconnect (FLUSHALL, eviction, a failover to an empty replica), sets
// it ahead, so the warm-up lasts until every node's next renewal has re-added its leases.
// The mark lapses a while after the last node stopped renewing it (a cluster with no node running has
// no lease to re-register), so a deployment, or a test, that is gone leaves nothing behind.
// KEYS[1] the mark · ARGV[1] ms to set it back by, ARGV[2] its lifetime in ms → 1 set, 0 already there.
export const LEASE_MARK = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('set', KEYS[1], now - tonumber(ARGV[1]), 'PX', tonumber(ARGV[2]), 'NX') then return 1 end
redis.call('pexpire', KEYS[1], tonumber(ARGV[2]))
return 0`;
