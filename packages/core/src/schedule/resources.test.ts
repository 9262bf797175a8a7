// Resources: consumers with different capacities take only tasks whose `requires` fit their free
// capacity (checked from recorded handler starts and ends), GPU tasks reach only GPU consumers,
// a task no live consumer could run is reported unschedulable and kept until one joins.
import { createHash } from 'node:crypto';
import { sleep, until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, PayloadError } from '../errors.js';
import { heartbeatArgs, heartbeatKeys, resourceHeartbeatScript, resourceKeys } from '../lua/resources.js';
import { ShardedConsumer } from '../shard/consumer.js';
import type { Resources } from './capacity.js';
import { readResourceState } from './resource-state.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('resources');
});
afterEach(async () => {
  await h.close();
});

interface Task {
  n: number;
  kind: string;
  req: Resources;
  ms: number;
}
interface Run {
  n: number;
  consumer: string;
  req: Resources;
  start: number;
  end: number;
}

function worker(name: string, capacity: Resources, runs: Run[], extra: object = {}) {
  return h.consumer<Task>({
    consumer: name,
    capacity,
    concurrency: 10,
    blockMs: 500,
    placement: { heartbeatMs: 100 },
    handler: async (t) => {
      const start = performance.now();
      await sleep(t.ms);
      runs.push({ n: t.n, consumer: name, req: t.req, start, end: performance.now() });
    },
    ...extra,
  });
}

/** The most any consumer used of each resource at once, from recorded starts and ends (ends first on ties). */
function peakUse(runs: Run[]): Map<string, Resources> {
  const peaks = new Map<string, Resources>();
  for (const consumer of new Set(runs.map((r) => r.consumer))) {
    const events = runs
      .filter((r) => r.consumer === consumer)
      .flatMap((r) => [
        { t: r.start, sign: 1, req: r.req },
        { t: r.end, sign: -1, req: r.req },
      ])
      .sort((a, b) => a.t - b.t || a.sign - b.sign);
    const use: Resources = {};
    const peak: Resources = {};
    for (const e of events) {
      for (const [name, v] of Object.entries(e.req)) {
        use[name] = (use[name] ?? 0) + e.sign * v;
        peak[name] = Math.max(peak[name] ?? 0, use[name] as number);
      }
    }
    peaks.set(consumer, peak);
  }
  return peaks;
}

const KINDS: Array<{ kind: string; req: Resources; share: number }> = [
  { kind: 'small', req: { cpu: 1 }, share: 40 },
  { kind: 'half', req: { cpu: 0.5 }, share: 10 },
  { kind: 'big', req: { cpu: 4 }, share: 10 },
  { kind: 'gpu', req: { cpu: 1, gpu: 1 }, share: 20 },
  { kind: 'mem', req: { cpu: 2, memMb: 8192 }, share: 20 },
];

