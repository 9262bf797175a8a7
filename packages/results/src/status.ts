// status(): where one task is now. The PEL and the group positions are read in one script
// (atomic), then the result stream is scanned, so an entry is never seen "nowhere" while
// it moves from pending to processing to done.

import type { ResultEntry } from '@sluice/core/plugin';
import { LUA_ID_LESS, Script } from '@sluice/core/plugin';

/**
 * task-state: is an entry processing (in a group's PEL), still to be delivered, or neither?
 *
 * KEYS[1]  stream
 * ARGV[1]  entry id
 * ARGV[2]  group name, or '' for every group of the stream
 *
 * Returns {'processing', group, consumer, idleMs, deliveries} · {'pending'} (in the stream,
 * not yet delivered to some group) · {'done'} (in the stream, delivered and acked) · {'absent'}.
 */
export const taskStateScript = new Script(
  'task-state',
  `
local key, id, only = KEYS[1], ARGV[1], ARGV[2]
if redis.call('EXISTS', key) == 0 then return {'absent'} end
${LUA_ID_LESS}
local groups = {}
for _, info in ipairs(redis.call('XINFO', 'GROUPS', key)) do
  local g = {}
  for i = 1, #info, 2 do g[info[i]] = info[i + 1] end
  if only == '' or g['name'] == only then table.insert(groups, g) end
end
for _, g in ipairs(groups) do
  local p = redis.call('XPENDING', key, g['name'], id, id, 1)
  if #p == 1 then return {'processing', g['name'], p[1][2], p[1][3], p[1][4]} end
end
if #redis.call('XRANGE', key, id, id) == 0 then return {'absent'} end
if #groups == 0 then return {'pending'} end
for _, g in ipairs(groups) do
  if idLess(g['last-delivered-id'], id) then return {'pending'} end
end
return {'done'}
`,
);

export type TaskStatus = 'pending' | 'processing' | 'ok' | 'failed' | 'dead' | 'unknown';

export type TaskState<R = unknown> =
  | {
      /** Waiting: not yet delivered, or a retry is scheduled (then `retryAt` and `attempt` tell when and which). */
      status: 'pending';
      retryAt?: number;
      attempt?: number;
    }
  | {
      /** In a group's pending entries list: a consumer holds it. */
      status: 'processing';
      group: string;
      consumer: string;
      /** How many times Redis delivered it. */
      deliveries: number;
      /** Time since its last delivery. */
      idleMs: number;
    }
  | { status: 'ok' | 'failed' | 'dead'; result: ResultEntry<R> }
  | { status: 'unknown' };

/** The script's answer, typed. */
export type RawTaskState =
  | { state: 'processing'; group: string; consumer: string; idleMs: number; deliveries: number }
  | { state: 'pending' | 'done' | 'absent' };

export function parseTaskState(reply: unknown): RawTaskState {
  const r = reply as unknown[];
  const state = String(r[0]);
  if (state === 'processing') {
    return { state, group: String(r[1]), consumer: String(r[2]), idleMs: Number(r[3]), deliveries: Number(r[4]) };
  }
  if (state === 'pending' || state === 'done') return { state };
  return { state: 'absent' };
}
