// A producer in another language: the shell example, run with the real redis-cli binary.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Consumer } from '@sluice/core';
import { until } from '@sluice/testing';
import { useRedis } from '@sluice/testing/vitest';
import { describe, expect, it } from 'vitest';

describe('producing from another language', () => {
  it('consumes entries written by redis-cli with the wire-format fields', async () => {
    const { url, prefix } = useRedis('cli');
    const seen: Array<{ payload: unknown; key: string | undefined; headers: unknown }> = [];
    const c = new Consumer({
      url,
      prefix,
      stream: 'orders',
      group: 'billing',
      startId: '0',
      handler: (payload, ctx) => void seen.push({ payload, key: ctx.key, headers: ctx.headers }),
    });
    await c.start();
    const script = fileURLToPath(new URL('../../examples/other-languages/produce.sh', import.meta.url));
    execFileSync('sh', [script, '-u', url], { env: { ...process.env, SLUICE_PREFIX: prefix } });
    await until(() => seen.length === 2);
    await c.close();
    expect(seen).toEqual([
      { payload: { orderId: 1001, total: 12.5 }, key: 'customer-3', headers: {} },
      { payload: { orderId: 1002, total: 7 }, key: undefined, headers: { source: 'shell' } },
    ]);
  });
});
