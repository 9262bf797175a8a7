import { Script } from '../redis/script.js';
import { BACKLOG_TAG, DEAD_REASONS, DLQ_FIELDS, ORDER_FIELDS, TASK_FIELDS } from '../wire/fields.js';
import { LUA_ID_LESS, luaWakeIds } from './fragments.js';

/** A key's learned handler ms expires this long after its last observation (bounded state). */
export const COST_TTL_MS = 86_400_000;
/** A holder of a key's slot is verified (still pending or unread?) at most this often. */
export const HOLD_CHECK_MS = 1000;
/** Holders of the running hash the once-per-HOLD_CHECK_MS sweep asks HSCAN for (a hint, as HSCAN's COUNT is). */
export const SWEEP_COUNT = 100;
/** Deficit round robin caps a task's cost at this many quanta. */
export const MAX_QUANTA = 16;
/** Learned costs are kept per task type (`<cost prefix>t:<type>`) and per key (`<cost prefix>k:<key>`). */
export const COST_OF = { type: 't:', key: 'k:' } as const;

/**
 * dispatch: move the best k tasks of the ordered backlog into the stream. The consumer runs
 * it in one MULTI with its XREADGROUP '>' COUNT k (schedule/dispatcher.ts), so no dispatched
 * entry sits in the stream un-owned (a later reader of '>' cannot jump the queue); reading
 * outside Lua saves the reply's round trip through Lua tables (~8 µs per entry). Strict: the k lowest
 * scores. Weighted: per pick, smooth weighted round robin over the non-empty score bands,
 * its credits kept in Redis so the ratios hold fleet-wide. A task past its deadline goes to
 * the dead-letter stream (`expired`) unless ARGV[5] is 'run'; a member that does not decode
 * goes there as `malformed`. When it moved nothing the reply carries the last ids of the
 * wake stream and the stream, for the consumer's XREAD BLOCK on both if its read is empty.
 *
 * Allocation (docs/allocation.md): a key at its concurrency limit or its rate limit is skipped
 * in the ring (its tasks stay queued); a backlog task of such a key moves to its key's queue.
 * Holders are a zset per key `<hold prefix><key>` (entry id, score = when to verify it next)
 * plus the hash KEYS[8] entry id -> key the settle script releases from. A holder whose check
 * is due and whose entry is neither pending in the group nor still unread leaked (trimmed,
 * acked without release) and is dropped; once per HOLD_CHECK_MS a sweep checks the next
 * SWEEP_COUNT holders of the running hash the same way, so a leak on a key that never reaches its
 * limit again is found too. With a quantum the ring is deficit round robin over
 * task cost (`est` field, else its type's learned mean handler ms, else its key's, else one quantum).
 *
 * KEYS[1]  backlog (zset)   KEYS[2]  stream   KEYS[3]  dlq   KEYS[4]  wake stream   KEYS[5]  credits (hash)
 * KEYS[6]  ring of fair keys (list)   KEYS[7]  rate log (zset)   KEYS[8]  running (hash: entry id -> key)
 * KEYS[9]  deficits (hash: key -> ms)   KEYS[10]  the key the deficit round robin is serving (string)
 * KEYS[11] sweep state of the running hash (string '<HSCAN cursor> <next sweep ms>')
 * ARGV[1]  k   ARGV[2]  now (ms)   ARGV[3]  'dead' | 'run'
 * ARGV[4]  b, the number of bands (0: strict), then b × (upper score bound, inclusive, or '+inf'; weight)
 * then     '1' to fill what is left of k from the ring of fair keys (KEYS[6]), one task per key
 *          per turn ('0' not), and the key queue prefix (allocation.md)
 * then     rate limit max, perMs ('' '' for none); its sliding log is KEYS[7]
 * then     group; key concurrency ('' none); hold prefix; key rate max, perMs ('' '' none); key
 *          rate log prefix; quantum ms ('' : one task per key per turn); learned cost prefix;
 *          m, then m × ('t:<type>' or 'k:<key>', mean handler ms, count) observed since the last call
 *
 * Returns { moved, wake stream's last id, stream's last id, expired, malformed, ms until the
 * next token when rate-limited (else 0), times a rate limit held tasks back, leaked holders dropped }.
 */
