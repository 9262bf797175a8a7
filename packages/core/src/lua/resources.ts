import type { StreamKeys } from '../keys.js';
import { Script } from '../redis/script.js';
import { BACKLOG_TAG, DEAD_REASONS, DLQ_FIELDS, ORDER_FIELDS, RESOURCE_FIELDS } from '../wire/fields.js';
import { luaBacklogMember, luaNowMs, luaQueueByRequirement, luaWakeIds } from './fragments.js';

// Resources (docs/allocation.md, "Resources"): tasks published with `requires` wait in one
// sorted set per requirement shape, `:sched:res:q:<sha1 of the shape>` (scored like the
// backlog), a hash counts the queued tasks per shape, consumers with `capacity` take the best
// heads of the shapes that fit their free capacity, and a heartbeat records every live
// consumer's capacity so tasks nobody could run are reported.

const TAG = BACKLOG_TAG;
const REQ = RESOURCE_FIELDS.requires;
const ORD = ORDER_FIELDS.order;

/** `fits(need, have)` and `shape(req)` (decoded once per call), shared by the scripts below. */
const LUA_FITS = `
local function fits(need, have)
  for name, v in pairs(need) do
    if v > (have[name] or 0) + 1e-9 then return false end
  end
  return true
end
local shapeCache = {}
local function shape(req)
  local s = shapeCache[req]
  if s == nil then
    local ok, v = pcall(cjson.decode, req)
    s = (ok and type(v) == 'table') and v or false
    shapeCache[req] = s
  end
  return s
end
`;

/** Every key the resource scripts use, under the stream's hash tag. */
export interface ResourceKeys {
  /** Prefix of a shape's queue: `<prefix><sha1 of the requirement JSON>` (zset, scored like the backlog). */
  queue: string;
  /** hash: requirement JSON (the shape) -> tasks of that shape queued; only shapes with tasks. */
  shapes: string;
  /** hash: task tag -> how many dispatches passed it while it could have run there later. */
  passes: string;
  /** hash: task tag -> the consumer that stopped backfilling for it. */
  reserved: string;
  /** zset: consumer -> its capacity record's expiry (Redis-time ms of its last heartbeat + ttl). */
  nodes: string;
  /** hash: consumer -> its capacity JSON. */
  caps: string;
  seq: string;
  wake: string;
}

export function resourceKeys(keys: StreamKeys): ResourceKeys {
  return {
    queue: keys.sched('res:q:'),
    shapes: keys.sched('res:shapes'),
    passes: keys.sched('res:passes'),
    reserved: keys.sched('res:reserved'),
    nodes: keys.sched('res:nodes'),
    caps: keys.sched('res:caps'),
    seq: keys.sched('seq'),
    wake: keys.sched('wake'),
  };
}

/**
 * resource-publish: add tasks with `requires` to their shape's queue (the backlog script's
 * member format and sequence: `b1:<seq>`, id `<ms>-<seq>` as `origin`), count them per shape,
 * wake blocked consumers.
 *
 * KEYS[1]  shapes (hash)   KEYS[2]  sequence counter   KEYS[3]  wake stream
 * ARGV[1]  queue key prefix   ARGV[2]  n, then n × (score, or '' for LIFO: -seq; requirement
 *          JSON; fields as JSON without its '[')
 *
 * Returns the n task ids, in order.
 */
export const resourcePublishScript = new Script(
  'resource-publish',
  /* lua */ `
local n = tonumber(ARGV[2])
local last = redis.call('INCRBY', KEYS[2], n)
${luaNowMs('ms')}
local ids = {}
for e = 1, n do
  local seq = last - n + e
  local id = ms .. '-' .. seq
  local score, req = ARGV[3 * e], ARGV[3 * e + 1]
  if score == '' then score = -seq end
  redis.call('ZADD', ARGV[1] .. redis.sha1hex(req), score, ${luaBacklogMember('seq', 'id', 'ARGV[3 * e + 2]')})
  redis.call('HINCRBY', KEYS[1], req, 1)
  ids[e] = id
end
redis.call('XADD', KEYS[3], 'MAXLEN', '1', '*', 'n', tostring(n))
return ids
`,
);

