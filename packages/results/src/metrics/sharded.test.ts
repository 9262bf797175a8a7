// One sluiceMetrics() instance serving every shard of a ShardedConsumer (whose shard consumers
// share one name): each outcome is counted under its own shard's `stream` label.
import { ShardedConsumer, shardNames, shardOf } from '@sluice/core';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Harness, harness, until } from '../test-util/harness.js';
import { sluiceMetrics } from './plugin.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('metrics-shards');
});
afterEach(() => h.close());

async function processed(register: Registry): Promise<Map<string, number>> {
  const metric = (await register.getMetricsAsJSON()).find((m) => m.name === 'sluice_processed_total');
  const out = new Map<string, number>();
  for (const v of (metric?.values ?? []) as Array<{ labels: Record<string, string>; value: number }>)
    if (v.labels.status === 'ok') out.set(v.labels.stream as string, v.value);
  return out;
}

it('counts each shard under its own stream label with one instance for all shards', async () => {
  const register = new Registry();
  const metrics = sluiceMetrics({ register, cacheMs: 0 });
  const shards = 4;
  const consumer = h.track(
    new ShardedConsumer({
      url: h.url,
      prefix: h.prefix,
      stream: 'orders',
      group: 'g',
      consumer: 'one-name',
      shards,
      startId: '0',
      blockMs: 100,
      use: () => [metrics],
      handler: () => {},
    }),
  );
  consumer.on('error', () => {});
  await consumer.start();
  const producer = h.producer({ shards: { orders: shards } });
  const keys = Array.from({ length: 40 }, (_, n) => `k${n}`);
  await Promise.all(keys.map((key) => producer.publish('orders', { key }, { key })));
  const expected = new Map<string, number>();
  for (const key of keys) {
    const shard = shardNames('orders', shards)[shardOf(key, shards)] as string;
    expected.set(shard, (expected.get(shard) ?? 0) + 1);
  }
  await until(async () => [...(await processed(register)).values()].reduce((a, b) => a + b, 0) === keys.length);
  expect(await processed(register)).toEqual(expected);
});
