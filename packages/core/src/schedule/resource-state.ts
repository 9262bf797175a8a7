// A read-only view of a stream's resource scheduling (docs/allocation.md, "Resources") for
// `sluice inspect` and the `sluice_unschedulable` metric: live capacity records, queued tasks
// per requirement shape, and which shapes no live consumer could run.
import type { StreamKeys } from '../keys.js';
import { resourceKeys } from '../lua/resources.js';
import type { RedisClient } from '../redis/connection.js';
import { fits, type Resources } from './capacity.js';

export interface ResourceState {
  /** Consumers whose capacity record has not expired. */
  consumers: { name: string; capacity: Resources; expiresInMs: number }[];
  /** Queued tasks by requirement; `unschedulable` when no live consumer's capacity covers it. */
  shapes: { requires: Resources; tasks: number; unschedulable: boolean }[];
  /** Tasks waiting for resources. */
  queued: number;
  /** Queued tasks no live consumer could ever run. */
  unschedulable: number;
}

/** Four reads (TIME, ZRANGE, HGETALL × 2); no writes, so expired records are only skipped. */
export async function readResourceState(client: RedisClient, keys: StreamKeys): Promise<ResourceState> {
  const rk = resourceKeys(keys);
  const [time, nodes, caps, shapes] = await Promise.all([
    client.sendCommand<[string, string]>(['TIME']),
    client.sendCommand<string[]>(['ZRANGE', rk.nodes, '0', '-1', 'WITHSCORES']),
    client.sendCommand<string[] | Record<string, string>>(['HGETALL', rk.caps]),
    client.sendCommand<string[] | Record<string, string>>(['HGETALL', rk.shapes]),
  ]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const capOf = pairs(caps);
  const consumers: ResourceState['consumers'] = [];
  for (let i = 0; i + 1 < nodes.length; i += 2) {
    const expires = Number(nodes[i + 1]);
    const json = capOf.get(nodes[i] as string);
    if (expires < now || json === undefined) continue;
    const capacity = parse(json);
    if (capacity) consumers.push({ name: nodes[i] as string, capacity, expiresInMs: expires - now });
  }
  const state: ResourceState = { consumers, shapes: [], queued: 0, unschedulable: 0 };
  for (const [json, count] of pairs(shapes)) {
    const requires = parse(json) ?? {};
    const tasks = Number(count);
    const unschedulable = !consumers.some((c) => fits(requires, c.capacity));
    state.shapes.push({ requires, tasks, unschedulable });
    state.queued += tasks;
    if (unschedulable) state.unschedulable += tasks;
  }
  return state;
}

function pairs(reply: string[] | Record<string, string>): Map<string, string> {
  if (!Array.isArray(reply)) return new Map(Object.entries(reply));
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(reply[i] as string, reply[i + 1] as string);
  return out;
}

function parse(json: string): Resources | undefined {
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Resources) : undefined;
  } catch {
    return undefined;
  }
}
