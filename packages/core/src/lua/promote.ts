import { Script } from '../script.js';

/**
 * promote: move due tasks from the `:delayed` sorted set into the stream. Any consumer
 * may run it at any time: a member is XADDed only if this call's ZREM removed it, so two
 * promoters never double a task, and the batch is bounded so one call stays short.
 * A member that does not decode (not written by Sluice) goes to the dead-letter stream
 * with reason `malformed` instead of blocking the set.
 *
 * KEYS[1]  delayed (zset)     KEYS[2]  stream     KEYS[3]  dlq
 * ARGV[1]  now, ms since the epoch (members with score <= now are due)
 * ARGV[2]  limit, the most members moved in this call
 *
 * Returns { promoted, malformed, due }: due is how many members the range returned, so
 * due == limit means more may be waiting.
 */
export const promoteScript = new Script(
  'promote',
  `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local promoted, malformed = 0, 0
for _, member in ipairs(due) do
  if redis.call('ZREM', KEYS[1], member) == 1 then
    local ok, task = pcall(cjson.decode, member)
    if ok and type(task) == 'table' and #task >= 3 and #task % 2 == 1 then
      redis.call('XADD', KEYS[2], '*', unpack(task, 2))
      promoted = promoted + 1
    else
      redis.call('XADD', KEYS[3], '*', 'reason', 'malformed', 'err', 'delayed member does not decode', 'member', member)
      malformed = malformed + 1
    end
  end
end
return { promoted, malformed, #due }
`,
);
