// Cost-aware fair share: with `fairShare: 'cost'` two keys whose tasks take 10 ms and 100 ms
// share the fleet's machine time about 50/50 (deficit round robin over the task's cost: its
// `estimatedMs`, else the key's learned handler time), where one task per key per turn gives
// the slow key ~10×. Measured from recorded handler start and end times.
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceError } from '../errors.js';
import { COST_OF } from '../lua/dispatch.js';
import { sleep } from '../util.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('cost');
});
afterEach(async () => {
  await h.close();
});

const MS = { fast: 10, slow: 100 } as const;
type Key = keyof typeof MS;

/** The fast key's share of handler time over the runs that started while both keys still had tasks. */
async function fastShare(ordering: object, estimate: boolean, typed = false): Promise<number> {
  const p = h.producer();
  // Equal work per key: 400 × 10 ms and 40 × 100 ms.
  for (const [key, count] of [
    ['fast', 400],
    ['slow', 40],
  ] as const)
    await p.publishMany(
      'jobs',
      Array.from({ length: count }, (_, n) => ({ key, n })),
      {
        key,
        fairness: 'key',
        ...(estimate ? { estimatedMs: MS[key] } : {}),
        ...(typed ? { type: `${key}-job` } : {}),
      },
    );
  const runs: { key: Key; start: number; end: number }[] = [];
  for (const name of ['a', 'b']) {
    const c = h.consumer<{ key: Key }>({
      consumer: name,
      concurrency: 2,
      prefetch: 0,
      ordering,
      handler: async (t) => {
        const start = performance.now();
        await sleep(MS[t.key]);
        runs.push({ key: t.key, start, end: performance.now() });
      },
    });
    await c.start();
  }
  await until(() => runs.length === 440, 60_000, 'all 440 tasks');
  const lastStart = (key: Key) => Math.max(...runs.filter((r) => r.key === key).map((r) => r.start));
  const until_ = Math.min(lastStart('fast'), lastStart('slow'));
  const time = { fast: 0, slow: 0 };
  for (const r of runs) if (r.start < until_) time[r.key] += r.end - r.start;
  const share = time.fast / (time.fast + time.slow);
  console.log(
    `[cost] ${JSON.stringify(ordering)} estimate=${estimate}: fast key's share of machine time ${share.toFixed(3)}`,
  );
  return share;
}

describe('cost-aware fair share', () => {
  it('learned per-key cost: 10 ms vs 100 ms tasks share machine time within ±15% of 50/50', async () => {
    const share = await fastShare({ fairness: 'key', fairShare: 'cost' }, false);
    expect(share).toBeGreaterThanOrEqual(0.425);
    expect(share).toBeLessThanOrEqual(0.575);
  });

  it('estimatedMs as the cost: within ±15% of 50/50', async () => {
    const share = await fastShare({ fairness: 'key', fairShare: 'cost', quantumMs: 50 }, true);
    expect(share).toBeGreaterThanOrEqual(0.425);
    expect(share).toBeLessThanOrEqual(0.575);
  });

  it('learned per task type: each type gets its own cost, the keys still share 50/50', async () => {
    const share = await fastShare({ fairness: 'key', fairShare: 'cost' }, false, true);
    expect(share).toBeGreaterThanOrEqual(0.425);
    expect(share).toBeLessThanOrEqual(0.575);
    const cost = async (type: string) =>
      Number(await h.redis.sendCommand(['GET', `${h.keys.sched('cost:')}${COST_OF.type}${type}`]));
    // Moving averages of the handler times (sleep 10 / 100 ms plus timer and scheduling slack).
    expect(await cost('fast-job')).toBeGreaterThanOrEqual(9);
    expect(await cost('fast-job')).toBeLessThan(50);
    expect(await cost('slow-job')).toBeGreaterThanOrEqual(99);
    expect(await cost('slow-job')).toBeLessThan(200);
    // Typed tasks teach their type, not their key.
    expect(await h.redis.sendCommand(['EXISTS', `${h.keys.sched('cost:')}${COST_OF.key}fast`])).toBe(0);
  });

  it('rejects a type without an ordering option, or with braces', async () => {
    const p = h.producer();
    for (const options of [
      { type: 'x' },
      { type: 'a{b}', fairness: 'key' as const, key: 'k' },
      { type: '', priority: 1 },
    ]) {
      const err = await p.publish('jobs', {}, options).catch((e: unknown) => e);
      expect((err as SluiceError).code, JSON.stringify(options)).toBe('ERR_SLUICE_PAYLOAD');
    }
  });

  it('one task per key per turn (fairShare "tasks") gives the slow key most of the time', async () => {
    const share = await fastShare({ fairness: 'key' }, false);
    expect(share).toBeLessThan(0.25);
  });
});
