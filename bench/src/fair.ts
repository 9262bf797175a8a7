// The fair row: tasks spread over 1,000 keys published with `fairness: 'key'` (timed), and
// drained by a Consumer serving the keys round-robin (timed, from a backlog filled untimed).
import { Consumer, type ConsumerOptions, Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { startClock, timedDrain } from './clock.js';
import { drainOptions } from './consume.js';
import type { BenchPayload } from './payload.js';
import type { RowContext } from './row.js';
import type { Sample } from './sample.js';

const STREAM = 'bench';
const KEYS = 1000;

async function publishFair(producer: Producer, data: readonly BenchPayload[], window: number): Promise<void> {
  for (let start = 0; start < data.length; start += window) {
    const calls: Promise<string>[] = [];
    for (let i = start; i < Math.min(data.length, start + window); i++) {
      const p = data[i] as BenchPayload;
      calls.push(producer.publish(STREAM, p, { key: `k${p.n % KEYS}`, fairness: 'key' }));
    }
    await Promise.all(calls);
  }
}

/** `publish(stream, p, { key, fairness: 'key' })` per call over 1,000 keys. */
export async function sluiceFairPublish({ env, data, opts, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('fpub');
  const producer = new Producer({ url: env.url, prefix });
  await producer.connect();
  const clock = await startClock(env.nodes, hooks);
  await publishFair(producer, data, opts.window);
  const sample = await clock.stop(data.length);
  await producer.close();
  const ring = Number(await env.admin.sendCommand(['LLEN', streamKeys(STREAM, prefix).sched('ring')]));
  if (ring !== Math.min(KEYS, data.length)) throw new Error(`sluice fair publish: ${ring} active keys`);
  await env.cleanup(prefix);
  return sample;
}

/** A Consumer with `ordering: { fairness: 'key' }` drains 1,000 keys' queues. */
export const sluiceFairConsume = (ctx: RowContext) => fairConsume(ctx, { fairness: 'key' });

/** The same with at most 4 running tasks per key, fleet-wide: the key-concurrency bookkeeping's cost. */
export const sluiceKeyConcurrencyConsume = (ctx: RowContext) =>
  fairConsume(ctx, { fairness: 'key', keyConcurrency: 4 });

/** The same served by deficit round robin over learned per-key handler time. */
export const sluiceCostConsume = (ctx: RowContext) => fairConsume(ctx, { fairness: 'key', fairShare: 'cost' });

async function fairConsume(
  { env, data, opts, hooks }: RowContext,
  ordering: ConsumerOptions['ordering'],
): Promise<Sample> {
  const prefix = env.prefix('fcon');
  const producer = new Producer({ url: env.url, prefix });
  await publishFair(producer, data, opts.window);
  await producer.close();
  const consumer = new Consumer<BenchPayload, number>({ ...drainOptions(env, prefix, opts), ordering });
  const sample = await timedDrain(consumer, data.length, env.nodes, hooks);
  const keys = streamKeys(STREAM, prefix);
  const [pending] = (await env.admin.sendCommand(['XPENDING', keys.stream, 'g'])) as [number];
  const ring = Number(await env.admin.sendCommand(['LLEN', keys.sched('ring')]));
  if (Number(pending) !== 0 || ring !== 0)
    throw new Error(`sluice fair consume: ${pending} pending, ${ring} keys left`);
  await env.cleanup(prefix);
  return sample;
}
