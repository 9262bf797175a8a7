// A Redis hiccup (every connection killed) must not crash the consumer or lose entries.
import { startRedis, type TestRedis, until } from '@sluice/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamKeys } from '../keys.js';
import { Producer } from '../producer/producer.js';
import type { RedisClient } from '../redis/connection.js';
import { Consumer } from './consumer.js';

let server: TestRedis;
let admin: RedisClient;
beforeAll(async () => {
  server = await startRedis({ fresh: true });
  admin = createClient({ url: server.url }) as unknown as RedisClient;
  admin.on('error', () => {});
  await admin.connect();
});
afterAll(async () => {
  await admin?.close();
  await server?.stop();
});

describe('connection loss', () => {
  it('reconnects, reports the error and keeps consuming after every connection is killed', async () => {
    const { prefix, url } = server;
    const seen = new Set<number>();
    const errors: Error[] = [];
    const c = new Consumer<{ n: number }>({
      url,
      prefix,
      stream: 'hiccup',
      group: 'g',
      startId: '0',
      blockMs: 100,
      handler: (x) => void seen.add(x.n),
    });
    c.on('error', (e) => errors.push(e));
    await c.start();
    const p = new Producer({ url, prefix });
    p.on('error', () => {});
    await p.publishMany(
      'hiccup',
      Array.from({ length: 100 }, (_, n) => ({ n })),
    );
    await until(() => seen.size === 100);
    const killed = await admin.sendCommand<number>(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
    expect(killed).toBeGreaterThanOrEqual(3);
    await until(() => errors.length > 0, 5_000, 'an error event');
    // The producer reconnects too; publish more and see them all handled.
    await until(
      async () => {
        try {
          await p.publishMany(
            'hiccup',
            Array.from({ length: 100 }, (_, n) => ({ n: 100 + n })),
          );
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      'publish after reconnect',
    );
    await until(() => seen.size === 200, 15_000, 'all 200 entries');
    await c.close();
    await p.close();
    const pending = await admin.sendCommand<[number]>(['XPENDING', streamKeys('hiccup', prefix).stream, 'g']);
    expect(Number(pending[0])).toBe(0);
  });
});
