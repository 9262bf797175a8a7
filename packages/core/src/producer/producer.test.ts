import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayloadError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { parseRangeReply } from '../redis/reply.js';
import { Producer } from './producer.js';

let h: Harness;
let p: Producer;
beforeEach(async () => {
  h = await harness('producer');
  p = new Producer({ url: h.url, prefix: h.prefix });
});
afterEach(async () => {
  await p.close();
  await h.close();
});

describe('Producer', () => {
  it('splits a burst larger than maxBatch into several calls and keeps order', async () => {
    const small = new Producer({ url: h.url, prefix: h.prefix, maxBatch: 50 });
    const ids = await small.publishMany(
      'many',
      Array.from({ length: 175 }, (_, n) => n),
    );
    await small.close();
    expect(ids).toHaveLength(175);
    expect(
      [...ids].sort((a, b) =>
        (BigInt(a.split('-')[0] as string) - BigInt(b.split('-')[0] as string) ||
          Number(a.split('-')[1]) - Number(b.split('-')[1])) > 0
          ? 1
          : -1,
      ),
    ).toEqual(ids);
  });

  it('writes wire format v1 fields', async () => {
    const id = await p.publish('wire', { hello: 'world' }, { key: 'k', headers: { traceparent: 't' } });
    const [entry] = parseRangeReply(await h.redis.sendCommand(['XRANGE', streamKeys('wire', h.prefix).stream, id, id]));
    expect(entry?.fields).toEqual(['v', '1', 'data', '{"hello":"world"}', 'key', 'k', 'h', '{"traceparent":"t"}']);
  });

  it('rejects payloads that cannot be serialized or are too large, writing nothing', async () => {
    const tiny = new Producer({ url: h.url, prefix: h.prefix, maxEntryBytes: 100 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(tiny.publish('bad', circular)).rejects.toThrow(PayloadError);
    await expect(tiny.publish('bad', undefined)).rejects.toThrow(/not JSON-serializable/);
    await expect(tiny.publish('bad', 10n)).rejects.toThrow(/not JSON-serializable/);
    await expect(tiny.publish('bad', 'x'.repeat(200))).rejects.toThrow(/over maxEntryBytes=100/);
    await expect(tiny.publishMany('bad', [1, 2, () => 3])).rejects.toThrow(/payload \[2\]/);
    await tiny.close();
    expect(await h.redis.sendCommand(['EXISTS', streamKeys('bad', h.prefix).stream])).toBe(0);
  });

  it('rejects bad options and bad stream names clearly', async () => {
    expect(() => new Producer({ url: h.url, maxEntryBytes: -1 })).toThrow(/"maxEntryBytes"/);
    expect(() => new Producer({} as never)).toThrow(/pass "url" or "client"/);
    await expect(p.publish('has space', 1)).rejects.toThrow(/stream must not contain/);
    await expect(p.publish('', 1)).rejects.toThrow(/non-empty/);
  });

  it('refuses to publish after close', async () => {
    await p.close();
    await expect(p.publish('x', 1)).rejects.toThrow(/closed/);
  });
});
