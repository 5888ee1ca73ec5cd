// Frees a slot at once; removing a member cannot make the set outlive its leases, so its expiry stands.
// KEYS[1] slot set · ARGV[1] member → 1 removed, 0 already gone.
export const LEASE_RELEASE = `return redis.call('zrem', KEYS[1], ARGV[1])`;
