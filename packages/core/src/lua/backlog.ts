import type { StreamKeys } from '../keys.js';
import { Script } from '../redis/script.js';
import { luaBacklogMember, luaNowMs } from './fragments.js';

/**
 * backlog: add ordered tasks to a stream's backlog (a sorted set, score = the task's order)
 * and wake blocked consumers. Each task gets a sequence number from one counter: its member
 * starts with `b1:<seq as 14 hex digits>`, so equal scores come out FIFO (Redis sorts equal
 * scores by member), and its id `<ms>-<seq>` (ms = Redis time) is written as the task's
 * `origin`, so results and publishAndWait find the task by the id publish() returned.
 *
 * A fair task (publish option `fairness: 'key'`) goes to its key's queue `<ARGV[2]><key>`
 * instead, and the key joins the ring of active keys when its queue was empty (allocation.md).
 *
 * KEYS[1]  backlog (zset)     KEYS[2]  sequence counter     KEYS[3]  wake stream
 * KEYS[4]  ring of keys with queued fair tasks (list)
 * ARGV[1]  n, the number of tasks     ARGV[2]  key queue prefix
 * then n × (score, or '' for LIFO: -seq; fair key or ''; the task's field list as JSON without its '[')
 *
 * Returns the n task ids, in order.
 */
export const backlogScript = new Script(
  'backlog',
  /* lua */ `
local n = tonumber(ARGV[1])
local last = redis.call('INCRBY', KEYS[2], n)
${luaNowMs('ms')}
local ids, add = {}, { 'ZADD', KEYS[1] }
for e = 1, n do
  local seq = last - n + e
  local id = ms .. '-' .. seq
  local score = ARGV[3 * e]
  if score == '' then score = -seq end
  local member = ${luaBacklogMember('seq', 'id', 'ARGV[3 * e + 2]')}
  local key = ARGV[3 * e + 1]
  if key == '' then
    add[#add + 1] = score
    add[#add + 1] = member
  else
    local q = ARGV[2] .. key
    redis.call('ZADD', q, score, member)
    if redis.call('ZCARD', q) == 1 then redis.call('RPUSH', KEYS[4], key) end
  end
  ids[e] = id
end
if #add > 2 then redis.call(unpack(add)) end
redis.call('XADD', KEYS[3], 'MAXLEN', '1', '*', 'n', tostring(n))
return ids
`,
);

/** One ordered task: its score (undefined for LIFO) and its wire fields. */
export interface BacklogTask {
  score: number | undefined;
  /** The fairness key: the task waits in that key's queue (allocation.md). */
  fairKey?: string | undefined;
  fields: readonly string[];
}

export function backlogKeys(keys: StreamKeys): string[] {
  return [keys.backlog, keys.sched('seq'), keys.sched('wake'), keys.sched('ring')];
}

export function backlogArgs(keys: StreamKeys, tasks: readonly BacklogTask[]): string[] {
  const args = [String(tasks.length), keys.sched('q:')];
  for (const t of tasks)
    args.push(t.score === undefined ? '' : String(t.score), t.fairKey ?? '', JSON.stringify(t.fields).slice(1));
  return args;
}

export function parseBacklogReply(reply: unknown): string[] {
  return reply as string[];
}
