import type { StreamKeys } from '../keys.js';
import { Script } from '../redis/script.js';
import { DEAD_REASONS, DLQ_FIELDS, ORDER_FIELDS, RESOURCE_FIELDS } from '../wire/fields.js';
import { luaBacklogTag, luaQueueByRequirement } from './fragments.js';
import { resourceKeys } from './resources.js';

/**
 * promote: move due tasks from the `:delayed` sorted set into the stream. Any consumer
 * may run it at any time: a member is XADDed only if this call's ZREM removed it, so two
 * promoters never double a task, and the batch is bounded so one call stays short.
 * A member that does not decode (not written by Sluice) goes to the dead-letter stream
 * with reason `malformed` instead of blocking the set.
 *
 * KEYS[1]  delayed (zset)     KEYS[2]  stream     KEYS[3]  dlq
 * KEYS[4..6]  optional: backlog, sequence counter, wake stream (a member with an `ord`
 *          field then goes to the backlog with that score, docs/ordering.md)
 * KEYS[7]  optional: resource shapes (hash); a member with a `req` field then goes to its
 *          shape's queue `ARGV[3]<sha1 of req>` with its score (docs/allocation.md, "Resources")
 * ARGV[1]  now, ms since the epoch (members with score <= now are due)
 * ARGV[2]  limit, the most members moved in this call
 * ARGV[3]  resource queue key prefix (with KEYS[7])
 *
 * Returns { promoted, malformed, due }: due is how many members the range returned, so
 * due == limit means more may be waiting.
 */
export const promoteScript = new Script(
  'promote',
  /* lua */ `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local promoted, malformed = 0, 0
for _, member in ipairs(due) do
  if redis.call('ZREM', KEYS[1], member) == 1 then
    local ok, task = pcall(cjson.decode, member)
    if ok and type(task) == 'table' and #task >= 3 and #task % 2 == 1 then
      -- An ordered task (retry or delayed publish) goes back to the backlog with its score.
      local order
      if KEYS[4] then
        for j = #task - 1, 2, -2 do
          if task[j] == '${ORDER_FIELDS.order}' then order = task[j + 1]; table.remove(task, j + 1); table.remove(task, j) end
        end
      end
      local req
      if KEYS[7] and ARGV[3] then
        for j = 2, #task - 1, 2 do
          if task[j] == '${RESOURCE_FIELDS.requires}' then req = task[j + 1] end
        end
      end
      if req then
        ${luaQueueByRequirement({ seqKey: 'KEYS[5]', countsKey: 'KEYS[7]', prefix: 'ARGV[3]', req: 'req', order: 'order' })}
        redis.call('XADD', KEYS[6], 'MAXLEN', '1', '*', 'n', '1')
      elseif order then
        local seq = redis.call('INCR', KEYS[5])
        task[1] = ${luaBacklogTag('seq')}
        redis.call('ZADD', KEYS[4], tonumber(order) or -seq, cjson.encode(task))
        redis.call('XADD', KEYS[6], 'MAXLEN', '1', '*', 'n', '1')
      else
        redis.call('XADD', KEYS[2], '*', unpack(task, 2))
      end
      promoted = promoted + 1
    else
      redis.call('XADD', KEYS[3], '*', '${DLQ_FIELDS.reason}', '${DEAD_REASONS.malformed}', '${DLQ_FIELDS.error}',
        'delayed member does not decode', '${DLQ_FIELDS.member}', member)
      malformed = malformed + 1
    end
  end
end
return { promoted, malformed, #due }
`,
);

/** Members one promote call moves at most; a full batch is followed by another call at once. */
export const PROMOTE_BATCH = 500;

/** The script's keys, the backlog's included so ordered retries keep their order. */
export function promoteKeys(keys: StreamKeys): string[] {
  return [
    keys.delayed,
    keys.stream,
    keys.dlq,
    keys.backlog,
    keys.sched('seq'),
    keys.sched('wake'),
    resourceKeys(keys).shapes,
  ];
}

/** `resourceQueue`: the resource queue key prefix, so tasks with `requires` return to their queues. */
export function promoteArgs(now: number, limit = PROMOTE_BATCH, resourceQueue?: string): string[] {
  return resourceQueue === undefined ? [String(now), String(limit)] : [String(now), String(limit), resourceQueue];
}

export interface PromoteReply {
  promoted: number;
  malformed: number;
  /** Members the range returned: equal to the limit means more may be waiting. */
  due: number;
}

export function parsePromoteReply(reply: unknown): PromoteReply {
  const [promoted, malformed, due] = reply as [number, number, number];
  return { promoted, malformed, due };
}