export const dispatchScript = new Script(
  'dispatch',
  /* lua */ `
local backlog, stream, dlq = KEYS[1], KEYS[2], KEYS[3]
local k, now, nb = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
local fairAt = 5 + 2 * nb
local A = fairAt + 4
local group, kc, hp = ARGV[A], tonumber(ARGV[A + 1]), ARGV[A + 2]
local krMax, krPer, krp = tonumber(ARGV[A + 3]), tonumber(ARGV[A + 4]), ARGV[A + 5]
local quantum, cp = tonumber(ARGV[A + 6]), ARGV[A + 7]
local limited, healed, taken, seq, budget = 0, 0, 0, 0, 1
-- Learned cost per type or key: a moving average of handler ms (weight 0.2 per observation), expiring.
for o = 1, tonumber(ARGV[A + 8]) do
  local at = A + 6 + 3 * o
  local ck, ms, n = cp .. ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local old = tonumber(redis.call('GET', ck))
  if old then ms = old + (1 - 0.8 ^ math.min(n, 50)) * (ms - old) end
  redis.call('SET', ck, string.format('%.3f', ms), 'PX', ${COST_TTL_MS})
end
local us, text, nowMs
if ARGV[fairAt + 2] ~= '' or kc or krMax then
  local t = redis.call('TIME')
  -- Scores go to Redis as strings: a Lua number of 16 digits would print as 1.7e+15.
  text = t[1] .. string.format('%06d', tonumber(t[2]))
  us = tonumber(text)
  nowMs = math.floor(us / 1000)
end
-- Rate limit: a sliding log in KEYS[7] (a zset of dispatch times, Redis time in µs) of the
-- last perMs, so no window of perMs ever dispatches more than max tasks.
local rate, waitMs = nil, 0
if ARGV[fairAt + 2] ~= '' then
  local max, per = tonumber(ARGV[fairAt + 2]), tonumber(ARGV[fairAt + 3])
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', string.format('%d', us - per * 1000))
  local used = redis.call('ZCARD', KEYS[7])
  rate = { per = per, used = used, cut = max - used < k }
  k = math.max(0, math.min(k, max - used))
end
${LUA_ID_LESS}
-- The group's last delivered id, read once and only when a holder looks leaked.
local lastDelivered
local function unread(id)
  if not lastDelivered then
    lastDelivered = '0-0'
    for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
      local name, last
      for j = 1, #g, 2 do
        if g[j] == 'name' then name = g[j + 1] elseif g[j] == 'last-delivered-id' then last = g[j + 1] end
      end
      if name == group then lastDelivered = last end
    end
  end
  return idLess(lastDelivered, id)
end
local function held(key)
  local h = hp .. key
  local n = redis.call('ZCARD', h)
  if n < kc then return n end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', h, '-inf', nowMs)) do
    if #redis.call('XPENDING', stream, group, id, id, 1) == 1 or unread(id) then
      redis.call('ZADD', h, nowMs + ${HOLD_CHECK_MS}, id)
    else
      redis.call('ZREM', h, id)
      redis.call('HDEL', KEYS[8], id)
      healed = healed + 1
      n = n - 1
    end
  end
  return n
end
-- Sweep: at most once per check interval, the next holders of the running hash (HSCAN cursor kept
-- in KEYS[11]); those leaked are dropped, so the hash stays bounded by the tasks really running.
if kc then
  local state = redis.call('GET', KEYS[11])
  local cursor, due = '0', 0
  if state then cursor, due = string.match(state, '(%d+) (%d+)') end
  if nowMs >= tonumber(due) then
    local r = redis.call('HSCAN', KEYS[8], cursor, 'COUNT', ${SWEEP_COUNT})
    local f = r[2]
    -- A small hash (listpack) comes back whole, at most its listpack size (128 by default).
    for j = 1, #f, 2 do
      local id = f[j]
      if #redis.call('XPENDING', stream, group, id, id, 1) == 0 and not unread(id) then
        redis.call('HDEL', KEYS[8], id)
        redis.call('ZREM', hp .. f[j + 1], id)
        healed = healed + 1
      end
    end
    redis.call('SET', KEYS[11], r[1] .. ' ' .. string.format('%d', nowMs + ${HOLD_CHECK_MS}))
  end
end
local keyWait
local function blocked(key)
  if kc and held(key) >= kc then return true end
  if krMax then
    local log = krp .. key
    redis.call('ZREMRANGEBYSCORE', log, '-inf', string.format('%d', us - krPer * 1000))
    if redis.call('ZCARD', log) >= krMax then
      local oldest = tonumber(redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')[2])
      local w = math.max(1, math.ceil((oldest + krPer * 1000 - us) / 1000))
      if not keyWait or w < keyWait then keyWait = w end
      limited = limited + 1
      return true
    end
  end
  return false
end
local function decode(member)
  local ok, task = pcall(cjson.decode, member)
  if ok and type(task) == 'table' and #task >= 3 and #task % 2 == 1 and type(task[1]) == 'string'
    and string.sub(task[1], 1, ${BACKLOG_TAG.length}) == '${BACKLOG_TAG}' then return task end
end
local function field(task, name)
  for j = 2, #task - 1, 2 do
    if task[j] == name then return task[j + 1] end
  end
  return nil
end
local moved, expired, malformed = 0, 0, 0
local qp = ARGV[fairAt + 1]
-- One task out of the backlog or a key queue: into the stream (taking its key's slot and rate
-- token), the dead-letter stream, or, from the backlog, its key's queue when the key is blocked.
local function emit(member, score, key, fromBacklog)
  local task = decode(member)
  if not task then
    redis.call('XADD', dlq, '*', '${DLQ_FIELDS.reason}', '${DEAD_REASONS.malformed}', '${DLQ_FIELDS.error}',
      'backlog member does not decode', '${DLQ_FIELDS.member}', member)
    malformed = malformed + 1
    return
  end
  local deadline = tonumber(field(task, '${ORDER_FIELDS.deadline}'))
  if deadline and deadline < now and ARGV[3] ~= 'run' then
    task[1] = '*'
    task[#task + 1] = '${DLQ_FIELDS.reason}'
    task[#task + 1] = '${DEAD_REASONS.expired}'
    task[#task + 1] = '${DLQ_FIELDS.error}'
    task[#task + 1] = 'deadline passed while waiting in the backlog'
    task[#task + 1] = '${DLQ_FIELDS.deadAt}'
    task[#task + 1] = tostring(now)
    redis.call('XADD', dlq, unpack(task))
    expired = expired + 1
    return
  end
  if fromBacklog and (kc or krMax) then
    key = field(task, '${TASK_FIELDS.key}')
    if key and blocked(key) then
      local q = qp .. key
      redis.call('ZADD', q, score, member)
      if redis.call('ZCARD', q) == 1 then redis.call('RPUSH', KEYS[6], key) end
      return
    end
  end
  task[1] = '*'
  task[#task + 1] = '${ORDER_FIELDS.order}'
  task[#task + 1] = score
  local id = redis.call('XADD', stream, unpack(task))
  moved = moved + 1
  if key and kc then
    redis.call('ZADD', hp .. key, nowMs + ${HOLD_CHECK_MS}, id)
    redis.call('HSET', KEYS[8], id, key)
  end
  if key and krMax then
    seq = seq + 1
    local log = krp .. key
    redis.call('ZADD', log, text, text .. ':' .. seq)
    redis.call('PEXPIRE', log, krPer + 1000)
  end
end
if nb == 0 then
  local r = redis.call('ZPOPMIN', backlog, k)
  for i = 1, #r, 2 do emit(r[i], r[i + 1], nil, true) end
  taken = #r / 2
else
  local lo, bands, credit = '-inf', {}, {}
  local saved = redis.call('HGETALL', KEYS[5])
  local old = {}
  for i = 1, #saved, 2 do old[saved[i]] = tonumber(saved[i + 1]) end
  for b = 1, nb do
    local hi = ARGV[3 + 2 * b]
    bands[b] = { lo, hi, tonumber(ARGV[4 + 2 * b]), redis.call('ZCOUNT', backlog, lo, hi) }
    credit[b] = old[tostring(b)] or 0
    lo = '(' .. hi
  end
  for _ = 1, k do
    local best, sum = nil, 0
    for b = 1, nb do
      if bands[b][4] > 0 then
        credit[b] = credit[b] + bands[b][3]
        sum = sum + bands[b][3]
        if not best or credit[b] > credit[best] then best = b end
      end
    end
    if not best then break end
    credit[best] = credit[best] - sum
    local band = bands[best]
    local r = redis.call('ZRANGE', backlog, band[1], band[2], 'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')
    redis.call('ZREM', backlog, r[1])
    emit(r[1], r[2], nil, true)
    taken = taken + 1
    band[4] = band[4] - 1
  end
  local flat = {}
  for b = 1, nb do
    flat[#flat + 1] = tostring(b)
    flat[#flat + 1] = tostring(bands[b][4] > 0 and credit[b] or 0)
  end
  redis.call('HSET', KEYS[5], unpack(flat))
end
if ARGV[fairAt] == '1' then
  local ring = KEYS[6]
  -- Each pass over the ring visits every key once; a pass that moved nothing ends the call.
  local idle = 0
  budget = 2 * k + 2 * redis.call('LLEN', ring) + 64
  if not quantum then
    while taken < k and budget > 0 do
      budget = budget - 1
      local key = redis.call('LPOP', ring)
      if not key then break end
      if blocked(key) then
        redis.call('RPUSH', ring, key)
        idle = idle + 1
        if idle >= redis.call('LLEN', ring) then break end
      else
        idle = 0
        local r = redis.call('ZPOPMIN', qp .. key, 1)
        if r[1] then
          emit(r[1], r[2], key, false)
          taken = taken + 1
          if redis.call('EXISTS', qp .. key) == 1 then redis.call('RPUSH', ring, key) end
        end
      end
    end
  else
    -- Deficit round robin: the key at the ring's head gets one quantum per visit and takes
    -- tasks while its deficit covers the next one's cost; the visit survives across calls.
    local cur = redis.call('GET', KEYS[10])
    while taken < k and budget > 0 do
      budget = budget - 1
      local key = redis.call('LINDEX', ring, 0)
      if not key then break end
      local q = qp .. key
      local rotate = true
      if blocked(key) then
        idle = idle + 1
      else
        idle = 0
        local d = tonumber(redis.call('HGET', KEYS[9], key)) or 0
        if key ~= cur then
          d = d + quantum
          cur = key
        end
        local head = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
        if head[1] then
          local task = decode(head[1])
          local cost, kind
          if task then
            cost = tonumber(field(task, '${ORDER_FIELDS.estimate}'))
            kind = field(task, '${ORDER_FIELDS.type}')
          end
          if not cost and kind then cost = tonumber(redis.call('GET', cp .. '${COST_OF.type}' .. kind)) end
          cost = cost or tonumber(redis.call('GET', cp .. '${COST_OF.key}' .. key)) or quantum
          -- A task costing many quanta would take as many visits: cap it so one call moves on.
          cost = math.min(cost, ${MAX_QUANTA} * quantum)
          if d >= cost then
            redis.call('ZREM', q, head[1])
            emit(head[1], head[2], key, false)
            taken = taken + 1
            d = d - cost
            rotate = false
          end
        end
        if redis.call('EXISTS', q) == 0 then
          redis.call('LPOP', ring)
          redis.call('HDEL', KEYS[9], key)
          cur, rotate = false, false
        else
          redis.call('HSET', KEYS[9], key, tostring(d))
        end
      end
      if rotate then
        redis.call('LMOVE', ring, ring, 'LEFT', 'RIGHT')
        cur = false
        if idle > 0 and idle >= redis.call('LLEN', ring) then break end
      end
    end
    if cur then redis.call('SET', KEYS[10], cur) else redis.call('DEL', KEYS[10]) end
  end
end
if rate then
  if moved > 0 then
    local add = { 'ZADD', KEYS[7] }
    for i = 1, moved do
      add[#add + 1] = text
      add[#add + 1] = text .. ':' .. (rate.used + i)
    end
    redis.call(unpack(add))
    redis.call('PEXPIRE', KEYS[7], rate.per + 1000)
  end
  if rate.cut and redis.call('EXISTS', backlog, KEYS[6]) > 0 then limited = limited + 1 end
  -- Full, with tasks waiting: ask again when the oldest dispatch leaves the window.
  if k == 0 and redis.call('EXISTS', backlog, KEYS[6]) > 0 then
    local oldest = redis.call('ZRANGE', KEYS[7], 0, 0, 'WITHSCORES')[2]
    waitMs = math.max(1, math.ceil((tonumber(oldest or us) + rate.per * 1000 - us) / 1000))
  end
end
-- Out of budget (costly tasks still collecting their quanta): ask again at once, do not block.
if moved == 0 and budget == 0 then waitMs = 1 end
if moved == 0 and keyWait and (waitMs == 0 or keyWait < waitMs) then waitMs = keyWait end
${luaWakeIds('KEYS[4]', 'stream')}
return { moved, wakeId, lastId, expired, malformed, waitMs, limited, healed }
`,
);

