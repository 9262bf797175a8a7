// Ordered tasks across real processes: a worker holding prioritized tasks is killed with
// SIGKILL and every task is still done exactly once (reclaimed from the PEL like any entry);
// publishAndWait and Results.waitFor find ordered tasks by the id publish() returned.
import { fileURLToPath } from 'node:url';
import { Consumer, Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { Results, replies, results } from '@sluice/results';
import { until } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { pendingBy, readLog, tally, useFleet, type Worker } from '../recovery/fleet.js';

const env = useFleet('ordered');
const FIXTURE = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));

function startWorker(config: Record<string, unknown>): Worker {
  return env.fleet.start({ prefix: env.prefix, ordering: {}, results: true, ...config }, FIXTURE);
}

describe('ordered tasks with real processes', () => {
  it('a worker killed with SIGKILL holding prioritized tasks: each is reclaimed and done once', async () => {
    const keys = streamKeys('jobs', env.prefix);
    const total = 2000;
    const producer = new Producer({ url: env.url, prefix: env.prefix });
    const tasks = Array.from({ length: total }, (_, n) => ({ n, p: 1 + ((n * 7) % 5) }));
    await Promise.all(tasks.map((t) => producer.publish('jobs', t, { priority: t.p })));
    await producer.close();
    const recovery = { minIdleMs: 1500, claimIntervalMs: 250, keepaliveIntervalMs: 500 };

    const doomed = startWorker({ consumer: 'doomed', concurrency: 100, prefetch: 100, sleepMs: 120_000, recovery });
    await doomed.ready();
    await until(
      async () => (await pendingBy(env.redis, keys.stream)).get('doomed') === 200,
      20_000,
      'doomed holds 200',
    );
    // The doomed worker took the 200 most urgent tasks (all priority 1; 400 exist).
    const starts = async () => (await readLog(env.redis, env.prefix)).filter((r) => r.e === 'start');
    await until(async () => (await starts()).length === 100, 20_000, 'doomed runs 100');
    const held = await starts();
    expect(new Set(held.map((r) => (tasks[r.n] as { p: number }).p))).toEqual(new Set([1]));
    doomed.signal('SIGKILL');
    await doomed.exited;

    const survivors = [0, 1].map(() => startWorker({ concurrency: 20, prefetch: 20, sleepMs: 1, recovery }));
    await Promise.all(survivors.map((w) => w.ready()));
    await until(async () => Number(await env.redis.sendCommand(['XLEN', keys.results])) >= total, 60_000, 'all done');
    await until(async () => (await pendingBy(env.redis, keys.stream)).size === 0, 10_000, 'PEL empty');

    const done = (await readLog(env.redis, env.prefix)).filter((r) => r.e === 'done');
    const counts = tally(done.map((r) => r.n));
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(Number(await env.redis.sendCommand(['ZCARD', keys.backlog]))).toBe(0);
    expect(Number(await env.redis.sendCommand(['XLEN', keys.dlq]))).toBe(0);
  });

  it('publishAndWait and Results.waitFor work for ordered tasks', async () => {
    const consumer = new Consumer<{ n: number }, number>({
      url: env.url,
      prefix: env.prefix,
      stream: 'jobs',
      group: 'g',
      startId: '0',
      blockMs: 200,
      ordering: {},
      use: [results()],
      handler: (p) => p.n * 2,
    });
    await consumer.start();
    const producer = new Producer({
      url: env.url,
      prefix: env.prefix,
      use: [replies({ url: env.url, prefix: env.prefix })],
    });
    const reader = new Results({ url: env.url, prefix: env.prefix, stream: 'jobs' });
    try {
      const answer = await producer.publishAndWait('jobs', { n: 21 }, { priority: 3, timeoutMs: 10_000 });
      expect(answer).toMatchObject({ status: 'ok', result: 42 });
      const id = await producer.publish('jobs', { n: 5 }, { deadline: Date.now() + 60_000 });
      const r = await reader.waitFor(id, { timeoutMs: 10_000 });
      expect(r).toMatchObject({ status: 'ok', result: 10, origin: id });
    } finally {
      await reader.close();
      await producer.close();
      await consumer.close();
    }
  });
});
