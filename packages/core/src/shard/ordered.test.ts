// Ordered sharded consumers in one process: shard leases spread over the consumers, entries
// of one key run one at a time in publish order, failures retry in place, blocking their key.

import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { ShardedConsumer, type ShardedConsumerOptions } from './consumer.js';
import { shardNames, shardOf } from './route.js';

interface Run {
  key: string;
  seq: number;
  attempt: number;
  start: number;
  end: number;
  consumer: string;
}
type Job = { key: string; seq: number };

/** Record a handler run in `runs` from its start to the end of `work`. */
async function recordRun(
  runs: Run[],
  consumer: string,
  job: Job,
  attempt: number,
  work: Promise<unknown>,
): Promise<void> {
  const run = { key: job.key, seq: job.seq, attempt, start: performance.now(), end: 0, consumer };
  runs.push(run);
  await work;
  run.end = performance.now();
}

describe('ordered sharded consumer', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('ordered');
  });
  afterEach(() => h.close());

  const make = (name: string, runs: Run[], more: Partial<ShardedConsumerOptions<Job>> = {}) => {
    const c = new ShardedConsumer<Job>({
      url: h.url,
      prefix: h.prefix,
      stream: 'orders',
      group: 'g',
      consumer: name,
      shards: 4,
      startId: '0',
      blockMs: 100,
      concurrency: 8,
      ordered: { leaseMs: 1000, backoffMs: 20 },
      handler: (job, ctx) =>
        recordRun(runs, name, job, ctx.attempt, new Promise((r) => setTimeout(r, 1 + (job.seq % 3)))),
      ...more,
    });
    c.on('error', () => {});
    return h.track(c);
  };

  const byKey = (runs: Run[]) => {
    const map = new Map<string, Run[]>();
    for (const r of runs) map.set(r.key, [...(map.get(r.key) ?? []), r]);
    for (const list of map.values()) list.sort((a, b) => a.start - b.start);
    return map;
  };

  it('spreads leases and runs each key one entry at a time, in publish order', async () => {
    const runs: Run[] = [];
    const a = make('a', runs);
    const b = make('b', runs);
    await a.start();
    await b.start();
    await until(() => a.held.length === 2 && b.held.length === 2, 10_000, 'leases spread 2/2');
    expect(new Set([...a.held, ...b.held])).toEqual(new Set(shardNames('orders', 4)));

    const producer = h.producer({ shards: { orders: 4 } });
    const keys = 20;
    const perKey = 20;
    for (let seq = 0; seq < perKey; seq++)
      await Promise.all(
        Array.from({ length: keys }, (_, k) => producer.publish('orders', { key: `k${k}`, seq }, { key: `k${k}` })),
      );
    await until(() => runs.filter((r) => r.end > 0).length === keys * perKey, 30_000, 'every entry');
    const grouped = byKey(runs);
    expect(grouped.size).toBe(keys);
    let parallel = false;
    for (const list of grouped.values()) {
      expect(list.map((r) => r.seq)).toEqual(Array.from({ length: perKey }, (_, i) => i));
      for (let i = 1; i < list.length; i++)
        expect((list[i] as Run).start).toBeGreaterThanOrEqual((list[i - 1] as Run).end);
    }
    // Different keys did run at the same time.
    const sorted = [...runs].sort((x, y) => x.start - y.start);
    for (let i = 1; i < sorted.length && !parallel; i++)
      parallel = (sorted[i] as Run).start < (sorted[i - 1] as Run).end;
    expect(parallel).toBe(true);
    // The lease values name their holders.
    for (const [i, s] of shardNames('orders', 4).entries()) {
      const holder = await h.redis.sendCommand<string>(['GET', streamKeys(s, h.prefix).lease('g')]);
      expect(holder).toMatch(/^\d+:(a|b)$/);
      expect([...a.held, ...b.held]).toContain(shardNames('orders', 4)[i]);
    }
  });

  it('retries a failed entry in place: later entries of its key wait for it', async () => {
    const runs: Run[] = [];
    const failing = new Set(['k0:0']);
    const deadLettered: string[] = [];
    const c = make('solo', runs, {
      ordered: { leaseMs: 1000, backoffMs: 30, attempts: 3 },
      handler: async (job, ctx) => {
        runs.push({
          key: job.key,
          seq: job.seq,
          attempt: ctx.attempt,
          start: performance.now(),
          end: 0,
          consumer: 's',
        });
        const run = runs[runs.length - 1] as Run;
        await new Promise((r) => setTimeout(r, 1));
        run.end = performance.now();
        if (job.key === 'k0' && job.seq === 0 && ctx.attempt < 3) throw new Error('flaky');
        if (job.key === 'k1' && job.seq === 0) throw new Error('always');
        failing.delete(`${job.key}:${job.seq}`);
      },
    });
    c.on('deadLettered', (o) => deadLettered.push(`${(o.entry.payload as Job).key}:${o.reason}`));
    await c.start();
    await until(() => c.held.length === 4, 10_000, 'all four leases');
    const producer = h.producer({ shards: { orders: 4 } });
    for (let seq = 0; seq < 3; seq++)
      for (const key of ['k0', 'k1', 'k2']) await producer.publish('orders', { key, seq }, { key });
    await until(() => runs.filter((r) => r.seq === 2 && r.end > 0).length === 3, 20_000, 'last entries');
    const grouped = byKey(runs);
    expect((grouped.get('k0') as Run[]).map((r) => `${r.seq}/${r.attempt}`)).toEqual([
      '0/1',
      '0/2',
      '0/3',
      '1/1',
      '2/1',
    ]);
    expect((grouped.get('k1') as Run[]).map((r) => `${r.seq}/${r.attempt}`)).toEqual([
      '0/1',
      '0/2',
      '0/3',
      '1/1',
      '2/1',
    ]);
    expect((grouped.get('k2') as Run[]).map((r) => `${r.seq}/${r.attempt}`)).toEqual(['0/1', '1/1', '2/1']);
    await until(() => deadLettered.length === 1, 5000, 'dead letter');
    expect(deadLettered).toEqual(['k1:attempts-exhausted']);
    // Nothing went through the delayed set.
    for (const s of shardNames('orders', 4))
      expect(await h.redis.sendCommand(['ZCARD', streamKeys(s, h.prefix).delayed])).toBe(0);
  });

  it('holds a key until a timed-out handler that ignores its signal really ends', async () => {
    const runs: Run[] = [];
    const dead: string[] = [];
    const c = make('solo', runs, {
      timeoutMs: 30,
      ordered: { leaseMs: 1000, backoffMs: 0, attempts: 2 },
      // Seq 0 of k0 ignores ctx.signal and runs far past the timeout.
      handler: (job, ctx) =>
        recordRun(
          runs,
          's',
          job,
          ctx.attempt,
          new Promise((r) => setTimeout(r, job.key === 'k0' && job.seq === 0 ? 150 : 1)),
        ),
    });
    c.on('deadLettered', (o) => dead.push(`${(o.entry.payload as Job).key}:${o.reason}`));
    await c.start();
    await until(() => c.held.length === 4, 10_000, 'all four leases');
    const producer = h.producer({ shards: { orders: 4 } });
    for (let seq = 0; seq < 2; seq++) await producer.publish('orders', { key: 'k0', seq }, { key: 'k0' });
    await until(
      () => runs.some((r) => r.seq === 1) && runs.every((r) => r.end > 0),
      10_000,
      'seq 1, and every run ended',
    );
    const k0 = byKey(runs).get('k0') as Run[];
    expect(k0.map((r) => `${r.seq}/${r.attempt}`)).toEqual(['0/1', '0/2', '1/1']);
    for (let i = 1; i < k0.length; i++) expect((k0[i] as Run).start).toBeGreaterThanOrEqual((k0[i - 1] as Run).end);
    await until(() => dead.length === 1, 5000, 'dead letter');
    expect(dead).toEqual(['k0:attempts-exhausted']);
  });

  it('stops reading a shard whose lease another holder took, and takes it back once it is free', async () => {
    const runs: Run[] = [];
    const c = make('solo', runs, { shards: 2 });
    await c.start();
    await until(() => c.held.length === 2, 10_000, 'both leases');
    const [s0, s1] = shardNames('orders', 2).map((s) => streamKeys(s, h.prefix)) as [
      ReturnType<typeof streamKeys>,
      ReturnType<typeof streamKeys>,
    ];
    // A split lease: someone else now holds shard 0 (as after a failover that lost our renewal).
    await h.redis.sendCommand(['SET', s0.lease('g'), '999:intruder', 'PX', '60000']);
    await until(() => c.held.length === 1, 10_000, 'shard 0 given up');
    const producer = h.producer({ shards: { orders: 2 } });
    const keyOn = (shard: number) => {
      for (let k = 0; ; k++) if (shardOf(`x${k}`, 2) === shard) return `x${k}`;
    };
    const k0 = keyOn(0);
    const k1 = keyOn(1);
    await producer.publish('orders', { key: k0, seq: 0 }, { key: k0 });
    await producer.publish('orders', { key: k1, seq: 0 }, { key: k1 });
    await until(() => runs.some((r) => r.key === k1 && r.end > 0), 10_000, 'shard 1 entry');
    await new Promise((r) => setTimeout(r, 300));
    expect(runs.some((r) => r.key === k0)).toBe(false);
    // Nothing of shard 0 entered our pending list while the lease was not ours.
    expect(Number((await h.redis.sendCommand<[number]>(['XPENDING', s0.stream, 'g']))[0])).toBe(0);
    await h.redis.sendCommand(['DEL', s0.lease('g')]);
    await until(() => runs.some((r) => r.key === k0 && r.end > 0), 10_000, 'shard 0 entry after the lease came back');
    expect(c.held.length).toBe(2);
    expect(await h.redis.sendCommand(['GET', s1.lease('g')])).toMatch(/:solo$/);
  });

  it('rejects a bad ordered option with a ConfigError', () => {
    const base = { url: h.url, stream: 'o', group: 'g', shards: 2, handler: () => {} };
    expect(() => new ShardedConsumer({ ...base, ordered: { leaseMS: 10 } as never })).toThrow(ConfigError);
    expect(() => new ShardedConsumer({ ...base, ordered: { leaseMs: 5 } })).toThrow(/ordered.leaseMs/);
    expect(() => new ShardedConsumer({ ...base, ordred: true } as never)).toThrow(/unknown option "ordred"/);
    expect(() => new ShardedConsumer({ ...base, ordered: true, ordering: { fairness: 'key' } })).toThrow(
      /"ordered" and "ordering"/,
    );
  });
});
