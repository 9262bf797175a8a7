// Weighted priority under a flood, and retries keeping their priority, with the claim
// package's retries: assertions from the recorded order of handler starts.
import { recovery } from '@sluice/claim';
import type { Consumer, ConsumerOptions } from '@sluice/core';
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let h: Harness;
beforeEach(async () => {
  h = await harness('weighted');
});
afterEach(async () => {
  await h.close();
});

type Task = { n: number; p: number; fail?: boolean };
function consumer(opts: Partial<ConsumerOptions<Task>> & Pick<ConsumerOptions<Task>, 'handler'>): Consumer<Task> {
  return h.consumer<Task>({
    blockMs: 200,
    ...opts,
  });
}

describe('weighted priority', () => {
  it('50,000 high-priority tasks then 100 low ones: the low ones finish long before the flood drains', async () => {
    const p = h.producer();
    for (let i = 0; i < 50_000; i += 5000)
      await p.publishMany(
        'jobs',
        Array.from({ length: 5000 }, (_, j) => ({ n: i + j, p: 1 })),
        { priority: 1 },
      );
    await p.publishMany(
      'jobs',
      Array.from({ length: 100 }, (_, n) => ({ n, p: 9 })),
      { priority: 9 },
    );
    const started: number[] = [];
    let lowDone = 0;
    const ordering = {
      policy: 'weighted' as const,
      bands: [{ upTo: 1, weight: 9 }, { weight: 1 }],
    };
    for (const name of ['a', 'b'])
      await consumer({
        consumer: name,
        concurrency: 50,
        ordering,
        handler: (t) => {
          started.push(t.p);
          if (t.p === 9) lowDone++;
        },
      }).start();
    await until(() => lowDone === 100, 60_000, 'the low-priority tasks');
    const lastLow = started.lastIndexOf(9);
    // 10% of dispatches go to the low band while it has tasks: ~1,000 starts, plus what the
    // two consumers held; strict priority would need all 50,000 first.
    expect(lastLow).toBeLessThan(1500);
    const flood = started.slice(0, lastLow + 1).filter((q) => q === 1).length;
    expect(flood / (lastLow + 1)).toBeGreaterThan(0.8);
  });

  it('a retried task keeps its priority: it goes back to the backlog with its score', async () => {
    const p = h.producer();
    await p.publishMany(
      'jobs',
      Array.from({ length: 30 }, (_, n) => ({ n, p: 5 })),
      { priority: 5 },
    );
    await p.publish('jobs', { n: 100, p: 1, fail: true }, { priority: 1 });
    const starts: Array<{ n: number; attempt: number }> = [];
    const retried: string[][] = [];
    const c = consumer({
      concurrency: 1,
      prefetch: 0,
      promoteIntervalMs: 20,
      ordering: {},
      use: [recovery({ attempts: 3, backoff: () => 0 })],
      handler: async (t, ctx) => {
        starts.push({ n: t.n, attempt: ctx.attempt });
        if (t.fail && ctx.attempt === 1) throw new Error('first attempt fails');
        await new Promise((r) => setTimeout(r, 20));
      },
    });
    c.on('settled', (o) => {
      if (o.entry.attempt === 2) retried.push(o.entry.fields);
    });
    await c.start();
    await until(() => starts.length === 32, 20_000);
    expect(starts[0]).toEqual({ n: 100, attempt: 1 });
    const second = starts.findIndex((s) => s.n === 100 && s.attempt === 2);
    // Promoted within ~20-40 ms while each priority-5 task takes 20 ms: it jumps the rest.
    expect(second).toBeGreaterThan(0);
    expect(second).toBeLessThan(10);
    const fields = retried[0] as string[];
    expect(fields[fields.lastIndexOf('ord') + 1]).toBe('1');
  });
});