/**
 * resource-dispatch: move the best tasks that fit this consumer's free capacity into the stream
 * (run in one MULTI with the consumer's XREADGROUP, like the backlog dispatch). Candidates are
 * the heads of the shapes this consumer could ever run (a GPU task never reaches a consumer
 * without a GPU); per pick the best head by score (FIFO among equals) that fits the free
 * capacity wins. A better head that does not fit yet is passed (backfilling) and counted; one
 * passed `starveAfter` times makes this consumer reserve for it: it takes nothing more in this
 * call nor later ones until that task fits here (or someone else took it). Heads are decoded
 * only when picked: then one past its deadline is dead-lettered `expired`, one that does not
 * decode `malformed`.
 *
 * KEYS[1] shapes  KEYS[2] stream  KEYS[3] dlq  KEYS[4] wake stream  KEYS[5] passes
 * KEYS[6] reserved  KEYS[7] nodes
 * ARGV[1] consumer  ARGV[2] k  ARGV[3] now (ms, for deadlines, like the backlog's)  ARGV[4] starveAfter  ARGV[5] queue key prefix
 * ARGV[6] d, then d × (resource name, free amount, total capacity)
 *
 * Returns { moved, wake stream's last id, stream's last id (both '0-0' unless moved = 0),
 * expired, malformed, later: shapes with tasks that could run here once capacity frees }.
 */
export const resourceDispatchScript = new Script(
  'resource-dispatch',
  /* lua */ `
${LUA_FITS}
local shapes, stream, dlq, passes, reserved = KEYS[1], KEYS[2], KEYS[3], KEYS[5], KEYS[6]
local me, k, now, starve, prefix = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local free, total = {}, {}
for i = 0, tonumber(ARGV[6]) - 1 do
  local name = ARGV[7 + 3 * i]
  free[name] = tonumber(ARGV[8 + 3 * i])
  total[name] = tonumber(ARGV[9 + 3 * i])
end
local expired, malformed = 0, 0
local function uncount(req)
  if redis.call('HINCRBY', shapes, req, -1) <= 0 then redis.call('HDEL', shapes, req) end
end
local function forget(tag)
  redis.call('HDEL', passes, tag)
  redis.call('HDEL', reserved, tag)
end
-- The head of a shape's queue; its tag comes from the member's text (no decode while scanning).
local function head(c)
  local r = redis.call('ZRANGE', c.q, 0, 0, 'WITHSCORES')
  if not r[1] then return false end
  c.member, c.score, c.num = r[1], r[2], tonumber(r[2])
  c.tag = string.sub(r[1], 3, ${2 + TAG.length + 14})
  return true
end
-- Decode the head about to be dispatched; one that does not decode or is past its deadline is
-- dead-lettered instead (false).
local function usable(c)
  local member = c.member
  local ok, task = pcall(cjson.decode, member)
  local deadline
  if ok and type(task) == 'table' and #task >= 3 and #task % 2 == 1 and type(task[1]) == 'string'
    and string.sub(task[1], 1, ${TAG.length}) == '${TAG}' then
    for j = 2, #task - 1, 2 do
      if task[j] == '${ORDER_FIELDS.deadline}' then deadline = tonumber(task[j + 1]) end
    end
  else
    ok = false
  end
  if ok and not (deadline and deadline < now) then
    c.task = task
    return true
  end
  redis.call('ZREM', c.q, member)
  forget(c.tag)
  uncount(c.req)
  if not ok then
    redis.call('XADD', dlq, '*', '${DLQ_FIELDS.reason}', '${DEAD_REASONS.malformed}', '${DLQ_FIELDS.error}',
      'resource queue member does not decode', '${DLQ_FIELDS.member}', member)
    malformed = malformed + 1
  else
    task[1] = '*'
    for _, f in ipairs({ '${DLQ_FIELDS.reason}', '${DEAD_REASONS.expired}', '${DLQ_FIELDS.error}',
      'deadline passed while waiting for resources', '${DLQ_FIELDS.deadAt}', tostring(now) }) do
      task[#task + 1] = f
    end
    redis.call('XADD', dlq, unpack(task))
    expired = expired + 1
  end
  return false
end
-- Capacity records expire on Redis time (the heartbeat's), not this consumer's clock.
local tnow
local function redisNow()
  if not tnow then
    local t = redis.call('TIME')
    tnow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return tnow
end
local cands = {}
local all = redis.call('HGETALL', shapes)
for i = 1, #all, 2 do
  local need = shape(all[i])
  if need and fits(need, total) then
    local c = { req = all[i], need = need, q = prefix .. redis.sha1hex(all[i]) }
    if head(c) then cands[#cands + 1] = c end
  end
end
local moved, later, blocked, pending, bump = 0, 0, false, {}, {}
while moved < k and not blocked do
  local best, bi = nil, 0
  for i, c in ipairs(cands) do
    if not best or c.num < best.num or (c.num == best.num and c.member < best.member) then best, bi = c, i end
  end
  if not best then break end
  local tag = best.tag
  if fits(best.need, free) then
    if usable(best) then
      redis.call('ZREM', best.q, best.member)
      local task = best.task
      task[1] = '*'
      task[#task + 1] = '${ORD}'
      task[#task + 1] = best.score
      redis.call('XADD', stream, unpack(task))
      for name, v in pairs(best.need) do free[name] = free[name] - v end
      uncount(best.req)
      forget(tag)
      moved = moved + 1
      for _, t in ipairs(pending) do bump[#bump + 1] = t end
      pending = {}
    end
    if not head(best) then table.remove(cands, bi) end
  else
    later = later + 1
    table.remove(cands, bi)
    local owner = redis.call('HGET', reserved, tag)
    if owner == me then
      blocked = true
    elseif not owner or (tonumber(redis.call('ZSCORE', KEYS[7], owner)) or 0) < redisNow() then
      if tonumber(redis.call('HGET', passes, tag) or '0') >= starve then
        redis.call('HSET', reserved, tag, me)
        blocked = true
      else
        pending[#pending + 1] = tag
      end
    end
  end
end
for _, t in ipairs(bump) do redis.call('HINCRBY', passes, t, 1) end
later = later + #cands
${luaWakeIds('KEYS[4]', 'stream')}
return { moved, wakeId, lastId, expired, malformed, later }
`,
);

