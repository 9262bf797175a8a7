// sluice_trimmed_unprocessed_total counts exactly the entries retention.hardCap took before
// the group processed them.
import { Consumer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Harness, harness, until } from '../test-util/harness.js';
import { sluiceMetrics } from './plugin.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('trimmed');
});
afterEach(async () => {
  await h.close();
});

it('counts entries a hardCap trimmed before they were processed', async () => {
  const keys = streamKeys('capped', h.prefix);
  const register = new Registry();
  const metrics = sluiceMetrics({ register, cacheMs: 0 });
  const unprocessed: number[] = [];
  let open = () => {};
  const release = new Promise<void>((r) => {
    open = r;
  });
  const consumer = new Consumer({
    url: h.url,
    prefix: h.prefix,
    stream: 'capped',
    group: 'g',
    startId: '0',
    retention: { keepAcked: 0, hardCap: 10, intervalMs: 20 },
    concurrency: 1,
    prefetch: 0,
    use: [metrics],
    handler: () => release, // holds the one entry it reads: pending, never acked here
  });
  consumer.on('trimmed', (r) => unprocessed.push(r.unprocessed));
  const xadd = (n: number) => h.redis.sendCommand(['XADD', keys.stream, '*', 'v', '1', 'data', String(n)]);
  await h.redis.sendCommand(['XGROUP', 'CREATE', keys.stream, 'g', '0', 'MKSTREAM']);
  for (let i = 0; i < 25; i++) await xadd(i);
  // At most one entry read (pending) and none acked: the cap takes the 15 oldest, all unprocessed.
  await consumer.start();
  await until(() => unprocessed.reduce((a, b) => a + b, 0) >= 15);
  await new Promise((r) => setTimeout(r, 100)); // more trim runs: nothing more to count
  open();
  await consumer.close();
  const total = unprocessed.reduce((a, b) => a + b, 0);
  const s = await register.getMetricsAsJSON();
  const metric = s.find((m) => m.name === 'sluice_trimmed_unprocessed_total');
  const value = metric?.values.find((v) => v.labels.stream === 'capped')?.value;
  expect(total).toBe(15);
  expect(value).toBe(15);
  expect(Number(await h.redis.sendCommand(['XLEN', keys.stream]))).toBe(10);
});
