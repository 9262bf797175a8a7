import { Script } from '../script.js';

/**
 * settle: apply a batch of outcomes for one stream atomically. First the owner check
 * (fencing) for the whole batch with one XPENDING range read of this consumer's own PEL;
 * then per outcome the writes plugins asked for (result entry, retry into the delayed
 * set, dead letter); then one XACK for every acked entry. A fenced outcome is skipped whole.
 *
 * KEYS[1]  stream     KEYS[2]  delayed (zset)     KEYS[3]  dlq     KEYS[4]  results
 * ARGV[1]  group
 * ARGV[2]  consumer (the owner the fence expects)
 * ARGV[3]  '1' to check ownership, '0' to skip the check
 * ARGV[4]  n, the number of outcomes
 * ARGV[5]  lowest id in the batch     ARGV[6]  highest id in the batch
 * ARGV[7]  limit of the range read; a full range read falls back to one XPENDING per miss
 * ARGV[8…] per outcome: id, ack ('1' | '0'), w (number of writes), then w writes:
 *            'X', keyIndex, trim ('' | 'MAXLEN' | 'MINID'), trimArg, m, m field/value strings
 *            'Z', keyIndex, score, member
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
local out, acks = {}, {}
local i = 8
for o = 1, n do
  local id, ack, w = ARGV[i], ARGV[i + 1] == '1', tonumber(ARGV[i + 2])
  i = i + 3
  local owned = not fence or mine[id] == true
  if not owned and full then
    owned = #redis.call('XPENDING', stream, group, id, id, 1, consumer) == 1
  end
  for _ = 1, w do
    local op, key = ARGV[i], KEYS[tonumber(ARGV[i + 1])]
    if op == 'X' then
      local trim, trimArg, m = ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
      if owned then
        if trim == '' then
          redis.call('XADD', key, '*', unpack(ARGV, i + 5, i + 4 + m))
        else
          redis.call('XADD', key, trim, '~', trimArg, '*', unpack(ARGV, i + 5, i + 4 + m))
        end
      end
      i = i + 5 + m
    else
      if owned then redis.call('ZADD', key, ARGV[i + 2], ARGV[i + 3]) end
      i = i + 4
    end
  end
  if owned and ack then acks[#acks + 1] = id end
  out[o] = owned and 1 or 0
end
for a = 1, #acks, 1000 do
  redis.call('XACK', stream, group, unpack(acks, a, math.min(a + 999, #acks)))
end
return out
`,
);
