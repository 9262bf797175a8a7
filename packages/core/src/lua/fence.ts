import { Script } from '../redis/script.js';

/**
 * The settle script skips its owner check (one XPENDING range read) for a batch whose
 * entries this consumer read less than this long ago, in Redis time, and less than half
 * the smallest min idle time any reclaimer of the group registered (below). Under that, no
 * reclaimer can have taken them: a claim needs the entry idle for its min idle time.
 * Assumptions and what breaks them: docs/recovery.md ("Fencing").
 */
export const FENCE_TRUST_MS = 1000;

/**
 * registerClaimer: a reclaimer (recovery() in @sluice/claim) records the min idle time it
 * claims with, before its first claim. The value only goes down: the smallest claimer wins.
 *
 * KEYS[1]  claimers (hash: group -> min idle ms)
 * ARGV[1]  group     ARGV[2]  min idle time, ms
 *
 * Returns the group's registered min idle time after the call.
 */
export const registerClaimerScript = new Script(
  'registerClaimer',
  `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local mine = tonumber(ARGV[2])
if not current or mine < current then
  redis.call('HSET', KEYS[1], ARGV[1], mine)
  current = mine
end
return current
`,
);
