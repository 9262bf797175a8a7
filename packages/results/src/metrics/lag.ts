// sluice_group_lag: entries of the stream after the group's last-delivered-id. Redis 7.0's
// XINFO GROUPS lag is null after an XDEL, and too high once a trim removed entries the group
// had not read (its entries-read counter never saw them). So the cheap cases are decided from
// ids, XINFO's lag is used only for a stream nothing was ever removed from, and otherwise the
// entries are counted by a script.
import type { RedisClient } from '@sluice/core';
import { compareIds, Script } from '@sluice/core/plugin';

/**
 * count-after: how many entries of KEYS[1] have an id greater than ARGV[1]. Counts from both
 * ends at once (after the id, and up to it) and stops at whichever finishes first, so the cost
 * is about twice the smaller side. Gives up after ARGV[2] entries scanned.
 *
 * KEYS[1]  stream
 * ARGV[1]  last-delivered-id
 * ARGV[2]  limit on entries scanned
 *
 * Returns {count}, or {-1, low, high} when the limit was reached first: the count is in [low, high].
 */
export const countAfterScript = new Script(
  'count-after',
  `
local key, id, limit = KEYS[1], ARGV[1], tonumber(ARGV[2])
local len = redis.call('XLEN', key)
local chunk = 1000
local tail, head = 0, 0
local tcur, hcur = '(' .. id, '-'
while tail + head < limit do
  local t = redis.call('XRANGE', key, tcur, '+', 'COUNT', chunk)
  tail = tail + #t
  if #t < chunk then return {tail} end
  tcur = '(' .. t[#t][1]
  local h = redis.call('XRANGE', key, hcur, id, 'COUNT', chunk)
  head = head + #h
  if #h < chunk then return {len - head} end
  hcur = '(' .. h[#h][1]
end
return {-1, tail, len - head}
`,
);

export interface LagInputs {
  length: number;
  firstId: string | undefined;
  lastId: string | undefined;
  lastDeliveredId: string;
  /** XINFO STREAM's entries-added: every entry ever added, removed since or not. */
  entriesAdded: number;
  /** XINFO GROUPS' lag (null when Redis could not tell). */
  xinfoLag: number | null;
}

/** The lag when ids or XINFO decide it; undefined when it has to be counted. */
export function lagFromInfo(x: LagInputs): number | undefined {
  if (x.length === 0 || x.lastId === undefined || x.firstId === undefined) return 0;
  if (compareIds(x.lastDeliveredId, x.lastId) >= 0) return 0;
  // Everything left is after the group's position (it may have been trimmed past it).
  if (compareIds(x.lastDeliveredId, x.firstId) < 0) return x.length;
  // Nothing was ever deleted or trimmed: Redis' counters are exact when it gives a number.
  if (x.entriesAdded === x.length && x.xinfoLag !== null && Number.isFinite(x.xinfoLag)) return x.xinfoLag;
  return undefined;
}

export async function groupLag(
  client: RedisClient,
  streamKey: string,
  x: LagInputs,
  scanLimit: number,
): Promise<number> {
  const known = lagFromInfo(x);
  if (known !== undefined) return known;
  const reply = await countAfterScript.run<number[]>(client, [streamKey], [x.lastDeliveredId, String(scanLimit)]);
  const [n, low, high] = reply.map(Number) as [number, number, number];
  if (n >= 0) return n;
  // Too many to count: Redis' figure held within the bounds the scan established.
  const guess = x.xinfoLag ?? (low + high) / 2;
  return Math.round(Math.min(Math.max(guess, low), high));
}
