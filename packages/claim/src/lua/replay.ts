import { Script, TASK_FIELDS } from '@sluice/core/plugin';

/**
 * replay: move a batch of dead letters back into their stream, atomically per batch. Each
 * dead letter still in the DLQ becomes a new task entry (the dead-letter bookkeeping fields
 * dropped, so `attempt` starts again at 1; `origin` kept) and is deleted from the DLQ in the
 * same call. A dead letter already gone (replayed by a concurrent or earlier run) is skipped,
 * so running a replay twice never replays anything twice.
 *
 * KEYS[1]  dlq     KEYS[2]  stream
 * ARGV[1]  k, the number of field names to drop
 * ARGV[2…k+1]  field names to drop (dead-letter fields except `origin`)
 * ARGV[k+2…]   dead-letter ids
 *
 * Returns one string per id: the new entry id, 'gone' (not in the DLQ), or 'invalid'
 * (no `data` field: not a task; left in the DLQ).
 */
export const replayScript = new Script(
  'replay',
  `
local k = tonumber(ARGV[1])
local drop = {}
for i = 2, k + 1 do drop[ARGV[i]] = true end
local out = {}
for i = k + 2, #ARGV do
  local id = ARGV[i]
  local found = redis.call('XRANGE', KEYS[1], id, id)
  if #found == 0 then
    out[#out + 1] = 'gone'
  else
    local fields, task, hasData = found[1][2], {}, false
    for j = 1, #fields, 2 do
      local name = fields[j]
      if not drop[name] then
        task[#task + 1] = name
        task[#task + 1] = fields[j + 1]
        if name == '${TASK_FIELDS.data}' then hasData = true end
      end
    end
    if hasData then
      out[#out + 1] = redis.call('XADD', KEYS[2], '*', unpack(task))
      redis.call('XDEL', KEYS[1], id)
    else
      out[#out + 1] = 'invalid'
    end
  end
end
return out
`,
);
