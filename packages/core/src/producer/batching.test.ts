// Batching is proven by counting commands on a server nobody else uses (INFO commandstats),
// not by timing.
import { startRedis, type TestRedis, until } from '@sluice/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Consumer } from '../consumer/consumer.js';
import { streamKeys } from '../keys.js';
import type { RedisClient } from '../redis/connection.js';
import { Producer } from './producer.js';

let server: TestRedis;
let redis: RedisClient;
beforeAll(async () => {
  server = await startRedis({ fresh: true });
  redis = createClient({ url: server.url }) as unknown as RedisClient;
  await redis.connect();
});
afterAll(async () => {
  await redis?.close();
  await server?.stop();
});
beforeEach(async () => {
  await redis.sendCommand(['CONFIG', 'RESETSTAT']);
});

async function calls(): Promise<Record<string, number>> {
  const info = await redis.sendCommand<string>(['INFO', 'commandstats']);
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) out[m[1] as string] = Number(m[2]);
  return out;
}

describe('batching', () => {
  it('publishes made in one tick go out as one script call per stream', async () => {
    const p = new Producer({ url: server.url, prefix: server.prefix });
    await p.publish('warmup', 0); // loads the script
    await redis.sendCommand(['CONFIG', 'RESETSTAT']);
    const ids = await Promise.all([
      ...Array.from({ length: 400 }, (_, n) => p.publish('a', { n })),
      ...Array.from({ length: 100 }, (_, n) => p.publish('b', { n })),
    ]);
    await p.close();
    expect(ids).toHaveLength(500);
    const c = await calls();
    expect(c.xadd).toBe(500);
    // Exactly one script call per stream.
    expect(c.evalsha).toBe(2);
    expect(c.eval).toBeUndefined();
  });

  it('acks many outcomes per settle script call', async () => {
    const prefix = `${server.prefix}-settle`;
    const p = new Producer({ url: server.url, prefix });
    await p.publishMany(
      'jobs',
      Array.from({ length: 2000 }, (_, n) => ({ n })),
    );
    await p.close();
    await redis.sendCommand(['CONFIG', 'RESETSTAT']);
    let done = 0;
    const c = new Consumer({
      url: server.url,
      prefix,
      stream: 'jobs',
      group: 'g',
      startId: '0',
      concurrency: 100,
      handler: async () => {
        done++;
      },
    });
    let settled = 0;
    c.on('settled', () => settled++);
    await c.start();
    await until(() => settled === 2000, 20_000);
    await c.close();
    const stats = await calls();
    const scripts = (stats.evalsha ?? 0) + (stats.eval ?? 0);
    // 2000 acks in far fewer script calls than entries, one XACK per call; reads likewise come in batches.
    expect(scripts).toBeLessThan(200);
    expect(stats.xack ?? 0).toBeLessThanOrEqual(scripts);
    expect(stats.xreadgroup ?? 0).toBeLessThan(200);
    const pending = await redis.sendCommand<[number]>(['XPENDING', streamKeys('jobs', prefix).stream, 'g']);
    expect(Number(pending[0])).toBe(0);
    expect(done).toBe(2000);
  });
});
