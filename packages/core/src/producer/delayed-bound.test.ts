// The delayed set is bounded for scheduled publishes (`maxDelayed`): past the bound a publish
// rejects with a DelayedFullError and writes nothing, so nothing is dropped silently; retries
// (work already accepted) still go in.
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, DelayedFullError } from '../errors.js';
import { PRODUCER_DEFAULTS } from './options.js';
import { Producer } from './producer.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('delayedmax');
});
afterEach(() => h.close());

const zcard = async () => Number(await h.redis.sendCommand(['ZCARD', h.keys.delayed]));

describe('maxDelayed', () => {
  it('defaults to 1,000,000 and rejects bad values', () => {
    expect(PRODUCER_DEFAULTS.maxDelayed).toBe(1_000_000);
    expect(() => new Producer({ url: h.url, maxDelayed: -1 })).toThrow(ConfigError);
    expect(() => new Producer({ url: h.url, maxDelayed: 1.5 })).toThrow(/maxDelayed/);
  });

  it('writes scheduled publishes up to the bound and rejects the rest, in one batch and across batches', async () => {
    const p = new Producer({ url: h.url, prefix: h.prefix, maxDelayed: 10 });
    // One tick: one batch of 15, the first 10 fit.
    const first = await Promise.allSettled(
      Array.from({ length: 15 }, (_, n) => p.publish('jobs', { n }, { delayMs: 60_000 })),
    );
    expect(first.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const rejected = first.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(5);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(DelayedFullError);
      expect(r.reason).toMatchObject({
        code: 'ERR_SLUICE_DELAYED_FULL',
        key: h.keys.delayed,
        size: 10,
        maxDelayed: 10,
      });
      expect(r.reason.message).toMatch(/holds 10 of maxDelayed=10 \(nothing written/);
    }
    // The ones that resolved are exactly the ones written.
    const ids = first.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const members = await h.redis.sendCommand<string[]>(['ZRANGE', h.keys.delayed, '0', '-1']);
    expect(members).toHaveLength(10);
    for (const id of ids) expect(members.some((m) => m.includes(id))).toBe(true);
    // Full: a later scheduled publish is rejected too; an immediate publish is not bounded by it.
    await expect(p.publish('jobs', { n: 99 }, { delayMs: 1000 })).rejects.toBeInstanceOf(DelayedFullError);
    await expect(p.publish('jobs', { n: 100 })).resolves.toMatch(/^\d+-\d+$/);
    expect(await zcard()).toBe(10);
    expect(await h.redis.sendCommand(['HGET', h.keys.limits, 'delayedMax'])).toBe('10');
    await p.close();
  });

  it('bounds idempotent scheduled publishes too, without remembering a rejected key', async () => {
    const p = new Producer({ url: h.url, prefix: h.prefix, maxDelayed: 3 });
    await Promise.all([1, 2, 3].map((n) => p.publish('jobs', { n }, { delayMs: 60_000 })));
    const late = { delayMs: 60_000, idempotencyKey: 'k' };
    await expect(p.publish('jobs', { n: 4 }, late)).rejects.toBeInstanceOf(DelayedFullError);
    expect(await zcard()).toBe(3);
    // Room again: the same key publishes (it was not remembered), and a repeat is a duplicate.
    const [member] = await h.redis.sendCommand<string[]>(['ZRANGE', h.keys.delayed, '0', '0']);
    await h.redis.sendCommand(['ZREM', h.keys.delayed, member as string]);
    const id = await p.publish('jobs', { n: 4 }, late);
    expect(await p.publish('jobs', { n: 4 }, late)).toBe(id);
    expect(await zcard()).toBe(3);
    await p.close();
  });

  it('0 turns the bound off', async () => {
    const p = new Producer({ url: h.url, prefix: h.prefix, maxDelayed: 0 });
    await Promise.all(Array.from({ length: 30 }, (_, n) => p.publish('jobs', { n }, { delayMs: 60_000 })));
    expect(await zcard()).toBe(30);
    await p.close();
  });
});
