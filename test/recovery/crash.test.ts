// Crash recovery with real processes: kill -9 a worker holding 1,000 entries, SIGSTOP one
// mid-handler. Nothing may be lost; work done twice is counted and reported; a worker that
// wakes after its entries were reclaimed must have every late outcome fenced.
import { Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { sleep, until } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { pendingBy, readLog, readResults, tally, useFleet } from './fleet.js';

const env = useFleet('crash');

async function publish(payloads: unknown[]): Promise<string[]> {
  const producer = new Producer({ url: env.url, prefix: env.prefix });
  try {
    return await producer.publishMany('jobs', payloads);
  } finally {
    await producer.close();
  }
}

describe('a worker killed with SIGKILL', () => {
  it('loses none of the 1,000 entries it held while two others finish all 10,000', async () => {
    const keys = streamKeys('jobs', env.prefix);
    const minIdleMs = 2_000;
    const recovery = { minIdleMs, claimIntervalMs: 250, keepaliveIntervalMs: 500 };
    const total = 10_000;
    await publish(Array.from({ length: total }, (_, n) => ({ n })));

    const doomed = env.fleet.start({
      prefix: env.prefix,
      consumer: 'doomed',
      concurrency: 500,
      prefetch: 500,
      sleepMs: 120_000,
      recovery,
    });
    await doomed.ready();
    await until(
      async () => (await pendingBy(env.redis, keys.stream)).get('doomed') === 1_000,
      20_000,
      'doomed to hold 1,000',
    );
    const survivors = [0, 1].map(() =>
      env.fleet.start({ prefix: env.prefix, concurrency: 50, prefetch: 50, sleepMs: 1, recovery }),
    );
    await Promise.all(survivors.map((w) => w.ready()));
    await until(
      async () => Number(await env.redis.sendCommand(['XLEN', keys.results])) >= 1_000,
      30_000,
      'survivors busy',
    );

    const held = (await pendingBy(env.redis, keys.stream)).get('doomed');
    doomed.signal('SIGKILL');
    const killedAt = Date.now();
    await doomed.exited;

    await until(
      async () => Number(await env.redis.sendCommand(['XLEN', keys.results])) >= total,
      minIdleMs + 60_000,
      'every entry to have a result',
    );
    const recoveredMs = Date.now() - killedAt;
    await until(async () => Number((await env.redis.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]) === 0);

    const results = await readResults(env.redis, keys.results);
    const perEntry = tally(results.map((r) => r.n));
    const log = await readLog(env.redis, env.prefix);
    const starts = log.filter((r) => r.e === 'start').length;
    const done = tally(log.filter((r) => r.e === 'done').map((r) => r.n));
    const duplicates = [...done.values()].reduce((sum, k) => sum + k - 1, 0);
    const lost = total - perEntry.size;
    const reclaimed = survivors.reduce(
      (sum, w) => sum + w.events.filter((e) => e.event === 'reclaimed').reduce((s, e) => s + Number(e.count), 0),
      0,
    );
    console.log(
      `[crash] held by killed worker: ${held}, lost: ${lost}, results: ${results.length}, ` +
        `reclaimed: ${reclaimed}, handler starts: ${starts} (re-runs: ${starts - total}), ` +
        `duplicate completions: ${duplicates}, kill → all done: ${recoveredMs} ms (minIdleMs ${minIdleMs})`,
    );
    expect(held).toBe(1_000);
    expect(lost).toBe(0);
    expect(results.length).toBe(total);
    expect([...perEntry.values()].every((k) => k === 1)).toBe(true);
    expect(reclaimed).toBe(1_000);
    expect(done.size).toBe(total);
    expect(recoveredMs).toBeLessThan(minIdleMs + 15_000);
  });
});

describe('a worker paused with SIGSTOP mid-handler', () => {
  it('has its entries reclaimed and finished elsewhere, and every late outcome fenced after SIGCONT', async () => {
    const keys = streamKeys('jobs', env.prefix);
    const recovery = { minIdleMs: 1_500, claimIntervalMs: 200, keepaliveIntervalMs: 300 };
    const total = 200;
    await publish(Array.from({ length: total }, (_, n) => ({ n })));
    const paused = env.fleet.start({
      prefix: env.prefix,
      consumer: 'paused',
      concurrency: 10,
      prefetch: 10,
      sleepMs: 1_500,
      recovery,
    });
    await paused.ready();
    await until(
      async () => (await pendingBy(env.redis, keys.stream)).get('paused') === 20,
      20_000,
      'paused to hold 20',
    );
    await until(async () => (await readLog(env.redis, env.prefix)).filter((r) => r.e === 'start').length === 10);
    paused.signal('SIGSTOP');
    const rescuer = env.fleet.start({ prefix: env.prefix, consumer: 'rescuer', concurrency: 20, sleepMs: 5, recovery });
    await rescuer.ready();
    await until(
      async () => Number(await env.redis.sendCommand(['XLEN', keys.results])) >= total,
      30_000,
      'all results',
    );
    expect((await pendingBy(env.redis, keys.stream)).get('paused')).toBeUndefined();

    paused.signal('SIGCONT');
    // 10 handlers were mid-sleep, 10 more were queued: all 20 outcomes must be fenced.
    await until(() => paused.count('fenced') === 20, 20_000, 'late outcomes fenced');
    paused.signal('SIGTERM');
    await paused.exited;
    const stats = paused.events.find((e) => e.event === 'stats')?.stats as { fenced: number; lost: number };

    const results = await readResults(env.redis, keys.results);
    const perEntry = tally(results.map((r) => r.n));
    const done = tally((await readLog(env.redis, env.prefix)).filter((r) => r.e === 'done').map((r) => r.n));
    const duplicates = [...done.values()].reduce((sum, k) => sum + k - 1, 0);
    console.log(
      `[sigstop] results: ${results.length}, fenced on wake: ${paused.count('fenced')}, ` +
        `duplicate completions (work done by the paused worker too): ${duplicates}`,
    );
    expect(results.length).toBe(total);
    expect(perEntry.size).toBe(total);
    expect(results.some((r) => r.consumer === 'paused')).toBe(false);
    expect(stats.fenced).toBe(20);
    expect(Number((await env.redis.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0])).toBe(0);
    await sleep(0);
  });
});
