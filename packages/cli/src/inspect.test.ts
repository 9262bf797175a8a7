import { Consumer, openConnection, Producer } from '@sluice/core';
import { until } from '@sluice/testing';
import { useRedis } from '@sluice/testing/vitest';
import { describe, expect, it } from 'vitest';
import { formatReport, inspectStream } from './inspect.js';

describe('sluice inspect', () => {
  it('reports length and the consumers, pending count and lag of each group', async () => {
    const { url, prefix } = useRedis('inspect');
    const p = new Producer({ url, prefix });
    await p.publishMany('orders', [1, 2, 3, 4, 5]);
    let handled = 0;
    const c = new Consumer({
      url,
      prefix,
      stream: 'orders',
      group: 'billing',
      startId: '0',
      concurrency: 1,
      prefetch: 0,
      handler: () =>
        new Promise(() => {
          handled++;
        }),
    });
    await c.start();
    await until(() => handled === 1);
    const { client } = await openConnection({ url }, () => {});
    const report = await inspectStream(client, 'orders', prefix);
    await client.close();
    expect(report.length).toBe(5);
    expect(report.groups).toEqual([
      { name: 'billing', consumers: 1, pending: 1, lastDeliveredId: expect.any(String), lag: 4 },
    ]);
    expect(formatReport(report)).toMatch(/billing\s+consumers 1\s+pending 1\s+lag 4/);
    await c.close({ timeoutMs: 50 });
    await p.close();
  });
});
