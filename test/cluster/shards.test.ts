// One logical stream, 8 shards, on a 3-master cluster: every entry handled once, keys stay on
// their shard, and the shards (so the load) spread over all three masters.
import { Producer, ShardedConsumer, shardNames, shardOf } from '@sluice/core';
import { openConnection, streamKeys } from '@sluice/core/plugin';
import { results } from '@sluice/results';
import { keySlot as keySlotOf, randomPrefix, startCluster, type TestCluster, until } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUrl, masterOf } from './cluster-url.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ masters: 3 });
});
afterAll(() => cluster?.stop());

describe('sharded streams on a 3-master cluster', () => {
  it('spreads 8 shards over all masters and handles every entry once, by two consumers', async () => {
    const prefix = randomPrefix('shards');
    const url = clusterUrl(cluster);
    const producer = new Producer({ url, prefix, shards: { orders: 8 } });
    const seen = new Map<number, number>();
    const shardOfEntry = new Map<number, string>();
    const make = (name: string) =>
      new ShardedConsumer<{ n: number; key: string }>({
        url,
        prefix,
        stream: 'orders',
        group: 'g',
        consumer: name,
        shards: 8,
        blockMs: 200,
        concurrency: 16,
        use: () => [results()],
        handler: (job, ctx) => {
          seen.set(job.n, (seen.get(job.n) ?? 0) + 1);
          shardOfEntry.set(job.n, ctx.stream);
        },
      });
    const consumers = [make('a'), make('b')];
    for (const c of consumers) c.on('error', () => {});
    await Promise.all(consumers.map((c) => c.start()));

    const total = 2400;
    const jobs = Array.from({ length: total }, (_, n) => ({ n, key: `k${n % 200}` }));
    await Promise.all(jobs.map((j) => producer.publish('orders', j, { key: j.key })));
    await until(() => seen.size === total, 60_000, 'every entry');

    const names = shardNames('orders', 8);
    const { client } = await openConnection({ url }, () => {});
    // Drained: nothing pending on any shard, one result per entry across the shards.
    await until(async () => {
      let pending = 0;
      for (const s of names)
        pending += Number((await client.sendCommand<[number]>(['XPENDING', streamKeys(s, prefix).stream, 'g']))[0]);
      return pending === 0;
    });
    let resultsCount = 0;
    const perMaster = new Map<number, number>();
    for (const s of names) {
      const keys = streamKeys(s, prefix);
      resultsCount += Number(await client.sendCommand(['XLEN', keys.results]));
      const len = Number(await client.sendCommand(['XLEN', keys.stream]));
      const port = masterOf(cluster, keys.stream);
      perMaster.set(port, (perMaster.get(port) ?? 0) + len);
    }
    expect(resultsCount).toBe(total);
    expect([...seen.values()].every((times) => times === 1)).toBe(true);
    // A key always lands on the shard its hash names.
    for (const { n, key } of jobs) expect(shardOfEntry.get(n)).toBe(names[shardOf(key, 8)]);
    // Load per master: all three serve shards, each share within 10 points of a third.
    expect(perMaster.size).toBe(3);
    const shares = [...perMaster.values()].map((v) => v / total);
    console.log(`per-master share of entries: ${shares.map((s) => `${(s * 100).toFixed(1)}%`).join(' / ')}`);
    for (const share of shares) expect(Math.abs(share - 1 / 3)).toBeLessThanOrEqual(0.1);

    await Promise.all(consumers.map((c) => c.close()));
    await producer.close();
    await client.close();
  });

  it('names shards so that 8 of them fall 3/3/2 on three equal slot ranges', () => {
    const names = shardNames('anything', 8);
    expect(new Set(names).size).toBe(8);
    const third = (name: string) => Math.floor((masterSlot(name) * 3) / 16384);
    const counts = [0, 0, 0];
    for (const n of names) counts[third(n)] = (counts[third(n)] ?? 0) + 1;
    expect([...counts].sort()).toEqual([2, 3, 3]);
  });
});

function masterSlot(name: string): number {
  return keySlotOf(streamKeys(name, 'sluice').stream);
}