/** A weighted band: tasks with score <= upTo (and above the previous band's) get `weight`. */
export interface Band {
  upTo: number;
  weight: number;
}

export function dispatchArgs(
  k: number,
  now: number,
  runExpired: boolean,
  bands: readonly Band[],
  fairQueues?: string,
  rateLimit?: RateLimit,
  allocation?: AllocationArgs,
): string[] {
  const args = [String(k), String(now), runExpired ? 'run' : 'dead', String(bands.length)];
  for (const b of bands) args.push(b.upTo === Number.POSITIVE_INFINITY ? '+inf' : String(b.upTo), String(b.weight));
  args.push(fairQueues === undefined ? '0' : '1', fairQueues ?? '');
  if (rateLimit) args.push(String(rateLimit.max), String(rateLimit.perMs));
  else args.push('', '');
  const a = allocation;
  args.push(a?.group ?? '', a?.keyConcurrency === undefined ? '' : String(a.keyConcurrency), a?.holdPrefix ?? '');
  if (a?.keyRateLimit) args.push(String(a.keyRateLimit.max), String(a.keyRateLimit.perMs));
  else args.push('', '');
  args.push(a?.keyRatePrefix ?? '', a?.quantumMs === undefined ? '' : String(a.quantumMs), a?.costPrefix ?? '');
  const seen = a?.observed ?? [];
  args.push(String(seen.length));
  for (const o of seen) args.push(o.key, String(o.meanMs), String(o.count));
  return args;
}

