// sluice_unschedulable: tasks waiting for resources that no live consumer could run, per stream;
// back to 0 once a capable consumer joined and ran them.
import { Registry } from 'prom-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Harness, harness, until } from '../test-util/harness.js';
import { sluiceMetrics } from './plugin.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('unschedulable-metric');
});
afterEach(async () => {
  await h.close();
});

async function unschedulable(register: Registry): Promise<number | undefined> {
  const metric = (await register.getMetricsAsJSON()).find((m) => m.name === 'sluice_unschedulable');
  return metric?.values.find((v) => v.labels.stream === 'jobs')?.value;
}

it('sluice_unschedulable counts tasks no live consumer could run, and drops when a capable one joins', async () => {
  const register = new Registry();
  const p = h.producer();
  await p.publishMany('jobs', [1, 2, 3], { requires: { gpu: 1 } });
  let ran = 0;
  const consumer = (name: string, capacity: Record<string, number>) => {
    const c = h.consumer({
      consumer: name,
      capacity,
      use: [sluiceMetrics({ register, cacheMs: 0 })],
      handler: () => {
        ran++;
      },
    });
    return c;
  };
  await consumer('cpu', { cpu: 4 }).start();
  expect(await unschedulable(register)).toBe(3);
  await consumer('gpu', { gpu: 1 }).start();
  await until(() => ran === 3, 10_000, 'the GPU consumer to run the 3 tasks');
  expect(await unschedulable(register)).toBe(0);
});
