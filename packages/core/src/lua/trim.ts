import { Script } from '../redis/script.js';
import { LIMIT_FIELDS as L } from '../wire/fields.js';
import { LUA_ID_LESS } from './fragments.js';

/**
 * trim: retention for one stream, the semantics of Redis 8.2's `XTRIM ... ACKED` on 7.0.
 * The safe bound is the smallest, over every group, of (its oldest pending id, exclusive)
 * or (its last-delivered id, inclusive) when nothing is pending: entries up to the bound
 * were read and acked by every group. Of those, the newest `keepAcked` stay, and with
 * `maxAgeMs` none older than that; an entry past the bound is never trimmed by these rules.
 * With no group every entry counts as acked (the stream still keeps `keepAcked`).
 * `hardCap` (0 = off) then trims the oldest entries down to that length whatever their
 * state, and counts the ones past the bound (unread or pending) exactly.
 * The dead-letter stream is trimmed to `dlqMaxLen` and `dlqMaxAgeMs` (0 = off), approximately
 * (`~`: whole radix-tree nodes, so a few more may stay). The bounds applied are recorded in
 * the `:limits` hash (KEYS[3], optional) for `sluice inspect`.
 *
 * KEYS[1] stream   KEYS[2] dlq   KEYS[3] limits hash (optional)
 * ARGV[1] keepAcked   ARGV[2] maxAgeMs (0 = off)   ARGV[3] hardCap (0 = off)
 * ARGV[4] dlqMaxLen (0 = off)   ARGV[5] dlqMaxAgeMs (0 = off)
 *
 * Returns { trimmed, unprocessed, dlqTrimmed }.
 */
export const trimScript = new Script(
  'trim',
  /* lua */ `
${LUA_ID_LESS}
local TAIL_SCAN = 1000
local keep, maxAge, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local trimmed, unprocessed, dlqTrimmed = 0, 0, 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  -- bound: entries < bound (bexcl) or <= bound (not bexcl) are acked by every group
  local bound, bexcl = '+', false
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local info = {}
    for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
    local b, excl = info['last-delivered-id'], false
    if tonumber(info['pending']) > 0 then
      b, excl = redis.call('XPENDING', KEYS[1], info['name'])[2], true
    end
    if bound == '+' or idLess(b, bound) or (b == bound and excl) then bound, bexcl = b, excl end
  end
  local before = redis.call('XLEN', KEYS[1])
  -- limit: MINID that would trim exactly the acked entries (nil: every entry is acked)
  local limit = nil
  if bound ~= '+' then
    limit = bound
    if not bexcl then
      local ms, seq = parseId(bound)
      limit = ms .. '-' .. (seq + 1)
    end
  end
  if before > keep then
    -- Count the unacked tail (usually the pending window): MAXLEN tail + keep then trims only
    -- acked entries, oldest first. A long tail (a group far behind) falls back to reading
    -- back keep + 1 acked entries from the bound.
    local tail = 0
    if limit ~= nil then tail = #redis.call('XRANGE', KEYS[1], limit, '+', 'COUNT', TAIL_SCAN + 1) end
    if tail <= TAIL_SCAN then
      if before - tail > keep then redis.call('XTRIM', KEYS[1], 'MAXLEN', tail + keep) end
    else
      local endId = bound
      if bexcl then endId = '(' .. bound end
      local acked = redis.call('XREVRANGE', KEYS[1], endId, '-', 'COUNT', keep + 1)
      if #acked > keep then
        if keep == 0 then redis.call('XTRIM', KEYS[1], 'MINID', limit)
        else redis.call('XTRIM', KEYS[1], 'MINID', acked[keep][1]) end
      end
    end
  end
  if maxAge > 0 then
    local old = (now - maxAge) .. '-0'
    if limit ~= nil and idLess(limit, old) then old = limit end
    redis.call('XTRIM', KEYS[1], 'MINID', old)
  end
  if cap > 0 then
    local len = redis.call('XLEN', KEYS[1])
    if len > cap then
      for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', len - cap)) do
        local id = e[1]
        if bound ~= '+' and (idLess(bound, id) or (bexcl and id == bound)) then unprocessed = unprocessed + 1 end
      end
      redis.call('XTRIM', KEYS[1], 'MAXLEN', cap)
    end
  end
  trimmed = before - redis.call('XLEN', KEYS[1])
end
local dlqMax, dlqAge = tonumber(ARGV[4]), tonumber(ARGV[5])
if redis.call('EXISTS', KEYS[2]) == 1 then
  local before = redis.call('XLEN', KEYS[2])
  if dlqMax > 0 then redis.call('XTRIM', KEYS[2], 'MAXLEN', '~', dlqMax) end
  if dlqAge > 0 then redis.call('XTRIM', KEYS[2], 'MINID', '~', (now - dlqAge) .. '-0') end
  dlqTrimmed = before - redis.call('XLEN', KEYS[2])
end
if KEYS[3] then
  redis.call('HSET', KEYS[3], '${L.keepAcked}', ARGV[1], '${L.maxAgeMs}', ARGV[2], '${L.hardCap}', ARGV[3],
    '${L.dlqMaxLen}', ARGV[4], '${L.dlqMaxAgeMs}', ARGV[5], '${L.trimmedAt}', now)
end
return { trimmed, unprocessed, dlqTrimmed }
`,
);

export interface RetentionArgs {
  keepAcked: number;
  maxAgeMs: number;
  hardCap: number;
  dlqMaxLen: number;
  dlqMaxAgeMs: number;
}

export function trimArgs(r: RetentionArgs): string[] {
  return [r.keepAcked, r.maxAgeMs, r.hardCap, r.dlqMaxLen, r.dlqMaxAgeMs].map(String);
}

export function parseTrimReply(reply: unknown): { trimmed: number; unprocessed: number; dlqTrimmed: number } {
  const [trimmed, unprocessed, dlqTrimmed] = (reply as number[]).map(Number);
  return { trimmed: trimmed ?? 0, unprocessed: unprocessed ?? 0, dlqTrimmed: dlqTrimmed ?? 0 };
}
