import { NonRetryableError, type Outcome } from '@sluice/core';
import { decodeDelayed } from '@sluice/core/plugin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recovery } from './recovery.js';
import { type Harness, harness, sleep, strand, until } from './test-util/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('claim');
});
afterEach(() => h.close());

describe('retries', () => {
  it('retries a failing task with attempt + 1 and origin kept until it succeeds', async () => {
    const seen: Array<{ id: string; attempt: number; origin: string | undefined; n: number }> = [];
    const c = h.consumer<{ n: number }>({
      promoteIntervalMs: 20,
      use: [recovery({ backoff: () => 50 })],
      handler: (p, ctx) => {
        seen.push({ id: ctx.id, attempt: ctx.attempt, origin: ctx.origin, n: p.n });
        if (ctx.attempt < 3) throw new Error(`fail ${ctx.attempt}`);
        return 'done';
      },
    });
    await c.start();
    const id = await h.producer().publish('jobs', { n: 7 });
    await until(() => seen.length === 3, 10_000, 'three attempts');
    expect(seen.map((s) => [s.attempt, s.origin, s.n])).toEqual([
      [1, undefined, 7],
      [2, id, 7],
      [3, id, 7],
    ]);
    await until(async () => (await h.pending()) === 0);
    expect(await h.redis.sendCommand(['ZCARD', h.keys.delayed])).toBe(0);
    expect(await h.range(h.keys.dlq)).toEqual([]);
  });

  it('acks the failed attempt and schedules its retry in the same settle call', async () => {
    const plugin = recovery({ backoff: () => 60_000 });
    const settled: Outcome[] = [];
    const c = h.consumer({ use: [plugin], handler: () => Promise.reject(new Error('boom')) });
    c.on('settled', (o) => settled.push(o as Outcome));
    await c.start();
    await h.producer().publish('jobs', { n: 1 });
    await until(() => settled.length === 1);
    const o = settled[0] as Outcome;
    expect(o.status).toBe('failed');
    expect(o.retryAt).toBeGreaterThan(Date.now() + 50_000);
    expect(await h.pending()).toBe(0);
    const members = await h.redis.sendCommand<string[]>(['ZRANGE', h.keys.delayed, '0', '-1']);
    expect(members).toHaveLength(1);
    const task = decodeDelayed(members[0] as string).fields;
    expect(task).toEqual(expect.arrayContaining(['attempt', '2', 'origin', o.entry.id, 'err', 'Error: boom']));
    expect(plugin.stats.retried).toBe(1);
  });

  it('dead-letters a NonRetryableError after attempt 1', async () => {
    const plugin = recovery();
    let calls = 0;
    const c = h.consumer({
      use: [plugin],
      handler: () => {
        calls++;
        throw new NonRetryableError('bad input');
      },
    });
    await c.start();
    const id = await h.producer().publish('jobs', { n: 1 });
    await until(async () => (await h.range(h.keys.dlq)).length === 1);
    const [dead] = await h.range(h.keys.dlq);
    expect(dead?.f).toMatchObject({
      reason: 'non-retryable',
      attempt: '1',
      origin: id,
      err: 'NonRetryableError: bad input',
    });
    expect(calls).toBe(1);
    expect(plugin.stats.deadLettered).toEqual({ 'non-retryable': 1 });
  });

  it('dead-letters with the last error once attempts are exhausted, a timeout counting as a failure', async () => {
    const attempts: number[] = [];
    const c = h.consumer({
      timeoutMs: 50,
      promoteIntervalMs: 20,
      use: [recovery({ attempts: 2, backoff: () => 10 })],
      handler: (_p, ctx) => {
        attempts.push(ctx.attempt);
        return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      },
    });
    await c.start();
    const id = await h.producer().publish('jobs', { n: 1 });
    await until(async () => (await h.range(h.keys.dlq)).length === 1, 10_000, 'dead letter');
    const [dead] = await h.range(h.keys.dlq);
    expect(dead?.f).toMatchObject({ reason: 'attempts-exhausted', attempt: '2', origin: id });
    expect(dead?.f.err).toMatch(/^TimeoutError: handler exceeded timeoutMs=50/);
    expect(attempts).toEqual([1, 2]);
    expect(await h.pending()).toBe(0);
  });

  it('leaves an entry pending, without a retry, when close aborts its handler', async () => {
    let started = false;
    const c = h.consumer({
      use: [recovery()],
      handler: (_p, ctx) =>
        new Promise((_resolve, reject) => {
          started = true;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    });
    await c.start();
    await h.producer().publish('jobs', { n: 1 });
    await until(() => started);
    await c.close({ timeoutMs: 50 });
    expect(await h.pending()).toBe(1);
    expect(await h.redis.sendCommand(['ZCARD', h.keys.delayed])).toBe(0);
    expect(await h.range(h.keys.dlq)).toEqual([]);
  });
});

describe('reclaim', () => {
  it('takes over the entries of a consumer that stopped touching them', async () => {
    await h.producer().publishMany('jobs', [1, 2, 3, 4, 5]);
    const stranded = await strand(h, 'crashed', 5);
    const plugin = recovery({ minIdleMs: 200, claimIntervalMs: 50 });
    const done: string[] = [];
    const reclaimed: string[] = [];
    const c = h.consumer({ startId: '$', use: [plugin], handler: (_p, ctx) => void done.push(ctx.id) });
    c.on('reclaimed', (ids) => reclaimed.push(...ids));
    await c.start();
    await until(() => done.length === 5, 10_000, 'reclaimed entries to run');
    expect(done.sort()).toEqual(stranded.sort());
    expect(reclaimed.sort()).toEqual(stranded.sort());
    await until(async () => (await h.pending()) === 0);
    expect(plugin.stats.reclaimed).toBe(5);
  });

  it('claims no more than its free slots and follows the cursor through the PEL', async () => {
    await h.producer().publishMany(
      'jobs',
      Array.from({ length: 12 }, (_, n) => n),
    );
    const stranded = await strand(h, 'crashed', 12);
    await sleep(30);
    const plugin = recovery({ minIdleMs: 10, claimIntervalMs: 60_000, keepaliveIntervalMs: 5 });
    const release: Array<() => void> = [];
    const running: string[] = [];
    const c = h.consumer({
      startId: '$',
      concurrency: 5,
      prefetch: 0,
      use: [plugin],
      handler: (_p, ctx) => {
        running.push(ctx.id);
        return new Promise<void>((resolve) => release.push(resolve));
      },
    });
    await c.start();
    expect(await plugin.reclaimNow()).toBe(5);
    expect(plugin.cursor).toBe(stranded[5]);
    expect(await plugin.reclaimNow()).toBe(0);
    await until(() => running.length === 5);
    for (const r of release.splice(0)) r();
    await until(() => c.inFlight === 0);
    await sleep(30);
    expect(await plugin.reclaimNow()).toBe(5);
    expect(plugin.cursor).toBe(stranded[10]);
    expect(running.slice(5).sort()).toEqual(stranded.slice(5, 10).sort());
    await until(() => release.length === 5);
    for (const r of release.splice(0)) r();
  });

  it('dead-letters an entry delivered more than maxDeliveries times instead of running it', async () => {
    const [poison] = await h.producer().publishMany('jobs', ['poison']);
    await strand(h, 'crashed', 1);
    // Two more deliveries by consumers that die too: the count is 3.
    for (const who of ['crashed-2', 'crashed-3']) {
      await h.redis.sendCommand(['XCLAIM', h.keys.stream, 'g', who, '0', poison as string]);
    }
    const plugin = recovery({ minIdleMs: 10, claimIntervalMs: 20, maxDeliveries: 3 });
    let ran = 0;
    const dead: Outcome[] = [];
    const c = h.consumer({ startId: '$', use: [plugin], handler: () => void ran++ });
    c.on('deadLettered', (o) => dead.push(o as Outcome));
    await c.start();
    await until(() => dead.length === 1, 10_000, 'poison dead-lettered');
    const [letter] = await h.range(h.keys.dlq);
    expect(letter?.f).toMatchObject({ reason: 'max-deliveries', origin: poison, deliveries: '4' });
    expect(letter?.f.err).toMatch(/^MaxDeliveriesError: delivered 4 times/);
    expect(ran).toBe(0);
    expect(await h.pending()).toBe(0);
    expect(plugin.stats.poisoned).toBe(1);
  });

  it('dead-letters its own poison on a restart under the same name, before re-reading it', async () => {
    const [poison, fine] = await h.producer().publishMany('jobs', ['poison', 'fine']);
    await strand(h, 'worker-1', 2);
    await h.redis.sendCommand(['XCLAIM', h.keys.stream, 'g', 'worker-1', '0', poison as string]);
    const ran: string[] = [];
    const c = h.consumer({
      consumer: 'worker-1',
      use: [recovery({ maxDeliveries: 2 })],
      handler: (_p, ctx) => void ran.push(ctx.id),
    });
    await c.start();
    await until(async () => (await h.pending()) === 0, 10_000, 'pending drained');
    expect(ran).toEqual([fine]);
    const [letter] = await h.range(h.keys.dlq);
    expect(letter?.f).toMatchObject({ reason: 'max-deliveries', origin: poison });
  });

  it('acks and reports entries that were deleted while pending', async () => {
    const ids = await h.producer().publishMany('jobs', [1, 2, 3]);
    await strand(h, 'crashed', 3);
    await h.redis.sendCommand(['XDEL', h.keys.stream, ids[0] as string, ids[2] as string]);
    const deleted: string[] = [];
    const plugin = recovery({ minIdleMs: 10, claimIntervalMs: 20 });
    const c = h.consumer({ startId: '$', use: [plugin], handler: () => {} });
    c.on('deleted', (d) => deleted.push(...d));
    await c.start();
    await until(() => deleted.length === 2, 10_000, 'deleted ids reported');
    expect(deleted.sort()).toEqual([ids[0], ids[2]].sort());
    await until(async () => (await h.pending()) === 0);
    expect(plugin.stats.deleted).toBe(2);
  });
});
