import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { Producer } from '../producer/producer.js';
import { keySlot } from '../redis/key-slot.js';
import { ShardRouter, shardNames, shardOf } from './route.js';

describe('shard routing', () => {
  it('sends one key always to the same shard and spreads keys over all shards', () => {
    const router = new ShardRouter({ orders: 8 });
    const names = shardNames('orders', 8);
    const hits = new Map<string, number>();
    for (let i = 0; i < 8000; i++) {
      const shard = router.route('orders', `customer-${i % 400}`);
      expect(shard).toBe(names[shardOf(`customer-${i % 400}`, 8)]);
      hits.set(shard, (hits.get(shard) ?? 0) + 1);
    }
    expect(hits.size).toBe(8);
    for (const n of hits.values()) expect(n).toBeGreaterThan(600);
  });

  it('goes round-robin without a key and leaves unsharded streams alone', () => {
    const router = new ShardRouter({ orders: 3 });
    const names = shardNames('orders', 3);
    expect([0, 1, 2, 3].map(() => router.route('orders', undefined))).toEqual([...names, names[0]]);
    expect(router.route('other', 'k')).toBe('other');
  });

  it('aims shard slots at evenly spaced points of the slot space', () => {
    for (const n of [2, 3, 8, 16]) {
      const slots = shardNames('s', n).map((name) => keySlot(name));
      for (const [i, slot] of slots.entries()) {
        expect(Math.abs(slot - ((i + 0.5) * 16384) / n)).toBeLessThanOrEqual(16384 / n / 8 + 1);
      }
    }
    expect(shardNames('s', 1)).toEqual(['s']);
  });

  it('rejects bad shard counts and durability values with a ConfigError', () => {
    expect(() => new Producer({ url: 'redis://x', shards: { a: 0 } })).toThrow(ConfigError);
    expect(() => new Producer({ url: 'redis://x', shards: { a: 1.5 } })).toThrow(/shards.a/);
    expect(() => new Producer({ url: 'redis://x', shards: [] as never })).toThrow(ConfigError);
    expect(() => new Producer({ url: 'redis://x', durability: 'all' as never })).toThrow(/durability/);
  });
});
