// Results of a sharded logical stream read as one stream: waits and status on the key's shard,
// reads and tails merged over every shard.
import { ConfigError, ShardedConsumer, shardNames, shardOf } from '@sluice/core';
import { until } from '@sluice/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { results } from './plugin.js';
import { ShardedResults, type ShardResultEntry } from './sharded.js';
import { type Harness, harness } from './test-util/harness.js';

const SHARDS = 4;

describe('ShardedResults', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('sharded-res');
  });
  afterEach(() => h.close());

  it('waits on the shard of a key, reads and tails every shard as one stream', async () => {
    const consumer = h.track(
      new ShardedConsumer<{ n: number }, number>({
        url: h.url,
        prefix: h.prefix,
        stream: 'orders',
        group: 'g',
        shards: SHARDS,
        startId: '0',
        blockMs: 100,
        use: () => [results()],
        handler: ({ n }) => n * 10,
      }),
    );
    consumer.on('error', () => {});
    await consumer.start();
    const res = h.track(
      new ShardedResults({ url: h.url, prefix: h.prefix, stream: 'orders', shards: SHARDS, blockMs: 100 }),
    );
    const tailed: ShardResultEntry<number>[] = [];
    const stop = new AbortController();
    const tailing = (async () => {
      for await (const r of res.tail<number>({ signal: stop.signal })) tailed.push(r);
    })();
    // Let every shard's tail take its starting point before anything is written.
    await new Promise((r) => setTimeout(r, 100));

    const producer = h.producer({ shards: { orders: SHARDS } });
    const keys = Array.from({ length: 20 }, (_, n) => `customer-${n}`);
    const ids = await Promise.all(keys.map((key, n) => producer.publish('orders', { n }, { key })));
    const names = shardNames('orders', SHARDS);

    const waited = await Promise.all(ids.map((id, n) => res.waitFor<number>(id, { key: keys[n] as string })));
    expect(waited.map((r) => r.result)).toEqual(keys.map((_, n) => n * 10));
    for (const [n, r] of waited.entries()) expect(r.stream).toBe(names[shardOf(keys[n] as string, SHARDS)]);
    expect((await res.status(ids[3] as string, { key: keys[3] as string })).status).toBe('ok');
    const shard = shardOf(keys[3] as string, SHARDS);
    expect((await res.status(ids[3] as string, { shard })).status).toBe('ok');
    expect((await res.status(ids[3] as string, { shard: names[shard] as string })).status).toBe('ok');

    const all = await res.read<number>({ count: 1000 });
    expect(all.map((r) => r.result).sort((a, b) => (a as number) - (b as number))).toEqual(keys.map((_, n) => n * 10));
    expect(new Set(all.map((r) => r.stream)).size).toBeGreaterThan(1);
    for (let i = 1; i < all.length; i++)
      expect(Number((all[i] as ShardResultEntry).resultId.split('-')[0])).toBeGreaterThanOrEqual(
        Number((all[i - 1] as ShardResultEntry).resultId.split('-')[0]),
      );
    expect(await res.read({ count: 5 })).toHaveLength(5);

    await until(() => tailed.length === keys.length, 10_000, 'every result tailed');
    expect(new Set(tailed.map((r) => r.id))).toEqual(new Set(ids));
    stop.abort();
    await tailing;
  });

  it('rejects bad options and unknown shards with a ConfigError', () => {
    const base = { url: h.url, stream: 'orders' };
    expect(() => new ShardedResults({ ...base, shards: 0 })).toThrow(ConfigError);
    expect(() => new ShardedResults({ ...base, shards: 2, blokMs: 1 } as never)).toThrow(/unknown option "blokMs"/);
    expect(() => new ShardedResults({ ...base, shards: 2 }).indexOf({ shard: 5 })).toThrow(/no shard 5/);
  });
});
