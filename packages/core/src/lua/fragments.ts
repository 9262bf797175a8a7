// Lua text that several scripts share, interpolated into each script's source (a script's
// KEYS/ARGV contract stays in its own header). Each takes the Lua expressions it works on.
import { BACKLOG_TAG, TASK_FIELDS } from '../wire/fields.js';

/** Lua: `local <name>` = Redis time in ms as a string (an entry id's first part). */
export const luaNowMs = (name: string) => `local ${name} = redis.call('TIME')
${name} = ${name}[1] .. string.format('%03d', math.floor(tonumber(${name}[2]) / 1000))`;

/** Lua: the backlog member tag for sequence number `seq`; 14 hex digits, so equal scores come out FIFO. */
export const luaBacklogTag = (seq: string) => `'${BACKLOG_TAG}' .. string.format('%014x', ${seq})`;
// (luaBacklogMember spells the tag inside its opening '["' literal: one concatenation less per publish.)

/** Lua: a published task's backlog member: its tag, its origin (the id publish returned), then `rest` (the fields as JSON without '['). */
export const luaBacklogMember = (seq: string, id: string, rest: string) =>
  `'["${BACKLOG_TAG}' .. string.format('%014x', ${seq}) .. '","${TASK_FIELDS.origin}","' .. ${id} .. '",' .. ${rest}`;

/**
 * Lua: put `task` (a decoded member) in the queue of its requirement `req` (JSON), re-tagged
 * with a new sequence number from `seqKey`, scored by `order` (-seq, LIFO, when it has none),
 * and count it in the hash `countsKey` (resources).
 */
export const luaQueueByRequirement = (o: {
  seqKey: string;
  countsKey: string;
  prefix: string;
  req: string;
  order: string;
}) =>
  `local seq = redis.call('INCR', ${o.seqKey})
task[1] = ${luaBacklogTag('seq')}
redis.call('ZADD', ${o.prefix} .. redis.sha1hex(${o.req}), tonumber(${o.order}) or -seq, cjson.encode(task))
redis.call('HINCRBY', ${o.countsKey}, ${o.req}, 1)`;

/**
 * Lua: `local wakeId, lastId`, the newest ids of the wake stream and the stream when the
 * dispatch moved nothing (the consumer blocks on both from there), else '0-0'.
 */
export const luaWakeIds = (wakeKey: string, stream: string) => `local wakeId, lastId = '0-0', '0-0'
if moved == 0 then
  local w = redis.call('XREVRANGE', ${wakeKey}, '+', '-', 'COUNT', 1)
  if w[1] then wakeId = w[1][1] end
  local s = redis.call('XREVRANGE', ${stream}, '+', '-', 'COUNT', 1)
  if s[1] then lastId = s[1][1] end
end`;

/** Lua: `parseId(id)` → ms, seq of a stream id; `idLess(a, b)`: whether id a comes before id b. */
export const LUA_ID_LESS = `local function parseId(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function idLess(a, b)
  local am, as = parseId(a)
  local bm, bs = parseId(b)
  return am < bm or (am == bm and as < bs)
end`;
