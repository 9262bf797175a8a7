// The keyed row: one logical stream of 8 shards on one Redis, 200 keys, drained by a
// ShardedConsumer with and without `ordered` (per-key order through shard leases, one entry per
// key at a time until acked). The backlog is published untimed; the clock runs from start to
// the last settle.
import { Producer, ShardedConsumer, shardNames } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { timedDrain } from './clock.js';
import { drainOptions } from './consume.js';
import type { BenchPayload } from './payload.js';
import type { RowContext } from './row.js';
import type { Sample } from './sample.js';

const STREAM = 'bench';
const SHARDS = 8;
export const KEYED_KEYS = 200;

/** ShardedConsumer, 8 shards, concurrency 100: entries of one key may run at once. */
export const sluiceShardedConsume = (ctx: RowContext) => shardedConsume(ctx, false);

/** The same with `ordered: true`: one entry per key at a time, in publish order. */
export const sluiceKeyedConsume = (ctx: RowContext) => shardedConsume(ctx, true);

async function shardedConsume({ env, data, opts, hooks }: RowContext, ordered: boolean): Promise<Sample> {
  const prefix = env.prefix(ordered ? 'keyed' : 'sharded');
  const producer = new Producer({ url: env.url, prefix, shards: { [STREAM]: SHARDS } });
  for (let start = 0; start < data.length; start += opts.window) {
    const calls: Promise<string>[] = [];
    for (let i = start; i < Math.min(data.length, start + opts.window); i++) {
      const p = data[i] as BenchPayload;
      calls.push(producer.publish(STREAM, p, { key: `k${p.n % KEYED_KEYS}` }));
    }
    await Promise.all(calls);
  }
  await producer.close();
  const consumer = new ShardedConsumer<BenchPayload, number>({
    ...drainOptions(env, prefix, opts),
    shards: SHARDS,
    ordered,
  });
  const sample = await timedDrain(consumer, data.length, env.nodes, hooks);
  let pending = 0;
  for (const shard of shardNames(STREAM, SHARDS)) {
    const [n] = (await env.admin.sendCommand(['XPENDING', streamKeys(shard, prefix).stream, 'g'])) as [number];
    pending += Number(n);
  }
  if (pending !== 0) throw new Error(`sluice ${ordered ? 'keyed' : 'sharded'} consume: ${pending} still pending`);
  await env.cleanup(prefix);
  return sample;
}
