import { KEY_ROLES } from '../keys.js';
import { compareIds } from '../redis/ids.js';
import { Script } from '../redis/script.js';
import type { Outcome, SettleWrite } from '../wire/outcome.js';
import { FENCE_TRUST_MS } from './fence.js';
import { packTemplates, pushRow, pushTemplate, type RowShape, type Template } from './pack.js';

/**
 * settle: apply a batch of outcomes for one stream atomically. First the owner check
 * (fencing) for the whole batch with one XPENDING range read of this consumer's own PEL,
 * skipped when every entry was delivered too recently for any claimer to have taken it
 * (Redis time; the window and its assumptions: docs/recovery.md, lua/fence.ts);
 * then per outcome the writes plugins asked for (result entry, retry into the delayed
 * set, dead letter); then one XACK for every acked entry. A fenced outcome is skipped whole.
 * Writes come column-packed (pack.ts): each is a command template (XADD or ZADD, with the
 * strings all writes of its shape share) plus the strings that differ.
 *
 * KEYS[1]  stream     KEYS[2]  delayed (zset)     KEYS[3]  dlq     KEYS[4]  results
 * KEYS[5]  claimers (hash: group -> the smallest min idle time any reclaimer registered)
 * KEYS[6]  optional, with key concurrency: running (hash: entry id -> key)     KEYS[7]  wake stream
 * ARGV[1]  group
 * ARGV[2]  consumer (the owner the fence expects)
 * ARGV[3]  '1' to check ownership, '0' to skip the check, or a Redis time in ms at or before
 *          which every entry of the batch was delivered: check unless that is under the window
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
 * then     with KEYS[6]: the hold prefix and the key queue prefix (lua/dispatch.ts): each acked
 *          entry that holds a slot of its key releases it; a key with queued tasks wakes the fleet
 *
 * Returns the 1-based positions of the fenced outcomes (the entry is no longer pending for this
 * consumer); empty when all were applied, the common case: no reply of n integers to build.
 */
export const settleScript = new Script(
  'settle',
  `
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local fence = ARGV[3] ~= '0'
if fence and ARGV[3] ~= '1' and KEYS[5] then
  local window = ${FENCE_TRUST_MS}
  local claimIdle = tonumber(redis.call('HGET', KEYS[5], group))
  if claimIdle then window = math.min(window, math.floor(claimIdle / 2)) end
  local t = redis.call('TIME')
  fence = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[3]) >= window
end
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
local fenced, acks = {}, {}
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
  if not owned then fenced[#fenced + 1] = o end
end
for a = 1, #acks, 1000 do
  redis.call('XACK', stream, group, unpack(acks, a, math.min(a + 999, #acks)))
end
if KEYS[6] and #acks > 0 then
  local hp, qp, wake = ARGV[i], ARGV[i + 1], false
  for a = 1, #acks, 1000 do
    local last = math.min(a + 999, #acks)
    local owners, gone = redis.call('HMGET', KEYS[6], unpack(acks, a, last)), {}
    for j = a, last do
      local key = owners[j - a + 1]
      if key then
        redis.call('ZREM', hp .. key, acks[j])
        gone[#gone + 1] = acks[j]
        if not wake and redis.call('EXISTS', qp .. key) == 1 then wake = true end
      end
    end
    if #gone > 0 then redis.call('HDEL', KEYS[6], unpack(gone)) end
  end
  if wake then redis.call('XADD', KEYS[7], 'MAXLEN', '1', '*', 'n', '0') end
end
return fenced
`,
);

const keyIndex = Object.fromEntries(KEY_ROLES.map((role, i) => [role, String(i + 1)])) as Record<string, string>;

/**
 * The fence reads this consumer's PEL between the batch's lowest and highest id, at most
 * this many entries: the batch itself plus room for other entries it holds in that range.
 */
export function fenceLimit(batchSize: number): number {
  return 2 * batchSize + 256;
}

/** A settle write as the command the script runs: XADD/ZADD with '' in the key's slot. */
export const writeShape: RowShape<SettleWrite> = {
  same: (a, b) => a.op === b.op && a.key === b.key && writeShape.length(a) === writeShape.length(b),
  length: (w) => (w.op === 'zadd' ? 4 : (w.trim ? 6 : 3) + w.fields.length),
  at(w, j) {
    if (w.op === 'zadd') return j === 0 ? 'ZADD' : j === 1 ? '' : j === 2 ? String(w.score) : w.member;
    const head = w.trim ? 6 : 3;
    if (j >= head) return w.fields[j - head] as string;
    if (j === 0) return 'XADD';
    if (j === 1) return '';
    if (!w.trim) return '*';
    return j === 2 ? w.trim.kind : j === 3 ? '~' : j === 4 ? w.trim.value : '*';
  },
};

/**
 * `fence`: true checks ownership, false skips the check, a number (Redis ms at or before which
 * every entry of the batch was delivered) checks unless the batch is younger than the window.
 */
export function settleArgs(
  group: string,
  consumer: string,
  fence: boolean | number,
  batch: readonly Outcome[],
  release?: { holdPrefix: string; queuePrefix: string },
): string[] {
  let low = batch[0]?.entry.id ?? '0-0';
  let high = low;
  const writes: SettleWrite[] = [];
  const owners: string[] = [];
  const code = (o: Outcome) => 2 * o.writes.length + (o.ack ? 1 : 0);
  let shared: number | undefined = batch[0] ? code(batch[0]) : 0;
  for (const o of batch) {
    const id = o.entry.id;
    if (compareIds(id, low) < 0) low = id;
    if (compareIds(id, high) > 0) high = id;
    if (shared !== undefined && code(o) !== shared) shared = undefined;
    for (const w of o.writes) {
      writes.push(w);
      owners.push(id);
    }
  }
  const { templates, of } = packTemplates(writes, writeShape, owners);
  const mode = fence === true ? '1' : fence === false ? '0' : String(fence);
  const args = [group, consumer, mode, String(batch.length), low, high, String(fenceLimit(batch.length))];
  args.push(String(templates.length), shared === undefined ? '' : String(shared));
  for (const t of templates) {
    args.push(keyIndex[t.first.key] as string);
    pushTemplate(args, t, writeShape);
  }
  let w = 0;
  for (const o of batch) {
    args.push(o.entry.id);
    if (shared === undefined) args.push(String(code(o)));
    for (const write of o.writes) {
      const t = of[w++] as number;
      if (templates.length > 1) args.push(String(t + 1));
      pushRow(args, templates[t] as Template<SettleWrite>, write, writeShape);
    }
  }
  if (release) args.push(release.holdPrefix, release.queuePrefix);
  return args;
}

/** Split a batch by the script's reply, the positions of fenced outcomes (someone else owns those entries now). */
export function parseSettleReply<O>(reply: unknown, batch: readonly O[]): { applied: O[]; fenced: O[] } {
  const positions = reply as number[];
  if (positions.length === 0) return { applied: batch as O[], fenced: [] };
  const flags = settleFlags(reply, batch.length);
  const applied: O[] = [];
  const fenced: O[] = [];
  for (let i = 0; i < batch.length; i++) (flags[i] === 1 ? applied : fenced).push(batch[i] as O);
  return { applied, fenced };
}

/** The reply as one flag per outcome: 1 applied, 0 fenced. */
export function settleFlags(reply: unknown, n: number): number[] {
  const flags = new Array<number>(n).fill(1);
  for (const p of reply as number[]) flags[p - 1] = 0;
  return flags;
}
