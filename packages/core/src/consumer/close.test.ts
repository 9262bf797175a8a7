import { sleep, until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamKeys } from '../keys.js';
import { Producer } from '../producer/producer.js';
import { Consumer } from './consumer.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('close');
});
afterEach(() => h.close());

describe('close()', () => {
  it('a clean close under load loses nothing and duplicates nothing', async () => {
    const total = 3000;
    const p = new Producer({ url: h.url, prefix: h.prefix });
    const counts = new Map<number, number>();
    const handler = async (x: { n: number }) => {
      await sleep(Math.random() * 3);
      counts.set(x.n, (counts.get(x.n) ?? 0) + 1);
    };
    const mk = () =>
      new Consumer<{ n: number }>({
        url: h.url,
        prefix: h.prefix,
        stream: 'load',
        group: 'g',
        startId: '0',
        concurrency: 50,
        consumer: 'w',
        handler,
      });
    const first = mk();
    await first.start();
    const publishing = (async () => {
      for (let i = 0; i < total; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, k) => p.publish('load', { n: i + k })));
        await sleep(2);
      }
    })();
    await until(() => counts.size > 500, 20_000);
    await first.close({ timeoutMs: 10_000 });
    const afterClose = counts.size;
    expect(afterClose).toBeGreaterThan(500);
    // Nothing this consumer took is left pending: it finished and acked all it read.
    const key = streamKeys('load', h.prefix).stream;
    expect(Number((await h.redis.sendCommand<[number]>(['XPENDING', key, 'g']))[0])).toBe(0);
    await publishing;
    const second = mk();
    await second.start();
    await until(() => counts.size === total, 30_000);
    await second.close();
    await p.close();
    const dupes = [...counts.values()].filter((v) => v !== 1).length;
    expect(dupes).toBe(0);
    expect(Number((await h.redis.sendCommand<[number]>(['XPENDING', key, 'g']))[0])).toBe(0);
  });

  it('aborts handlers that outlive timeoutMs and leaves their entries pending', async () => {
    const p = new Producer({ url: h.url, prefix: h.prefix });
    await p.publishMany('stuck', [1, 2]);
    await p.close();
    const aborted: string[] = [];
    let started = 0;
    const c = new Consumer({
      url: h.url,
      prefix: h.prefix,
      stream: 'stuck',
      group: 'g',
      startId: '0',
      handler: (_x, ctx) =>
        new Promise((_resolve, reject) => {
          started++;
          ctx.signal.addEventListener('abort', () => {
            aborted.push(ctx.id);
            reject(ctx.signal.reason);
          });
        }),
    });
    await c.start();
    await until(() => started === 2);
    const t0 = Date.now();
    await c.close({ timeoutMs: 200 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(aborted).toHaveLength(2);
    const key = streamKeys('stuck', h.prefix).stream;
    expect(Number((await h.redis.sendCommand<[number]>(['XPENDING', key, 'g']))[0])).toBe(2);
  });

  it('returns promptly while blocked on an empty stream', async () => {
    const c = new Consumer({
      url: h.url,
      prefix: h.prefix,
      stream: 'idle',
      group: 'g',
      blockMs: 30_000,
      handler: () => {},
    });
    await c.start();
    await sleep(50);
    const t0 = Date.now();
    await c.close();
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