/** Per-key limits and cost-aware fair share (docs/allocation.md); prefixes name keys under the stream's hash tag. */
export interface AllocationArgs {
  group: string;
  keyConcurrency?: number | undefined;
  holdPrefix: string;
  keyRateLimit?: RateLimit | undefined;
  keyRatePrefix: string;
  /** Deficit round robin over task cost with this quantum; undefined: one task per key per turn. */
  quantumMs?: number | undefined;
  costPrefix: string;
  /** Handler durations per type or key (`COST_OF` + name) since the last call, for the learned cost. */
  observed?: readonly { key: string; meanMs: number; count: number }[];
}

/** A fleet-wide rate limit: at most `max` dispatches in any window of `perMs`. */
export interface RateLimit {
  max: number;
  perMs: number;
}

export interface DispatchReply {
  /** ms until the rate limit has a token again (0 when not limited). */
  waitMs: number;
  /** Tasks moved into the stream. */
  moved: number;
  wakeId: string;
  lastId: string;
  expired: number;
  malformed: number;
  /** Times a rate limit (stream-wide or a key's) held waiting tasks back in this call. */
  limited: number;
  /** Holders of key slots found leaked (entry no longer pending) and dropped. */
  healed: number;
}

export function parseDispatchReply(reply: unknown): DispatchReply {
  const [moved, wakeId, lastId, expired, malformed, waitMs, limited, healed] = reply as [
    number,
    string,
    string,
    number,
    number,
    number,
    number,
    number,
  ];
  return { moved, wakeId, lastId, expired, malformed, waitMs, limited, healed };
}
