import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Promoter } from '../consumer/promoter.js';
import { PayloadError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { touchScript } from '../lua/touch.js';
import { dueTime } from '../producer/schedule.js';
import { decodeDelayed, encodeDelayed } from './delayed.js';
import { encodeFields } from './task.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('delayed');
});
afterEach(async () => {
  await h.close();
});

const keys = () => streamKeys('jobs', h.prefix);

function promoter(): Promoter {
  return new Promoter({ client: h.redis, keys: keys(), intervalMs: 0, onPromoted: () => {}, onError: () => {} });
}

describe('delayed members', () => {
  it('round-trip any field list through encode/decode', () => {
    const pair = fc.tuple(fc.string(), fc.string());
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1 }), (pairs) => {
        const fields = pairs.flat();
        const decoded = decodeDelayed(encodeDelayed(fields));
        expect(decoded.fields).toEqual(fields);
        expect(decoded.id).toMatch(/^d1:[0-9a-f]{16}$/);
      }),
    );
  });

  it('are unique for identical tasks', () => {
    const fields = encodeFields({ data: '{}' });
    expect(encodeDelayed(fields)).not.toBe(encodeDelayed(fields));
  });

  it('rejects members that are not format v1', () => {
    expect(() => decodeDelayed('nope')).toThrow(/not JSON/);
    expect(() => decodeDelayed('["x","v"]')).toThrow(/JSON array/);
    expect(() => decodeDelayed('["d1:aa","v",1]')).toThrow(/JSON array/);
  });
});

describe('scheduled publish', () => {
  it('validates delayMs and at, naming the option and the value', () => {
    expect(() => dueTime({ delayMs: -1 })).toThrow(/"delayMs".*-1/);
    expect(() => dueTime({ at: Number.NaN })).toThrow(PayloadError);
    expect(() => dueTime({ delayMs: 1, at: 1 })).toThrow(/not both/);
    expect(dueTime({ delayMs: 0 })).toBeUndefined();
    expect(dueTime({ at: new Date(1000) }, 0)).toBe(1000);
  });

  it('holds a task in the delayed set until due, then a consumer runs it', async () => {
    const p = h.producer();
    const got: Array<{ n: number; at: number }> = [];
    const c = h.consumer<{ n: number }>({
      blockMs: 100,
      promoteIntervalMs: 50,
      handler: (x) => void got.push({ n: x.n, at: Date.now() }),
    });
    await c.start();
    const sent = Date.now();
    const [later, now] = await Promise.all([
      p.publish('jobs', { n: 1 }, { delayMs: 400 }),
      p.publish('jobs', { n: 2 }),
    ]);
    expect(later).toMatch(/^d1:/);
    expect(now).toMatch(/^\d+-\d+$/);
    expect(await h.redis.sendCommand(['ZCARD', keys().delayed])).toBe(1);
    await until(() => got.length === 2, 10_000, 'both tasks');
    expect(got.map((g) => g.n)).toEqual([2, 1]);
    expect((got[1] as { at: number }).at - sent).toBeGreaterThanOrEqual(400);
    expect(await h.redis.sendCommand(['ZCARD', keys().delayed])).toBe(0);
  });

  it('batches the scheduled publishes of one tick into one ZADD', async () => {
    const p = h.producer();
    await p.connect();
    const before = await zaddCalls();
    const ids = await p.publishMany(
      'jobs',
      Array.from({ length: 50 }, (_, n) => n),
      { delayMs: 60_000 },
    );
    expect(new Set(ids).size).toBe(50);
    expect((await zaddCalls()) - before).toBe(1);
    expect(await h.redis.sendCommand(['ZCARD', keys().delayed])).toBe(50);
  });
});

describe('promote script', () => {
  it('moves each due member exactly once when two promoters race', async () => {
    const k = keys();
    const args: string[] = ['ZADD', k.delayed];
    for (let n = 0; n < 1200; n++)
      args.push(String(n % 2 === 0 ? 1 : Date.now() + 60_000), encodeDelayed(encodeFields({ data: String(n) })));
    await h.redis.sendCommand(args);
    const [a, b] = await Promise.all([promoter().promoteNow(), promoter().promoteNow()]);
    expect(a + b).toBe(600);
    expect(await h.redis.sendCommand(['XLEN', k.stream])).toBe(600);
    expect(await h.redis.sendCommand(['ZCARD', k.delayed])).toBe(600);
    const entries = await h.redis.sendCommand<Array<[string, string[]]>>(['XRANGE', k.stream, '-', '+']);
    const data = entries.map(([, f]) => Number(f[3])).sort((x, y) => x - y);
    expect(data).toEqual(Array.from({ length: 600 }, (_, i) => i * 2));
  });

  it('dead-letters a member it cannot decode instead of blocking the set', async () => {
    const k = keys();
    await h.redis.sendCommand(['ZADD', k.delayed, '1', 'garbage', '2', encodeDelayed(encodeFields({ data: '1' }))]);
    expect(await promoter().promoteNow()).toBe(1);
    const dlq = await h.redis.sendCommand<Array<[string, string[]]>>(['XRANGE', k.dlq, '-', '+']);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.[1]).toEqual(['reason', 'malformed', 'err', 'delayed member does not decode', 'member', 'garbage']);
  });
});

describe('touch script', () => {
  it('refreshes only entries the consumer still owns, without counting a delivery', async () => {
    const k = keys();
    await h.redis.sendCommand(['XGROUP', 'CREATE', k.stream, 'g', '0', 'MKSTREAM']);
    const a = await h.redis.sendCommand<string>(['XADD', k.stream, '*', 'v', '1', 'data', '1']);
    const b = await h.redis.sendCommand<string>(['XADD', k.stream, '*', 'v', '1', 'data', '2']);
    await h.redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'me', 'STREAMS', k.stream, '>']);
    await h.redis.sendCommand(['XCLAIM', k.stream, 'g', 'thief', '0', b]);
    const touched = await touchScript.run<string[]>(h.redis, [k.stream], ['g', 'me', a, b]);
    expect(touched).toEqual([a]);
    const pel = await h.redis.sendCommand<Array<[string, string, number, number]>>([
      'XPENDING',
      k.stream,
      'g',
      '-',
      '+',
      '10',
    ]);
    expect(pel.map(([id, owner, , count]) => [id, owner, count])).toEqual([
      [a, 'me', 1],
      [b, 'thief', 2],
    ]);
  });
});

async function zaddCalls(): Promise<number> {
  const info = await h.redis.sendCommand<string>(['INFO', 'commandstats']);
  const m = /cmdstat_zadd:calls=(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}
