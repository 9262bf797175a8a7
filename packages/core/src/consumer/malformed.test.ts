import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamKeys } from '../keys.js';
import { parseRangeReply } from '../redis/reply.js';
import { fieldsToObject } from '../wire/task.js';
import { Consumer } from './consumer.js';

let h: Harness;
let c: Consumer | undefined;
beforeEach(async () => {
  h = await harness('malformed');
});
afterEach(async () => {
  await c?.close();
  await h.close();
});

describe('malformed entries', () => {
  it('dead-letters undecodable entries with reason malformed and keeps consuming the rest', async () => {
    const keys = streamKeys('jobs', h.prefix);
    const xadd = (...fields: string[]) => h.redis.sendCommand<string>(['XADD', keys.stream, '*', ...fields]);
    // What a careless producer in another language might write with redis-cli.
    const bad = [
      await xadd('v', '2', 'data', '{}'),
      await xadd('data', '{"x":1}'),
      await xadd('v', '1', 'data', '{not json'),
      await xadd('v', '1'),
      await xadd('v', '1', 'data', '1', 'attempt', 'zero'),
      await xadd('v', '1', 'data', '1', 'h', '[1,2]'),
    ];
    const good = await xadd('v', '1', 'data', '{"ok":true}', 'key', 'k1');
    const handled: unknown[] = [];
    const malformed: string[] = [];
    c = new Consumer({
      url: h.url,
      prefix: h.prefix,
      stream: 'jobs',
      group: 'g',
      startId: '0',
      handler: (p) => void handled.push(p),
    });
    c.on('malformed', (e) => malformed.push(e.id));
    await c.start();
    await until(() => handled.length === 1);
    await until(async () => Number(await h.redis.sendCommand(['XLEN', keys.dlq])) === bad.length);
    expect(handled).toEqual([{ ok: true }]);
    expect(malformed).toEqual(bad);
    const dlq = parseRangeReply(await h.redis.sendCommand(['XRANGE', keys.dlq, '-', '+']));
    const letters = dlq.map((e) => fieldsToObject(e.fields ?? []));
    expect(letters.map((l) => l.origin)).toEqual(bad);
    expect(letters.every((l) => l.reason === 'malformed' && l.group === 'g' && l.consumer === c?.name)).toBe(true);
    expect(letters[0]?.err).toMatch(/unsupported wire version "2"/);
    expect(letters[1]?.err).toMatch(/unsupported wire version undefined/);
    expect(letters[2]?.err).toMatch(/"data" does not decode/);
    expect(letters[3]?.err).toMatch(/missing field "data"/);
    expect(letters[4]?.err).toMatch(/"attempt" must be a positive integer/);
    expect(letters[5]?.err).toMatch(/"h" must be a JSON object/);
    // The original fields travel with the dead letter.
    expect(letters[2]?.data).toBe('{not json');
    const pending = await h.redis.sendCommand<[number]>(['XPENDING', keys.stream, 'g']);
    await until(async () => Number((await h.redis.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]) === 0);
    expect(good).toBeTruthy();
    expect(pending).toBeDefined();
  });

  it('consumes an entry written by another language with the wire-format fields', async () => {
    const keys = streamKeys('orders', h.prefix);
    const seen: unknown[] = [];
    c = new Consumer({
      url: h.url,
      prefix: h.prefix,
      stream: 'orders',
      group: 'billing',
      startId: '0',
      handler: (p, ctx) => void seen.push({ p, key: ctx.key, attempt: ctx.attempt, h: ctx.headers }),
    });
    await c.start();
    // Exactly what docs/wire-format.md shows for redis-cli.
    await h.redis.sendCommand([
      'XADD',
      keys.stream,
      '*',
      'v',
      '1',
      'data',
      '{"orderId":42,"total":9.5}',
      'key',
      'customer-7',
      'h',
      '{"source":"python"}',
    ]);
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({ p: { orderId: 42, total: 9.5 }, key: 'customer-7', attempt: 1, h: { source: 'python' } });
  });
});
