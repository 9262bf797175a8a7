import { Script } from '../script.js';

/**
 * publish: append a batch of task entries to one stream in one call.
 *
 * KEYS[1]  the stream
 * ARGV[1]  n, the number of entries
 * ARGV[2…] per entry: m (number of field/value strings), then the m strings
 *
 * Returns the n new entry ids, in order.
 */
export const publishScript = new Script(
  'publish',
  `
local ids = {}
local n = tonumber(ARGV[1])
local i = 2
for e = 1, n do
  local m = tonumber(ARGV[i])
  ids[e] = redis.call('XADD', KEYS[1], '*', unpack(ARGV, i + 1, i + m))
  i = i + m + 1
end
return ids
`,
);
