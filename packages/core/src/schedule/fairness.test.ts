// Fair shares by key: a flood from one key does not delay another key's few tasks by more
// than a few dispatches, with 4 consumers sharing the ring of keys in Redis.
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceError } from '../errors.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('fairness');
});
afterEach(async () => {
  await h.close();
});

describe('fairness by key', () => {
  it("tenant B's 100 tasks finish within ~2 × 100 of tenant A's 20,000 (4 consumers)", async () => {
    const p = h.producer();
    for (let i = 0; i < 20_000; i += 5000)
      await p.publishMany(
        'jobs',
        Array.from({ length: 5000 }, (_, j) => ({ t: 'A', n: i + j })),
        { key: 'A', fairness: 'key' },
      );
    await p.publishMany(
      'jobs',
      Array.from({ length: 100 }, (_, n) => ({ t: 'B', n })),
      { key: 'B', fairness: 'key' },
    );
    const starts: string[] = [];
    let bDone = 0;
    for (const name of ['c1', 'c2', 'c3', 'c4']) {
      const c = h.consumer<{ t: string; n: number }>({
        consumer: name,
        blockMs: 200,
        concurrency: 10,
        ordering: { fairness: 'key' },
        handler: (task) => {
          starts.push(task.t);
          if (task.t === 'B') bDone++;
        },
      });
      await c.start();
    }
    await until(() => bDone === 100, 60_000, "B's tasks");
    const lastB = starts.lastIndexOf('B');
    const aBefore = starts.slice(0, lastB).filter((t) => t === 'A').length;
    // Round robin: one A per B, plus what the 4 consumers held (concurrency + prefetch each).
    expect(aBefore).toBeLessThanOrEqual(2 * 100 + 4 * 20);
    // A's queue and the ring stay bounded to active keys: B's queue is gone once empty.
    expect(await h.redis.sendCommand(['EXISTS', h.keys.sched('q:B')])).toBe(0);
  });

  it('rejects fairness without a usable key, writing nothing', async () => {
    const p = h.producer();
    for (const options of [{ fairness: 'key' as const }, { fairness: 'key' as const, key: 'a{b}' }]) {
      const err = await p.publish('jobs', { n: 1 }, options).catch((e: unknown) => e);
      expect((err as SluiceError).code).toBe('ERR_SLUICE_PAYLOAD');
    }
    await p.flushAll();
    expect(await h.redis.sendCommand(['EXISTS', h.keys.sched('ring'), h.keys.backlog])).toBe(0);
  });
});
