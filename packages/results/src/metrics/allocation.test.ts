// Allocation metrics: sluice_key_running summarises key-concurrency slots per stream (tasks and
// distinct keys, never a series per key); sluice_rate_limited_total counts the dispatches a
// rate limit held back.
import { Registry } from 'prom-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Harness, harness, until } from '../test-util/harness.js';
import { sluiceMetrics } from './plugin.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('alloc-metrics');
});
afterEach(async () => {
  await h.close();
});

async function value(register: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await register.getMetricsAsJSON()).find((m) => m.name === name);
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

it('sluice_key_running reports the held slots as tasks and keys; rate-limited dispatches are counted', async () => {
  const register = new Registry();
  const p = h.producer();
  // 3 keys × 4 tasks, 2 slots per key: 6 tasks of 3 keys hold slots while the handlers wait.
  for (const key of ['a', 'b', 'c'])
    await p.publishMany(
      'jobs',
      Array.from({ length: 4 }, (_, n) => ({ key, n })),
      { key, fairness: 'key' },
    );
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let started = 0;
  let done = 0;
  const c = h.consumer<{ key: string }>({
    concurrency: 20,
    ordering: { fairness: 'key', keyConcurrency: 2, keyRateLimit: { max: 3, perMs: 60_000 } },
    use: [sluiceMetrics({ register, cacheMs: 0 })],
    handler: async () => {
      started++;
      await gate;
      done++;
    },
  });
  await c.start();
  await until(() => started === 6, 10_000, '6 tasks holding slots');
  expect(await value(register, 'sluice_key_running', { stream: 'jobs', kind: 'tasks' })).toBe(6);
  expect(await value(register, 'sluice_key_running', { stream: 'jobs', kind: 'keys' })).toBe(3);
  release();
  // The third task of each key runs; the fourth waits for the key's rate limit (3 per minute).
  await until(() => done === 9, 10_000, '9 tasks');
  await until(
    async () => ((await value(register, 'sluice_rate_limited_total', { stream: 'jobs' })) ?? 0) > 0,
    10_000,
    'a rate-limited dispatch counted',
  );
  await until(
    async () => (await value(register, 'sluice_key_running', { stream: 'jobs', kind: 'tasks' })) === 0,
    10_000,
    'slots released',
  );
  expect(done).toBe(9);
});
