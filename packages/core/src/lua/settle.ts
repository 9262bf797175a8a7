import { Script } from '../script.js';

/**
 * settle: apply a batch of outcomes for one stream atomically. First the owner check
 * (fencing) for the whole batch with one XPENDING range read of this consumer's own PEL;
 * then per outcome the writes plugins asked for (result entry, retry into the delayed
 * set, dead letter); then one XACK for every acked entry. A fenced outcome is skipped whole.
 * Writes come column-packed (pack.ts): each is a command template (XADD or ZADD, with the
 * strings all writes of its shape share) plus the strings that differ.
 *
 * KEYS[1]  stream     KEYS[2]  delayed (zset)     KEYS[3]  dlq     KEYS[4]  results
 * ARGV[1]  group
 * ARGV[2]  consumer (the owner the fence expects)
 * ARGV[3]  '1' to check ownership, '0' to skip the check
 * ARGV[4]  n, the number of outcomes
 * ARGV[5]  lowest id in the batch     ARGV[6]  highest id in the batch
 * ARGV[7]  limit of the range read; a full range read falls back to one XPENDING per miss
 * ARGV[8]  t, the number of write templates
 * ARGV[9]  the code of every outcome, or '' when each outcome carries its own (below)
 * then t templates: keyIndex, then len, len command strings (the key's slot and slots
 *          where writes differ are ''), v, v positions (1-based; negative: the slot takes
 *          the outcome's entry id)
 * then n outcomes: id, code (2 × number of writes + 1 if acked; only when ARGV[9] is ''),
 *          then per write: its template number (only when t > 1) and its differing strings
 *
 * Returns n integers: 1 applied, 0 fenced (the entry is no longer pending for this consumer).
 */
export const settleScript = new Script(
  'settle',
  `
local stream, group, consumer, fence = KEYS[1], ARGV[1], ARGV[2], ARGV[3] == '1'
local n = tonumber(ARGV[4])
local mine, full = {}, false
if fence and n > 0 then
  local limit = tonumber(ARGV[7])
  local pel = redis.call('XPENDING', stream, group, ARGV[5], ARGV[6], limit, consumer)
  for _, p in ipairs(pel) do mine[p[1]] = true end
  full = #pel >= limit
end
local nt, shared = tonumber(ARGV[8]), tonumber(ARGV[9])
local templates, i = {}, 10
for t = 1, nt do
  local key, len = KEYS[tonumber(ARGV[i])], tonumber(ARGV[i + 1])
  local cmd = {}
  for j = 1, len do cmd[j] = ARGV[i + 1 + j] end
  if cmd[1] ~= 'XADD' and cmd[1] ~= 'ZADD' then return redis.error_reply('settle: a write must be XADD or ZADD') end
  cmd[2] = key
  i = i + 2 + len
  local slots, idSlots = {}, {}
  for j = 1, tonumber(ARGV[i]) do
    local p = tonumber(ARGV[i + j])
    if p < 0 then idSlots[#idSlots + 1] = -p else slots[#slots + 1] = p end
  end
  i = i + 1 + #slots + #idSlots
  templates[t] = { cmd, slots, idSlots, len }
end
local out, acks = {}, {}
for o = 1, n do
  local id, code = ARGV[i], shared
  i = i + 1
  if not code then
    code = tonumber(ARGV[i])
    i = i + 1
  end
  local owned = not fence or mine[id] == true
  if not owned and full then
    owned = #redis.call('XPENDING', stream, group, id, id, 1, consumer) == 1
  end
  for _ = 1, math.floor(code / 2) do
    local t = templates[1]
    if nt > 1 then
      t = templates[tonumber(ARGV[i])]
      i = i + 1
    end
    local cmd, slots, idSlots = t[1], t[2], t[3]
    for j = 1, #idSlots do cmd[idSlots[j]] = id end
    for j = 1, #slots do cmd[slots[j]] = ARGV[i + j - 1] end
    i = i + #slots
    if owned then redis.call(unpack(cmd, 1, t[4])) end
  end
  if owned and code % 2 == 1 then acks[#acks + 1] = id end
  out[o] = owned and 1 or 0
end
for a = 1, #acks, 1000 do
  redis.call('XACK', stream, group, unpack(acks, a, math.min(a + 999, #acks)))
end
return out
`,
);
