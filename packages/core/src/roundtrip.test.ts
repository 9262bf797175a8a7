import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Consumer } from './consumer/consumer.js';
import { streamKeys } from './keys.js';
import { Producer } from './producer/producer.js';

describe('publish → consume → ack', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('rt');
  });
  afterEach(() => h.close());

  it('delivers every published payload once and acks it', async () => {
    const producer = new Producer({ url: h.url, prefix: h.prefix });
    const got: number[] = [];
    const consumer = new Consumer<{ n: number }>({
      url: h.url,
      prefix: h.prefix,
      stream: 'jobs',
      group: 'g',
      startId: '0',
      handler: (p) => {
        got.push(p.n);
      },
    });
    await consumer.start();
    const ids = await Promise.all(Array.from({ length: 300 }, (_, n) => producer.publish('jobs', { n })));
    expect(new Set(ids).size).toBe(300);
    await until(() => got.length === 300);
    await consumer.close();
    await producer.close();
    expect([...got].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, n) => n));
    const pending = await h.redis.sendCommand<[number]>(['XPENDING', streamKeys('jobs', h.prefix).stream, 'g']);
    expect(pending[0]).toBe(0);
  });
});
