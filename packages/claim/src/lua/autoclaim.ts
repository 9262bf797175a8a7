import { Script } from '@sluice/core/plugin';

/**
 * autoclaim: one reclaim step. XAUTOCLAIM from the cursor (the PEL is walked across calls,
 * not from 0-0 each time), then each claimed entry's delivery count (XPENDING, which the
 * claim just raised by one) so the caller can dead-letter poison entries instead of running
 * them again. Ids XAUTOCLAIM reports as deleted (trimmed while pending) are acked here;
 * Redis 7 already dropped them from the PEL, the XACK keeps older servers honest.
 *
 * KEYS[1]  stream
 * ARGV[1]  group     ARGV[2]  consumer (the new owner)
 * ARGV[3]  min idle time, ms
 * ARGV[4]  cursor (start id; '0-0' for a fresh pass)
 * ARGV[5]  count (the claiming consumer's free slots)
 *
 * Returns { next cursor, claimed entries [id, fields], deleted ids, delivery counts }.
 */
export const autoclaimScript = new Script(
  'autoclaim',
  `
local claim = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local entries, deleted = claim[2], claim[3] or {}
local live, deliveries = {}, {}
for _, e in ipairs(entries) do
  if e and e[2] then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
    live[#live + 1] = e
    deliveries[#deliveries + 1] = p[1] and p[1][4] or 1
  elseif e then
    deleted[#deleted + 1] = e[1]
  end
end
for i = 1, #deleted, 100 do
  redis.call('XACK', KEYS[1], ARGV[1], unpack(deleted, i, math.min(i + 99, #deleted)))
end
return { claim[1], live, deleted, deliveries }
`,
);