describe('resources', () => {
  it('3 consumers, 500 mixed tasks: nobody exceeds its capacity, GPU tasks only on the GPU consumer, an impossible task waits for a capable consumer', async () => {
    const capacities: Record<string, Resources> = {
      cpu4: { cpu: 4 },
      gpu: { cpu: 2, gpu: 1 },
      mem: { cpu: 8, memMb: 16384 },
    };
    const p = h.producer();
    const tasks: Task[] = [];
    for (let n = 0; n < 500; n++) {
      const pick = (n * 37) % 100;
      let sum = 0;
      const k = KINDS.find((x) => {
        sum += x.share;
        return pick < sum;
      }) as (typeof KINDS)[number];
      tasks.push({ n, kind: k.kind, req: k.req, ms: 1 + (n % 7) });
    }
    await Promise.all(tasks.map((t) => p.publish('jobs', t, { requires: t.req })));
    const impossible: Task = { n: 999, kind: 'impossible', req: { gpu: 2 }, ms: 1 };
    await p.publish('jobs', impossible, { requires: impossible.req });

    const runs: Run[] = [];
    const reported: number[] = [];
    for (const [name, capacity] of Object.entries(capacities)) {
      const c = worker(name, capacity, runs);
      c.on('unschedulable', (n) => reported.push(n));
      await c.start();
    }
    await until(() => runs.length === 500, 45_000, 'all 500 tasks to finish');

    const peaks = peakUse(runs);
    for (const [name, capacity] of Object.entries(capacities)) {
      const peak = peaks.get(name) ?? {};
      for (const [resource, used] of Object.entries(peak))
        expect(used, `${name} peak ${resource}`).toBeLessThanOrEqual((capacity[resource] ?? 0) + 1e-9);
    }
    // Routing: a task only ran where it could fit at all.
    const kindOf = new Map(tasks.map((t) => [t.n, t.kind]));
    for (const r of runs) {
      const kind = kindOf.get(r.n);
      if (kind === 'gpu') expect(r.consumer).toBe('gpu');
      if (kind === 'mem') expect(r.consumer).toBe('mem');
      if (kind === 'big') expect(r.consumer).not.toBe('gpu');
    }
    // Each task ran exactly once, and the capacities were actually used (concurrency, not one at a time).
    expect(new Set(runs.map((r) => r.n)).size).toBe(500);
    expect(peaks.get('mem')?.cpu).toBeGreaterThan(4);

    // The impossible task: reported, still queued, never run.
    await until(() => reported.includes(1), 5000, 'the unschedulable event');
    const state = await readResourceState(h.redis, h.keys);
    expect(state.unschedulable).toBe(1);
    expect(state.queued).toBe(1);
    expect(state.shapes).toEqual([{ requires: { gpu: 2 }, tasks: 1, unschedulable: true }]);
    expect(state.consumers.map((c) => c.name).sort()).toEqual(['cpu4', 'gpu', 'mem']);
    expect(runs.some((r) => r.n === 999)).toBe(false);

    // A capable consumer joins: it runs the task, and the report goes back to 0.
    await worker('gpu2', { cpu: 1, gpu: 2 }, runs).start();
    await until(() => runs.some((r) => r.n === 999), 10_000, 'the impossible task to run on gpu2');
    expect(runs.find((r) => r.n === 999)?.consumer).toBe('gpu2');
    await until(() => reported.at(-1) === 0, 5000, 'unschedulable back to 0');
    expect((await readResourceState(h.redis, h.keys)).queued).toBe(0);
  }, 60_000);

  it('backfills small tasks past a big one, and reserves for the big one after starveAfter passes', async () => {
    const order = async (starveAfter: number): Promise<number> => {
      const stream = `bf${starveAfter}`;
      const p = h.producer();
      const small = (n: number) => p.publish(stream, { n, big: false }, { requires: { cpu: 1 } });
      await Promise.all(Array.from({ length: 20 }, (_, n) => small(n)));
      await p.publish(stream, { n: 1000, big: true }, { requires: { cpu: 4 } });
      await Promise.all(Array.from({ length: 200 }, (_, n) => small(100 + n)));
      const started: number[] = [];
      const c = h.consumer<{ n: number; big: boolean }>({
        stream,
        consumer: 'only',
        capacity: { cpu: 4 },
        concurrency: 8,
        blockMs: 500,
        placement: { starveAfter },
        handler: async (t) => {
          started.push(t.n);
          // Staggered, so the 4 running small tasks rarely all end at once (which would fit the big one anyway).
          await sleep(4 + (t.n % 4) * 5);
        },
      });
      await c.start();
      await until(() => started.length === 221, 30_000, `221 tasks (starveAfter ${starveAfter})`);
      await c.close();
      return started.indexOf(1000);
    };
    // Backfilling without reservation: small tasks keep passing the big one (until 4 of them happen to end together).
    const backfilled = await order(1_000_000);
    expect(backfilled).toBeGreaterThan(60);
    // With a reservation after 3 passes the big task runs soon after it reached the head:
    // 3 passes, then the 4 running small tasks drain.
    const reserved = await order(3);
    expect(reserved).toBeGreaterThanOrEqual(20);
    expect(reserved).toBeLessThan(40);
  }, 60_000);

  it('a local release ends the wait for capacity at once (instant handlers, blockMs 60 s: the drain never waits for blockMs)', async () => {
    const p = h.producer();
    await Promise.all(
      Array.from({ length: 300 }, (_, n) => p.publish('jobs', { n }, { requires: { cpu: 1 + (n % 3) } })),
    );
    let done = 0;
    await h
      .consumer<{ n: number }>({
        consumer: 'c',
        capacity: { cpu: 6 },
        concurrency: 50,
        blockMs: 60_000,
        // Async: the release lands in a microtask, while the next dispatch is already on its way.
        handler: async () => {
          done++;
        },
      })
      .start();
    // Capacity binds (1-3 of 6 per task): the consumer waits for room after nearly every dispatch.
    await until(() => done === 300, 30_000, '300 tasks, each wait ended by a release, not by blockMs');
  }, 40_000);

  it('gives back an entry it could never fit (published to the stream directly) for a capable consumer', async () => {
    const runs: Run[] = [];
    const cpu = worker('cpu-only', { cpu: 4 }, runs);
    await cpu.start();
    await h.redis.sendCommand([
      'XADD',
      h.keys.stream,
      '*',
      'v',
      '1',
      'data',
      JSON.stringify({ n: 7, kind: 'gpu', req: { gpu: 1 }, ms: 1 }),
      'req',
      '{"gpu":1}',
    ]);
    const rk = resourceKeys(h.keys);
    await until(
      async () => Number(await h.redis.sendCommand(['HGET', rk.shapes, '{"gpu":1}'])) === 1,
      5000,
      'the entry back in the resource queue',
    );
    expect(await h.pending()).toBe(0);
    await worker('gpu', { gpu: 1 }, runs).start();
    await until(() => runs.length === 1, 10_000, 'the GPU consumer to run it');
    expect(runs[0]?.consumer).toBe('gpu');
  }, 30_000);

  it('a delayed task with requires (the path of retries: :delayed, then promote) returns to its queue and runs only where it fits', async () => {
    const runs: Run[] = [];
    await worker('cpu-only', { cpu: 4 }, runs, { promoteIntervalMs: 20 }).start();
    await worker('gpu', { cpu: 1, gpu: 1 }, runs, { promoteIntervalMs: 20 }).start();
    const p = h.producer();
    const req = { gpu: 1 };
    await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        p.publish('jobs', { n, kind: 'gpu', req, ms: 1 }, { requires: req, delayMs: 30 }),
      ),
    );
    await until(() => runs.length === 10, 10_000, '10 delayed GPU tasks to run');
    expect(new Set(runs.map((r) => r.consumer))).toEqual(new Set(['gpu']));
    expect((await readResourceState(h.redis, h.keys)).queued).toBe(0);
    // Each entered the stream once, dispatched to the GPU consumer: none was promoted straight into
    // the stream (where the CPU consumer could read it and would have to give it back).
    expect(await h.redis.sendCommand(['XLEN', h.keys.stream])).toBe(10);
  }, 30_000);

  it('dead-letters a waiting task past its deadline (expired) and a queue member that does not decode (malformed)', async () => {
    const p = h.producer();
    await p.publish('jobs', { n: 1 }, { requires: { cpu: 1 }, deadline: Date.now() + 30 });
    await p.publish('jobs', { n: 2 }, { requires: { cpu: 1 } });
    const rk = resourceKeys(h.keys);
    const queue = `${rk.queue}${createHash('sha1').update('{"cpu":1}').digest('hex')}`;
    await h.redis.sendCommand(['ZADD', queue, '-1', 'not json']);
    await h.redis.sendCommand(['HINCRBY', rk.shapes, '{"cpu":1}', '1']);
    await sleep(50);
    const runs: Run[] = [];
    const dead: number[] = [];
    const c = h.consumer<{ n: number }>({
      consumer: 'c',
      capacity: { cpu: 1 },
      blockMs: 100,
      handler: (t) => {
        runs.push({ n: t.n, consumer: 'c', req: {}, start: 0, end: 0 });
      },
    });
    c.on('backlogDeadLettered', (expired, malformed) => dead.push(expired, malformed));
    await c.start();
    await until(() => runs.length === 1, 5000, 'the live task to run');
    expect(runs[0]?.n).toBe(2);
    const dlq = await h.range(h.keys.dlq);
    expect(dlq.map((e) => e.f.reason).sort()).toEqual(['expired', 'malformed']);
    expect(dead.reduce((a, b) => a + b, 0)).toBe(2);
    expect((await readResourceState(h.redis, h.keys)).queued).toBe(0);
  });

  it("a capacity record expires when its consumer's heartbeat stops", async () => {
    const rk = resourceKeys(h.keys);
    await resourceHeartbeatScript.run(h.redis, heartbeatKeys(rk), heartbeatArgs('ghost', '{"gpu":2}', 300));
    await h.producer().publish('jobs', { n: 1 }, { requires: { gpu: 2 } });
    let state = await readResourceState(h.redis, h.keys);
    expect(state).toMatchObject({ queued: 1, unschedulable: 0 });
    expect(state.consumers.map((c) => c.name)).toEqual(['ghost']);
    await sleep(400);
    state = await readResourceState(h.redis, h.keys);
    expect(state).toMatchObject({ queued: 1, unschedulable: 1, consumers: [] });
    // The next heartbeat of anyone removes the expired record for good.
    await resourceHeartbeatScript.run(h.redis, heartbeatKeys(rk), heartbeatArgs('other', '{"cpu":1}', 300));
    expect(await h.redis.sendCommand(['HKEYS', rk.caps])).toEqual(['other']);
  });

  it('rejects bad requires at publish and bad capacity at construction, naming the problem', async () => {
    const p = h.producer();
    const bad = async (requires: unknown, pattern: RegExp) => {
      const err = await p.publish('jobs', {}, { requires: requires as Resources }).catch((e) => e);
      expect(err).toBeInstanceOf(PayloadError);
      expect((err as Error).message).toMatch(pattern);
    };
    await bad({ gpu: -1 }, /"gpu" must be a finite number >= 0, got -1/);
    await bad({ gpu: '1' }, /"gpu" must be a finite number/);
    await bad({ gpu: Number.NaN }, /"gpu" must be a finite number/);
    await bad({}, /must name 1 to 16 resources/);
    await bad([1], /must be an object of amounts/);
    await bad({ 'g{p}u': 1 }, /resource name/);
    const named = h.producer({ resourceNames: ['cpu', 'memMb'] });
    const err = await named.publish('jobs', {}, { requires: { gpu: 1 } }).catch((e) => e);
    expect(err).toBeInstanceOf(PayloadError);
    expect((err as Error).message).toMatch(
      /resource "gpu", which is not in the producer's resourceNames \[cpu, memMb\]/,
    );
    await expect(p.publish('jobs', {}, { requires: { cpu: 1 }, key: 'k', fairness: 'key' })).rejects.toThrow(
      /"requires" and "fairness" do not combine/,
    );
    expect(() => h.producer({ resourceNames: ['g pu'] as string[] })).toThrow(ConfigError);
    // Nothing was written by the rejected publishes.
    expect((await readResourceState(h.redis, h.keys)).queued).toBe(0);

    const handler = () => {};
    const make = (o: object) => () => h.consumer({ handler, ...o });
    expect(make({ capacity: { cpu: 0 } })).toThrow(/option "capacity": "cpu" must be a finite number > 0, got 0/);
    expect(make({ capacity: { cpu: -2 } })).toThrow(ConfigError);
    expect(make({ capacity: 'cpu' })).toThrow(/option "capacity" must be an object/);
    expect(make({ placement: { starveAfter: 3 } })).toThrow(/option "placement" needs option "capacity"/);
    expect(make({ capacity: { cpu: 1 }, placement: { windows: 3 } })).toThrow(ConfigError);
    expect(make({ capacity: { cpu: 1 }, placement: { starveAfter: 0 } })).toThrow(/starveAfter/);
    expect(make({ capacity: { cpu: 1 }, ordering: { policy: 'strict' } })).toThrow(/do not combine yet/);
    expect(
      () => new ShardedConsumer({ url: h.url, stream: 'jobs', group: 'g', shards: 2, handler, capacity: { cpu: 1 } }),
    ).toThrow(/"capacity" \(resources\) is not supported on sharded streams yet/);
  });
});
