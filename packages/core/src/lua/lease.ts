import { Script } from '../redis/script.js';

/**
 * Shard leases of ordered consumers (shard/leases.ts, docs/scaling.md "Per-key ordering").
 * A lease is one string key under the shard's hash tag whose value is the holder's fencing
 * token `<epoch>:<consumer>`; the epoch counts grants and never repeats, so a holder that lost
 * its lease and got it back later still cannot pass for its old self.
 */

/**
 * acquireLease: take a free lease and the shard's whole PEL of the group (every consumer's
 * pending entries, the previous holder's included), so the new holder re-runs them first, in
 * id order, before it reads new entries.
 *
 * KEYS[1]  lease     KEYS[2]  lease epoch counter     KEYS[3]  stream
 * ARGV[1]  group     ARGV[2]  consumer     ARGV[3]  lease time, ms
 *
 * Returns nil when the lease is held, else { token, number of entries claimed }.
 */
export const acquireLeaseScript = new Script(
  'acquireLease',
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local token = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[2]
redis.call('SET', KEYS[1], token, 'PX', ARGV[3])
local claimed, cursor = 0, '0-0'
repeat
  local r = redis.pcall('XAUTOCLAIM', KEYS[3], ARGV[1], ARGV[2], 0, cursor, 'COUNT', 1000, 'JUSTID')
  if r.err then break end
  cursor = r[1]
  claimed = claimed + #r[2]
until cursor == '0-0'
return { token, claimed }
`,
);

/**
 * renewLease / releaseLease: extend or drop the lease only while it still holds our token.
 *
 * KEYS[1]  lease     ARGV[1]  token     ARGV[2]  lease time, ms (renew only)
 *
 * Returns 1 when the lease was ours, 0 when it was not (expired, or another holder's).
 */
export const renewLeaseScript = new Script(
  'renewLease',
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`,
);

export const releaseLeaseScript = new Script(
  'releaseLease',
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`,
);

/**
 * leasedRead: XREADGROUP '>' only while the lease holds our token, so a holder that lost its
 * lease (paused past it) can never take new entries of the shard into its PEL. Scripts cannot
 * block: when nothing is new the caller waits with a plain XREAD BLOCK after the returned id.
 *
 * KEYS[1]  lease     KEYS[2]  stream
 * ARGV[1]  token     ARGV[2]  group     ARGV[3]  consumer     ARGV[4]  count
 *
 * Returns 0 when the lease is not ours; the XREADGROUP reply when it read entries; else the
 * stream's last id ('0-0' when empty) to block on.
 */
export const leasedReadScript = new Script(
  'leasedRead',
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local r = redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[2], '>')
if r then return r end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last == 0 then return '0-0' end
return last[1][1]
`,
);

/**
 * heartbeat: keep this consumer in the group's membership (on the logical stream's tag), drop
 * members whose heartbeat expired, and return the live ones sorted by name (rank = index).
 *
 * KEYS[1]  members (zset: consumer -> expiry, Redis ms)
 * ARGV[1]  consumer     ARGV[2]  member time, ms ('0' leaves: removes the consumer)
 *
 * Returns the live members' names, sorted.
 */
export const heartbeatScript = new Script(
  'heartbeat',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[2] == '0' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local names = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(names)
return names
`,
);
