import { Script } from '@sluice/core/plugin';

/**
 * reap: remove consumers that have been idle longer than a threshold AND own no pending
 * entries. The check and XGROUP DELCONSUMER run in one script, so a consumer that gains an
 * entry in between is never removed: DELCONSUMER would drop its pending work.
 *
 * KEYS[1]  stream
 * ARGV[1]  group
 * ARGV[2]  idle threshold, ms
 * ARGV[3]  the calling consumer (never removed)
 *
 * Returns the names removed.
 */
export const reapScript = new Script(
  'reap',
  `
local threshold = tonumber(ARGV[2])
local removed = {}
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] ~= ARGV[3] and tonumber(info['pending']) == 0 and tonumber(info['idle']) > threshold then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed[#removed + 1] = info['name']
  end
end
return removed
`,
);
