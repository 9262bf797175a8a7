import { Producer } from '@sluice/core';
import { startRedis, type TestRedis } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from './index.js';

describe('startDashboard over TLS', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis({ tls: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reads a rediss:// Redis with the CA from its tls option, and refuses a tls option that is not one', async () => {
    const tls = server.tls as NonNullable<TestRedis['tls']>;
    const producer = new Producer({ url: server.url, prefix: server.prefix, tls });
    await producer.publish('orders', { n: 1 });
    await producer.publish('orders', { n: 2 });
    await producer.close();

    const token = 'a-test-token-0123';
    const dash = await startDashboard({ url: server.url, tls, prefix: server.prefix, port: 0, token, intervalMs: 100 });
    try {
      const res = await fetch(new URL('/api/snapshot', dash.url), { headers: { 'x-sluice-token': token } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('"orders"');
      expect(text).toMatch(/"length":\s*2/);
    } finally {
      await dash.close();
    }

    await expect(startDashboard({ url: server.url, tls: 'yes' as never, port: 0 })).rejects.toThrow(
      /"tls" must be an object/,
    );
    await expect(startDashboard({ url: server.url, tls: { cafile: 'x' } as never, port: 0 })).rejects.toThrow(
      /unknown option "cafile"/,
    );
  }, 30_000);
});
