import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Consumer } from '../consumer/consumer.js';
import { ConfigError, PayloadError, ValidationError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { Producer } from '../producer/producer.js';
import { parseRangeReply } from '../redis/reply.js';
import { fieldsToObject } from '../wire/task.js';

const Order = z.object({ orderId: z.number().int(), customer: z.string() });
const Email = v.object({ to: v.pipe(v.string(), v.email()) });

let h: Harness;
let p: Producer;
let c: { close(): Promise<unknown> } | undefined;
beforeEach(async () => {
  h = await harness('schema');
  p = new Producer({ url: h.url, prefix: h.prefix, schemas: { orders: Order } });
});
afterEach(async () => {
  await c?.close();
  await p.close();
  await h.close();
});

const xlen = (s: string) => h.redis.sendCommand<number>(['XLEN', streamKeys(s, h.prefix).stream]);
const deadLetters = async (s: string) =>
  parseRangeReply(await h.redis.sendCommand(['XRANGE', streamKeys(s, h.prefix).dlq, '-', '+'])).map((e) =>
    fieldsToObject(e.fields ?? []),
  );

describe('payload schemas', () => {
  it('publish rejects an invalid payload with the schema issues and writes nothing (zod, valibot)', async () => {
    const err = await p.publish('orders', { orderId: 'x', customer: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toBeInstanceOf(PayloadError);
    expect(err.code).toBe('ERR_SLUICE_PAYLOAD');
    expect(err.issues.map((i: { path: unknown[] }) => i.path)).toEqual([['orderId'], ['customer']]);
    expect(err.message).toMatch(/orderId: .*; customer: /);
    const emails = p.stream('emails', { schema: Email });
    await expect(emails.publish({ to: 'not-an-address' })).rejects.toThrow(/to: Invalid email/);
    await expect(
      p.publishMany('orders', [
        { orderId: 1, customer: 'a' },
        { orderId: 1.5, customer: 'b' },
      ]),
    ).rejects.toThrow(/payload \[1\]/);
    expect(await xlen('orders')).toBe(0);
    expect(await xlen('emails')).toBe(0);
    await p.publish('orders', { orderId: 1, customer: 'a' });
    await emails.publish({ to: 'a@example.com' });
    await p.publish('other', { anything: true }); // no schema for this stream
    expect(await xlen('orders')).toBe(1);
    expect(() => p.stream('emails', { schema: Order })).toThrow(ConfigError);
    expect(() => new Producer({ url: h.url, schemas: { orders: {} as never } })).toThrow(ConfigError);
  });

  it('a consumer dead-letters an invalid entry as invalid, never retried, and hands the schema output on', async () => {
    const raw = new Producer({ url: h.url, prefix: h.prefix });
    const bad = await raw.publish('orders', { orderId: 'nope' });
    const good = await raw.publish('orders', { orderId: 2, customer: 'b', extra: 1 });
    await raw.close();
    const handled: unknown[] = [];
    const invalid: string[] = [];
    const consumer = new Consumer({
      url: h.url,
      prefix: h.prefix,
      stream: 'orders',
      group: 'g',
      startId: '0',
      schema: Order,
      handler: (order) => void handled.push(order),
    });
    c = consumer;
    consumer.on('invalid', (e, err) => invalid.push(`${e.id} ${err.code}`));
    await consumer.start();
    await until(() => handled.length === 1);
    await until(async () => (await deadLetters('orders')).length === 1);
    expect(handled).toEqual([{ orderId: 2, customer: 'b' }]); // zod strips unknown keys
    expect(invalid).toEqual([`${bad} ERR_SLUICE_PAYLOAD`]);
    const [letter] = await deadLetters('orders');
    expect(letter?.reason).toBe('invalid');
    expect(letter?.origin).toBe(bad);
    expect(letter?.err).toMatch(/orderId/);
    expect(good).not.toBe(bad);
  });
});

describe('hostile and oversized entries', () => {
  it('dead-letters prototype-polluting JSON, non-string headers and oversized data as malformed', async () => {
    const keys = streamKeys('raw', h.prefix);
    const xadd = (...fields: string[]) => h.redis.sendCommand<string>(['XADD', keys.stream, '*', ...fields]);
    await xadd('v', '1', 'data', '{"__proto__":{"polluted":true}}');
    await xadd('v', '1', 'data', '{"constructor":{"prototype":{"polluted":true}}}');
    await xadd('v', '1', 'data', '1', 'h', '{"__proto__":{"polluted":true}}');
    await xadd('v', '1', 'data', '1', 'h', '{"n":1}');
    await xadd('v', '1', 'data', JSON.stringify('x'.repeat(2000)));
    await xadd('v', '1', 'data', '{"constructor":"fine"}');
    const handled: unknown[] = [];
    const consumer = new Consumer({
      url: h.url,
      prefix: h.prefix,
      stream: 'raw',
      group: 'g',
      startId: '0',
      maxEntryBytes: 1000,
      handler: (x) => void handled.push(x),
    });
    c = consumer;
    await consumer.start();
    await until(async () => (await deadLetters('raw')).length === 5);
    await until(() => handled.length === 1);
    const letters = await deadLetters('raw');
    expect(letters.every((l) => l.reason === 'malformed')).toBe(true);
    expect(letters.map((l) => l.err)).toEqual([
      expect.stringMatching(/"data" does not decode.*prototype/),
      expect.stringMatching(/"data" does not decode.*prototype/),
      expect.stringMatching(/"h" is not JSON.*prototype/),
      expect.stringMatching(/header "n" must be a string/),
      expect.stringMatching(/"data" is 2002 bytes, over maxEntryBytes=1000/),
    ]);
    expect(handled).toEqual([{ constructor: 'fine' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
