// Ordered consumers with the usual plugins: recovery() (its retry policy never applies: ordered
// retries are in place) and results() (one result entry per outcome, in each shard's stream).
import { recovery } from '@sluice/claim';
import { Producer, ShardedConsumer, shardNames } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { results } from '@sluice/results';
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

type Job = { key: string; seq: number };

describe('ordered consumers with recovery() and results()', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('ordered-plugins');
  });
  afterEach(() => h.close());

  it('retries in place (not through :delayed), dead-letters after ordered attempts, records one result per entry', async () => {
    const seen: string[] = [];
    const c = h.track(
      new ShardedConsumer<Job>({
        url: h.url,
        prefix: h.prefix,
        stream: 'orders',
        group: 'g',
        shards: 4,
        startId: '0',
        blockMs: 100,
        ordered: { leaseMs: 1000, attempts: 2, backoffMs: 10 },
        use: () => [recovery({ attempts: 5, minIdleMs: 2000 }), results()],
        handler: (job, ctx) => {
          seen.push(`${job.key}:${job.seq}/${ctx.attempt}`);
          if (job.key === 'bad' && job.seq === 0) throw new Error('always');
          return job.seq;
        },
      }),
    );
    c.on('error', () => {});
    await c.start();
    await until(() => c.held.length === 4, 10_000, 'all leases');
    const producer = h.track(new Producer({ url: h.url, prefix: h.prefix, shards: { orders: 4 } }));
    for (let seq = 0; seq < 3; seq++)
      for (const key of ['bad', 'good']) await producer.publish('orders', { key, seq }, { key });

    const shards = shardNames('orders', 4).map((s) => streamKeys(s, h.prefix));
    const count = async (key: 'results' | 'dlq' | 'delayed') => {
      let n = 0;
      for (const k of shards) n += Number(await h.redis.sendCommand([key === 'delayed' ? 'ZCARD' : 'XLEN', k[key]]));
      return n;
    };
    await until(async () => (await count('results')) === 6, 10_000, 'six results');
    expect(seen.filter((s) => s.startsWith('bad:'))).toEqual(['bad:0/1', 'bad:0/2', 'bad:1/1', 'bad:2/1']);
    expect(await count('dlq')).toBe(1);
    expect(await count('delayed')).toBe(0);
  });
});
