// Per-key ordering with real processes (docs/scaling.md, "Per-key ordering"): ordered
// ShardedConsumers in separate processes share 8 shards through leases; one is killed -9 mid
// run, others join and leave. From the handlers' recorded start and end times: for every key,
// its entries ran in publish order, never two at once, and the only repeat is the immediate
// re-run of the entry a killed process held. Runs on one Redis and under `npm run test:cluster`.
import { Producer, type RedisClient, shardNames } from '@sluice/core';
import { openConnection, streamKeys } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { useRedis } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Worker } from '../recovery/fleet.js';
import { checkOrder, finished, holders, leaseCounts, publishRounds, readRuns, startWorker } from './fleet.js';

const SHARDS = 8;
let url: string;
let prefix: string;
let redis: RedisClient;
let workers: Worker[] = [];

beforeEach(async () => {
  ({ url, prefix } = useRedis('ordered'));
  redis = (await openConnection({ url }, () => {})).client;
  workers = [];
});
afterEach(async () => {
  for (const w of workers) w.signal('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await redis.close();
});

const start = (consumer: string, more: { sleepMs?: number; maxRuns?: number } = {}) => {
  const w = startWorker(url, { prefix, consumer, shards: SHARDS, leaseMs: 1500, concurrency: 16, ...more });
  workers.push(w);
  return w;
};

async function pendingTotal(): Promise<number> {
  let n = 0;
  for (const s of shardNames('orders', SHARDS))
    n += Number((await redis.sendCommand<[number]>(['XPENDING', streamKeys(s, prefix).stream, 'g']))[0]);
  return n;
}

describe('ordered consumers in separate processes', () => {
  it('keeps 200 keys × 50 entries in order, without overlap, through a kill -9', async () => {
    const keys = 200;
    const perKey = 50;
    const total = keys * perKey;
    const ws = ['a', 'b', 'c', 'd'].map((name) => start(name));
    await Promise.all(ws.map((w) => w.ready()));
    await until(
      async () => [...leaseCounts(await holders(redis, prefix, SHARDS)).values()].join() === '2,2,2,2',
      20_000,
      'two leases each',
    );
    const producer = new Producer({ url, prefix, shards: { orders: SHARDS } });
    await publishRounds(producer, keys, perKey);
    await producer.close();

    await until(async () => (await finished(redis, prefix)) >= total * 0.3, 60_000, '30% done');
    const victim = ws[0] as Worker;
    victim.signal('SIGKILL');
    await victim.exited;
    const killedAt = performance.timeOrigin + performance.now();

    await until(async () => (await finished(redis, prefix)) === total, 80_000, 'every entry finished');
    await until(async () => (await pendingTotal()) === 0, 20_000, 'nothing pending');
    // The dead consumer's shards went to the three live ones.
    const after = await holders(redis, prefix, SHARDS);
    expect(after.every((h) => h !== undefined && h !== 'a')).toBe(true);

    const report = checkOrder(await readRuns(redis, prefix), perKey, new Map([['a', killedAt]]));
    console.log(
      `ordered kill -9: ${report.keys} keys, ${report.runs} runs for ${total} entries, ${report.repeats} re-runs of entries the killed process held`,
    );
    expect(report.violations.slice(0, 10)).toEqual([]);
    expect(report.keys).toBe(keys);
    expect(report.runs).toBe(total + report.repeats);
    // At most one held entry per key of the killed process's two shards, one run at a time per key.
    expect(report.repeats).toBeLessThanOrEqual(keys);
  }, 90_000);

  it('spreads leases as consumers join, hands them over as they leave or die, in order throughout', async () => {
    const keys = 100;
    const rounds = 60;
    const a = start('a');
    await a.ready();
    await until(
      async () => leaseCounts(await holders(redis, prefix, SHARDS)).get('a') === SHARDS,
      20_000,
      'a holds every lease',
    );
    const producer = new Producer({ url, prefix, shards: { orders: SHARDS } });
    const publishing = publishRounds(producer, keys, rounds, { pauseMs: 100 });

    const others = ['b', 'c', 'd'].map((name) => start(name));
    await Promise.all(others.map((w) => w.ready()));
    const joined = performance.now();
    await until(
      async () => [...leaseCounts(await holders(redis, prefix, SHARDS)).values()].join() === '2,2,2,2',
      20_000,
      'leases spread 2/2/2/2',
    );
    const spreadMs = performance.now() - joined;

    const [b, c, d] = others as [Worker, Worker, Worker];
    b.signal('SIGTERM');
    c.signal('SIGTERM');
    d.signal('SIGKILL');
    await Promise.all([b.exited, c.exited, d.exited]);
    const killedAt = performance.timeOrigin + performance.now();
    expect([b.exitCode, c.exitCode]).toEqual([0, 0]);
    const left = performance.now();
    await until(
      async () => leaseCounts(await holders(redis, prefix, SHARDS)).get('a') === SHARDS,
      20_000,
      'a holds every lease again',
    );
    const takeoverMs = performance.now() - left;

    await publishing;
    await producer.close();
    await until(async () => (await finished(redis, prefix)) === keys * rounds, 60_000, 'every entry finished');
    await until(async () => (await pendingTotal()) === 0, 20_000, 'nothing pending');
    const report = checkOrder(await readRuns(redis, prefix), rounds, new Map([['d', killedAt]]));
    console.log(
      `ordered rebalance: leases spread ${spreadMs.toFixed(0)} ms after 3 joined; all back on one consumer ${takeoverMs.toFixed(0)} ms after 2 stopped and 1 was killed; ${report.repeats} re-runs`,
    );
    expect(report.violations.slice(0, 10)).toEqual([]);
    expect(report.keys).toBe(keys);
  }, 90_000);

  it('a holder paused past its lease (SIGSTOP) starts nothing when it wakes; its late outcomes are fenced', async () => {
    const keys = 100;
    const rounds = 30;
    const [a, b] = ['a', 'b'].map((name) => start(name)) as [Worker, Worker];
    await Promise.all([a.ready(), b.ready()]);
    await until(
      async () => [...leaseCounts(await holders(redis, prefix, SHARDS)).values()].join() === '4,4',
      20_000,
      'four leases each',
    );
    const producer = new Producer({ url, prefix, shards: { orders: SHARDS } });
    await publishRounds(producer, keys, rounds);
    await producer.close();
    await until(async () => (await finished(redis, prefix)) >= keys * rounds * 0.2, 60_000, '20% done');
    a.signal('SIGSTOP');
    const pausedAt = performance.timeOrigin + performance.now();
    await until(
      async () => leaseCounts(await holders(redis, prefix, SHARDS)).get('b') === SHARDS,
      20_000,
      'b took every lease over',
    );
    a.signal('SIGCONT');
    await until(async () => (await finished(redis, prefix)) === keys * rounds, 60_000, 'every entry finished');
    await until(async () => (await pendingTotal()) === 0, 20_000, 'nothing pending');

    const runs = await readRuns(redis, prefix);
    // Handlers a was running when it stopped finish when it wakes, after b re-ran their entries:
    // the failure mode no lease can prevent (docs/scaling.md). They count as ending at the pause.
    const inFlight = runs.filter((r) => r.consumer === 'a' && r.start < pausedAt && (r.end ?? Infinity) > pausedAt);
    for (const r of inFlight) r.end = undefined;
    const report = checkOrder(runs, rounds, new Map([['a', pausedAt]]));
    const lateStarts = runs.filter((r) => r.consumer === 'a' && r.start > pausedAt);
    console.log(
      `ordered SIGSTOP: ${inFlight.length} handlers in flight at the pause, ${a.count('fenced')} late outcomes fenced, ${lateStarts.length} runs by a after it woke (on leases it won back)`,
    );
    if (report.violations.length > 0) {
      const key = (report.violations[0] as string).split(':')[0];
      console.log(
        `pausedAt ${pausedAt.toFixed(1)}`,
        runs
          .filter((r) => r.key === key)
          .map((r) => `${r.seq}/${r.attempt} ${r.consumer} ${r.start.toFixed(1)}-${r.end?.toFixed(1)}`),
      );
    }
    expect(report.violations.slice(0, 10)).toEqual([]);
    expect(report.keys).toBe(keys);
    // The outcome of every handler in flight at the pause came after b took the entry over: fenced.
    expect(a.count('fenced')).toBeGreaterThanOrEqual(inFlight.length);
  }, 90_000);

  it('dead-letters a poison entry after it crashed maxRuns holders; its key goes on in order', async () => {
    const keys = 20;
    const rounds = 10;
    const ws = ['a', 'b', 'c'].map((name) => start(name, { maxRuns: 2 }));
    await Promise.all(ws.map((w) => w.ready()));
    const exitedAt = new Map<string, number>();
    ws.forEach(
      (w, i) => void w.exited.then(() => exitedAt.set('abc'[i] as string, performance.timeOrigin + performance.now())),
    );
    await until(
      async () => [...leaseCounts(await holders(redis, prefix, SHARDS)).values()].sort().join() === '2,3,3',
      20_000,
      'leases spread',
    );
    const producer = new Producer({ url, prefix, shards: { orders: SHARDS } });
    for (let seq = 0; seq < rounds; seq++)
      await Promise.all(
        Array.from({ length: keys }, (_, k) =>
          producer.publish('orders', { key: `k${k}`, seq, poison: k === 0 && seq === 3 }, { key: `k${k}` }),
        ),
      );
    await producer.close();
    try {
      await until(async () => (await finished(redis, prefix)) === keys * rounds - 1, 30_000, 'every other entry');
    } catch (err) {
      console.log(
        JSON.stringify(ws.map((w) => [w.exitCode, w.events, w.stderr])),
        await holders(redis, prefix, SHARDS),
        await finished(redis, prefix),
      );
      for (const s of shardNames('orders', SHARDS))
        console.log(s, await redis.sendCommand(['XPENDING', streamKeys(s, prefix).stream, 'g']));
      const rr = await readRuns(redis, prefix);
      console.log(
        'DEBUG',
        JSON.stringify(
          rr
            .filter((r) => r.seq >= 2 && r.seq <= 4)
            .sort((x, y) => x.start - y.start)
            .map((r) => `${r.key}:${r.seq} ${r.consumer} ${r.start.toFixed(0)}-${r.end?.toFixed(0)}`),
        ),
      );
      for (const s of shardNames('orders', SHARDS))
        console.log('DLQ', s, JSON.stringify(await redis.sendCommand(['XRANGE', streamKeys(s, prefix).dlq, '-', '+'])));
      throw err;
    }
    await until(async () => (await pendingTotal()) === 0, 20_000, 'nothing pending');

    // Two holders died on it; the third dead-lettered it without running it.
    expect(ws.map((w) => w.exitCode).filter((code) => code === 1)).toHaveLength(2);
    const survivor = ws.find((w) => w.exitCode === undefined) as Worker;
    expect(survivor.events.filter((e) => e.event === 'deadLettered').map((e) => e.reason)).toEqual(['max-deliveries']);
    const runs = await readRuns(redis, prefix);
    const k0 = runs.filter((r) => r.key === 'k0').sort((x, y) => x.start - y.start);
    expect(k0.map((r) => r.seq)).toEqual([0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9]);
    const report = checkOrder(
      runs.filter((r) => r.key !== 'k0'),
      rounds,
      exitedAt,
    );
    expect(report.violations.slice(0, 10)).toEqual([]);
    expect(report.keys).toBe(keys - 1);
  }, 90_000);
});
