import { Script } from '../redis/script.js';

/**
 * Idempotent publish, the semantics of Redis 8.6 `XADD IDMP <pid> <iid>` done in Lua on
 * Redis 7.0: a marker (producer id + idempotency key) remembers the first entry's id for a
 * window; a publish with a live marker returns that id and writes nothing. State is bounded:
 * a hash marker -> id plus a zset marker -> expiry ms, swept on every call, capped at a
 * maximum count (oldest evicted first, like IDMP-MAXSIZE), and both keys expire when idle.
 *
 * IDMP_LUA is the hook for other publish scripts (ordered, sharded): embed it, call
 * `idmp_open(hkey, zkey, windowMs, maxKeys)` once per call, then per entry
 * `idmp_get(s, marker)` before writing and `idmp_put(s, marker, id)` after.
 */
export const IDMP_LUA = /* lua */ `
local function idmp_open(hkey, zkey, windowMs, maxKeys)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local old = redis.call('ZRANGEBYSCORE', zkey, '-inf', now, 'LIMIT', 0, 512)
  if #old > 0 then
    redis.call('HDEL', hkey, unpack(old))
    redis.call('ZREM', zkey, unpack(old))
  end
  return { h = hkey, z = zkey, now = now, window = windowMs, max = maxKeys }
end
local function idmp_get(s, marker)
  local exp = redis.call('ZSCORE', s.z, marker)
  if exp and tonumber(exp) > s.now then return redis.call('HGET', s.h, marker) end
  return nil
end
local function idmp_put(s, marker, id)
  redis.call('HSET', s.h, marker, id)
  redis.call('ZADD', s.z, s.now + s.window, marker)
  local over = redis.call('ZCARD', s.z) - s.max
  if over > 0 then
    local evicted = redis.call('ZRANGE', s.z, 0, over - 1)
    redis.call('HDEL', s.h, unpack(evicted))
    redis.call('ZREM', s.z, unpack(evicted))
  end
  redis.call('PEXPIRE', s.h, s.window)
  redis.call('PEXPIRE', s.z, s.window)
end
`;

/**
 * publish-idempotent: a batch of publishes of which at least one carries an idempotency key
 * (plain FIFO batches keep the cheaper publish script). Each item goes to the stream (XADD)
 * or, when scheduled, to the delayed set (ZADD, its id is the schedule id).
 *
 * A scheduled item that finds the delayed set at `maxDelayed` is not written (and its key not
 * remembered): the producer rejects it with a DelayedFullError.
 *
 * KEYS[1] stream   KEYS[2] delayed   KEYS[3] idmp hash   KEYS[4] idmp expiry zset
 * ARGV[1] windowMs   ARGV[2] maxKeys   ARGV[3] maxDelayed (0 = unbounded)   ARGV[4] n, the number of items
 * then per item: marker ('' = none), kind ('x' = XADD, else the due score), then
 *   for 'x': the number of field/value strings, then those strings;
 *   for a score: the delayed member and its schedule id.
 *
 * Returns { ids, dup }: dup[i] is 1 when item i returned an earlier publish's id, 2 when it was
 * not written because the delayed set is full (its id is '').
 */
export const publishIdempotentScript = new Script(
  'publish-idempotent',
  `${IDMP_LUA}
local s = idmp_open(KEYS[3], KEYS[4], tonumber(ARGV[1]), tonumber(ARGV[2]))
local maxDelayed, n, i = tonumber(ARGV[3]), tonumber(ARGV[4]), 5
local delayedSize = nil
local ids, dup = {}, {}
for e = 1, n do
  local marker, kind = ARGV[i], ARGV[i + 1]
  i = i + 2
  local first = nil
  if marker ~= '' then first = idmp_get(s, marker) end
  local id
  if kind == 'x' then
    local len = tonumber(ARGV[i])
    if not first then id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, i + 1, i + len)) end
    i = i + 1 + len
  else
    if not first then
      if maxDelayed > 0 then delayedSize = delayedSize or redis.call('ZCARD', KEYS[2]) end
      if delayedSize and delayedSize >= maxDelayed then
        id = false
      else
        redis.call('ZADD', KEYS[2], kind, ARGV[i])
        if delayedSize then delayedSize = delayedSize + 1 end
        id = ARGV[i + 1]
      end
    end
    i = i + 2
  end
  if first then
    ids[e], dup[e] = first, 1
  elseif id == false then
    ids[e], dup[e] = '', 2
  else
    if marker ~= '' then idmp_put(s, marker, id) end
    ids[e], dup[e] = id, 0
  end
end
return { ids, dup }
`,
);

/** One publish for publishIdempotentScript: an entry's fields, or a scheduled member. */
export type IdempotentItem =
  | { marker: string; fields: readonly string[]; score?: undefined; member?: undefined; id?: undefined }
  | { marker: string; score: number; member: string; id: string; fields?: undefined };

/** The marker for one idempotency key: producer id and key, unambiguous whatever they contain. */
export function idempotencyMarker(producerId: string, key: string): string {
  return `${producerId.length}:${producerId}:${key}`;
}

export function publishIdempotentArgs(
  windowMs: number,
  maxKeys: number,
  items: readonly IdempotentItem[],
  maxDelayed = 0,
): string[] {
  const args = [String(windowMs), String(maxKeys), String(maxDelayed), String(items.length)];
  for (const item of items) {
    if (item.fields) {
      args.push(item.marker, 'x', String(item.fields.length));
      for (const f of item.fields) args.push(f);
    } else args.push(item.marker, String(item.score), item.member, item.id);
  }
  return args;
}

export function parsePublishIdempotentReply(reply: unknown): { ids: string[]; dup: boolean[]; full: boolean[] } {
  const [ids, dup] = reply as [string[], number[]];
  return { ids, dup: dup.map((d) => Number(d) === 1), full: dup.map((d) => Number(d) === 2) };
}