/**
 * resource-heartbeat: record (or, with capacity '', remove) this consumer's capacity, expire the
 * records of consumers whose heartbeat stopped, and count the queued tasks of shapes no live
 * consumer could ever run (unschedulable: they stay queued and run once a capable consumer
 * joins; its first heartbeat and dispatch need nothing else). A joining consumer wakes the
 * blocked ones.
 *
 * KEYS[1] nodes  KEYS[2] caps  KEYS[3] shapes  KEYS[4] wake stream
 * ARGV[1] consumer  ARGV[2] capacity JSON, or '' to leave  ARGV[3] ttl ms
 *
 * Returns { unschedulable tasks, live consumers, then per unfit shape: its JSON, its task count }.
 */
export const resourceHeartbeatScript = new Script(
  'resource-heartbeat',
  /* lua */ `
${LUA_FITS}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[2] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  if redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1]) == 1 then
    redis.call('XADD', KEYS[4], 'MAXLEN', '1', '*', 'n', '0')
  end
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)) do
  redis.call('ZREM', KEYS[1], gone)
  redis.call('HDEL', KEYS[2], gone)
end
local live = {}
local caps = redis.call('HGETALL', KEYS[2])
for i = 1, #caps, 2 do
  local ok, c = pcall(cjson.decode, caps[i + 1])
  if ok and type(c) == 'table' then live[#live + 1] = c end
end
local out, count = { 0, #live }, 0
local all = redis.call('HGETALL', KEYS[3])
for i = 1, #all, 2 do
  local need, ok = shape(all[i]), false
  if need then
    for _, c in ipairs(live) do
      if fits(need, c) then ok = true break end
    end
  end
  if not ok then
    count = count + tonumber(all[i + 1])
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  end
end
out[1] = count
return out
`,
);

/**
 * resource-return: put entries this consumer could never run (reclaimed from another, or read
 * from the stream past its own dispatch) back into their shape's queue with their score, and
 * ack them, only while it still owns them.
 *
 * KEYS[1] stream  KEYS[2] shapes  KEYS[3] sequence counter  KEYS[4] wake stream
 * ARGV[1] group  ARGV[2] consumer  ARGV[3] queue key prefix  then the entry ids
 *
 * Returns how many went back.
 */
