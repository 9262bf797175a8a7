import { Script } from '../redis/script.js';
import { LIMIT_FIELDS as L } from '../wire/fields.js';

/**
 * schedule: add scheduled publishes to the delayed set, within its bound. Members past the
 * bound are not written (the producer rejects their publishes with a DelayedFullError), so
 * nothing is dropped silently. Records the bound in the `:limits` hash for `sluice inspect`.
 * Retries (the settle script) are not bounded here: they are work already accepted.
 *
 * KEYS[1] delayed zset   KEYS[2] limits hash
 * ARGV[1] maxDelayed (0 = unbounded)   ARGV[2..] score, member pairs
 *
 * Returns { added, size before }: the first `added` pairs were written.
 */
export const scheduleScript = new Script(
  'schedule',
  /* lua */ `
local max = tonumber(ARGV[1])
local n = (#ARGV - 1) / 2
local size = redis.call('ZCARD', KEYS[1])
local room = n
if max > 0 then room = math.max(0, math.min(n, max - size)) end
-- In chunks: unpack() of tens of thousands of arguments overflows Lua's stack.
for first = 0, room - 1, 500 do
  local last = math.min(room, first + 500) - 1
  redis.call('ZADD', KEYS[1], unpack(ARGV, 2 + 2 * first, 3 + 2 * last))
end
redis.call('HSET', KEYS[2], '${L.delayedMax}', ARGV[1])
return { room, size }
`,
);

export function parseScheduleReply(reply: unknown): { added: number; size: number } {
  const [added, size] = (reply as number[]).map(Number);
  return { added: added ?? 0, size: size ?? 0 };
}
