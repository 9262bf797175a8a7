// Orderings end to end on a real Redis: tasks queued first, then one consumer at
// concurrency 1 records the order handlers started in; it must equal the policy's order.
import { sleep, until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let h: Harness;
beforeEach(async () => {
  h = await harness('ordering');
});
afterEach(async () => {
  await h.close();
});

type Task = { n: number; p?: number };
type ConsumerOpts = Parameters<typeof h.consumer<Task>>[0];
function consumer(opts: Partial<ConsumerOpts> = {}, seen: Task[] = []) {
  return h.consumer<Task>({
    blockMs: 200,
    concurrency: 1,
    ordering: {},
    handler: (t) => {
      seen.push(t);
    },
    ...opts,
  });
}

async function runAll(count: number, opts: Partial<ConsumerOpts> = {}): Promise<Task[]> {
  const seen: Task[] = [];
  await consumer(opts, seen).start();
  await until(() => seen.length >= count, 20_000);
  return seen;
}

describe('orderings', () => {
  it('strict priority: lower first, FIFO among equal priorities (1,000 tasks, concurrency 1)', async () => {
    const p = h.producer();
    const tasks = Array.from({ length: 1000 }, (_, n) => ({ n, p: 1 + ((n * 7919) % 10) }));
    await Promise.all(tasks.map((t) => p.publish('jobs', t, { priority: t.p })));
    const seen = await runAll(1000);
    const expected = [...tasks].sort((a, b) => (a.p as number) - (b.p as number) || a.n - b.n);
    expect(seen.map((t) => t.n)).toEqual(expected.map((t) => t.n));
  });

  it('LIFO: the newest task first', async () => {
    const p = h.producer();
    for (let n = 0; n < 200; n += 50)
      await Promise.all(Array.from({ length: 50 }, (_, i) => p.publish('jobs', { n: n + i }, { lifo: true })));
    const seen = await runAll(200);
    expect(seen.map((t) => t.n)).toEqual(Array.from({ length: 200 }, (_, i) => 199 - i));
  });

  it('deadline: earliest deadline first', async () => {
    const p = h.producer();
    const base = Date.now() + 60_000;
    const offsets = Array.from({ length: 300 }, (_, n) => (n * 104729) % 1000);
    await Promise.all(offsets.map((o, n) => p.publish('jobs', { n }, { deadline: base + o * 10 })));
    const seen = await runAll(300);
    const expected = offsets.map((o, n) => ({ o, n })).sort((a, b) => a.o - b.o || a.n - b.n);
    expect(seen.map((t) => t.n)).toEqual(expected.map((t) => t.n));
  });

  it('shortest expected first', async () => {
    const p = h.producer();
    const est = Array.from({ length: 300 }, (_, n) => (n * 31) % 97);
    await Promise.all(est.map((e, n) => p.publish('jobs', { n }, { estimatedMs: e })));
    const seen = await runAll(300);
    const expected = est.map((e, n) => ({ e, n })).sort((a, b) => a.e - b.e || a.n - b.n);
    expect(seen.map((t) => t.n)).toEqual(expected.map((t) => t.n));
  });

  it('weighted 70/20/10 over three bands holds the ratio within ±5% while all bands wait', async () => {
    const p = h.producer();
    for (const prio of [1, 2, 3])
      await p.publishMany(
        'jobs',
        Array.from({ length: 1000 }, (_, n) => ({ n, p: prio })),
        { priority: prio },
      );
    const bands = [{ upTo: 1, weight: 70 }, { upTo: 2, weight: 20 }, { weight: 10 }];
    const seen = await runAll(1000, { ordering: { policy: 'weighted', bands } });
    // The first 1,000 starts: no band ran dry yet (band 1 has 1,000 tasks, needs ~1,430 starts).
    const first = seen.slice(0, 1000);
    const share = (prio: number) => first.filter((t) => t.p === prio).length / first.length;
    expect(Math.abs(share(1) - 0.7)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(share(2) - 0.2)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(share(3) - 0.1)).toBeLessThanOrEqual(0.05);
    // FIFO within each band.
    for (const prio of [1, 2, 3]) {
      const ns = first.filter((t) => t.p === prio).map((t) => t.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
  });

  it('wakes a consumer blocked on an empty queue within a few ms of an ordered publish', async () => {
    const starts: number[] = [];
    const c = consumer({
      blockMs: 5000,
      handler: () => {
        starts.push(performance.now());
      },
    });
    await c.start();
    await sleep(300);
    const p = h.producer();
    await p.connect();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await p.publish('jobs', { n: i }, { priority: 1 });
      await until(() => starts.length === i + 1, 5000);
      delays.push((starts[i] as number) - t0);
      await sleep(50);
    }
    // Far below blockMs (5 s): the wake marker, not the block timeout, started each one.
    expect(Math.max(...delays)).toBeLessThan(1000);
  });
});
