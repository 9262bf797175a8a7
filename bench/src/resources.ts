// The resources row: tasks published with `requires` (3 requirement shapes, priorities 1..10)
// and drained (timed, from queues filled untimed) by one Consumer with `capacity`: once with a
// capacity that never binds (the resource dispatch's own cost), once with one that does (each
// dispatch takes a task or two as capacity frees; see docs/allocation.md, "Resources").
import { Consumer, Producer } from '@sluice/core';
import { readResourceState, streamKeys } from '@sluice/core/plugin';
import { timedDrain } from './clock.js';
import { drainOptions } from './consume.js';
import type { BenchPayload } from './payload.js';
import type { RowContext } from './row.js';
import type { Sample } from './sample.js';

const STREAM = 'bench';

/** A fixed pseudo-random shape and priority per entry, the same for every run. */
const cpuOf = (n: number) => 1 + (n % 3);
const priorityOf = (n: number) => 1 + ((n * 2654435761) % 10);

/** Capacity far above what `concurrency` can run: the dispatch never waits for capacity. */
export const sluiceResourcesConsume = (ctx: RowContext) => resourcesConsume(ctx, 'rcon', 1_000_000);
/** `cpu: 40` for tasks needing 1–3: about 20 run at once, each release triggers a dispatch. */
export const sluiceResourcesBoundConsume = (ctx: RowContext) => resourcesConsume(ctx, 'rbnd', 40);

async function resourcesConsume({ env, data, opts, hooks }: RowContext, label: string, cpu: number): Promise<Sample> {
  const prefix = env.prefix(label);
  const producer = new Producer({ url: env.url, prefix });
  for (let start = 0; start < data.length; start += opts.window) {
    const calls: Promise<string>[] = [];
    for (let i = start; i < Math.min(data.length, start + opts.window); i++) {
      const p = data[i] as BenchPayload;
      calls.push(producer.publish(STREAM, p, { requires: { cpu: cpuOf(p.n) }, priority: priorityOf(p.n) }));
    }
    await Promise.all(calls);
  }
  await producer.close();
  const consumer = new Consumer<BenchPayload, number>({ ...drainOptions(env, prefix, opts), capacity: { cpu } });
  const sample = await timedDrain(consumer, data.length, env.nodes, hooks);
  const keys = streamKeys(STREAM, prefix);
  const [pending] = (await env.admin.sendCommand(['XPENDING', keys.stream, 'g'])) as [number];
  const { queued } = await readResourceState(env.admin, keys);
  if (Number(pending) !== 0 || queued !== 0)
    throw new Error(`sluice resources consume: ${pending} pending, ${queued} still queued`);
  await env.cleanup(prefix);
  return sample;
}