export const resourceReturnScript = new Script(
  'resource-return',
  /* lua */ `
local back = 0
for i = 4, #ARGV do
  local id = ARGV[i]
  if #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2]) == 1 then
    local e = redis.call('XRANGE', KEYS[1], id, id)
    local f = e[1] and e[1][2] or {}
    local task, order, req = { '' }, nil, nil
    for j = 1, #f - 1, 2 do
      if f[j] == '${ORD}' then order = f[j + 1]
      else
        task[#task + 1] = f[j]
        task[#task + 1] = f[j + 1]
        if f[j] == '${REQ}' then req = f[j + 1] end
      end
    end
    if req then
      ${luaQueueByRequirement({ seqKey: 'KEYS[3]', countsKey: 'KEYS[2]', prefix: 'ARGV[3]', req: 'req', order: 'order' })}
      back = back + 1
    end
    redis.call('XACK', KEYS[1], ARGV[1], id)
  end
end
if back > 0 then redis.call('XADD', KEYS[4], 'MAXLEN', '1', '*', 'n', tostring(back)) end
return back
`,
);

export function resourcePublishKeys(k: ResourceKeys): string[] {
  return [k.shapes, k.seq, k.wake];
}

/** One task for resource-publish. */
export interface ResourceTask {
  score: number | undefined;
  requires: string;
  fields: readonly string[];
}

export function resourcePublishArgs(k: ResourceKeys, tasks: readonly ResourceTask[]): string[] {
  const args = [k.queue, String(tasks.length)];
  for (const t of tasks)
    args.push(t.score === undefined ? '' : String(t.score), t.requires, JSON.stringify(t.fields).slice(1));
  return args;
}

export function resourceDispatchKeys(keys: StreamKeys, k: ResourceKeys): string[] {
  return [k.shapes, keys.stream, keys.dlq, k.wake, k.passes, k.reserved, k.nodes];
}

export function resourceDispatchArgs(
  k: ResourceKeys,
  consumer: string,
  count: number,
  now: number,
  starveAfter: number,
  free: Record<string, number>,
  total: Record<string, number>,
): string[] {
  const names = Object.keys(total);
  const args = [consumer, String(count), String(now), String(starveAfter), k.queue, String(names.length)];
  for (const name of names) args.push(name, String(free[name] ?? 0), String(total[name]));
  return args;
}

export interface ResourceDispatchReply {
  moved: number;
  wakeId: string;
  lastId: string;
  expired: number;
  malformed: number;
  /** Shapes with tasks that could run here once capacity frees. */
  later: number;
}

export function parseResourceDispatchReply(reply: unknown): ResourceDispatchReply {
  const [moved, wakeId, lastId, expired, malformed, later] = reply as [number, string, string, number, number, number];
  return { moved, wakeId, lastId, expired, malformed, later };
}

export function heartbeatKeys(k: ResourceKeys): string[] {
  return [k.nodes, k.caps, k.shapes, k.wake];
}

export function heartbeatArgs(consumer: string, capacityJson: string | undefined, ttlMs: number): string[] {
  return [consumer, capacityJson ?? '', String(ttlMs)];
}

/** A requirement no live consumer could run, and how many queued tasks have it. */
export interface UnfitShape {
  requires: Record<string, number>;
  tasks: number;
}

export interface HeartbeatReply {
  unschedulable: number;
  liveConsumers: number;
  shapes: UnfitShape[];
}

export function parseHeartbeatReply(reply: unknown): HeartbeatReply {
  const r = reply as (string | number)[];
  const shapes: UnfitShape[] = [];
  for (let i = 2; i + 1 < r.length; i += 2) shapes.push({ requires: safeParse(String(r[i])), tasks: Number(r[i + 1]) });
  return { unschedulable: Number(r[0]), liveConsumers: Number(r[1]), shapes };
}

function safeParse(text: string): Record<string, number> {
  try {
    return JSON.parse(text) as Record<string, number>;
  } catch {
    return {};
  }
}

export function returnKeys(keys: StreamKeys, k: ResourceKeys): string[] {
  return [keys.stream, k.shapes, k.seq, k.wake];
}

export function returnArgs(k: ResourceKeys, group: string, consumer: string, ids: readonly string[]): string[] {
  return [group, consumer, k.queue, ...ids];
}
