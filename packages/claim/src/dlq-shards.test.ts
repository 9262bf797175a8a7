// Dead letters of a sharded logical stream read and replayed as one stream (`shards`): every
// shard's DLQ, merged by time, each dead letter back into its own shard.
import { shardNames, shardOf } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDeadLetters } from './dlq.js';
import { replay } from './replay.js';
import { type Harness, harness } from './test-util/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('dlq-shards');
});
afterEach(() => h.close());

const SHARDS = 4;
const names = shardNames('orders', SHARDS);

/** A dead letter of the task with `key`, in the DLQ of the shard that key routes to. */
async function bury(n: number, key: string): Promise<string> {
  const keys = streamKeys(names[shardOf(key, SHARDS)] as string, h.prefix);
  const f = {
    v: '1',
    data: JSON.stringify({ n }),
    key,
    attempt: '3',
    reason: 'attempts-exhausted',
    err: 'Error: boom',
  };
  return h.redis.sendCommand<string>(['XADD', keys.dlq, '*', ...Object.entries(f).flat()]);
}

describe('dead letters of a sharded stream', () => {
  it('lists every shard as one stream, oldest first, each with its shard, and replays each into its shard', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `customer-${i}`);
    for (const [n, key] of keys.entries()) {
      await bury(n, key);
      // Shards' ids order by time only (each shard numbers its own ms): one per ms keeps the order exact.
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(new Set(keys.map((k) => shardOf(k, SHARDS))).size).toBeGreaterThan(1);

    const list = await listDeadLetters(h.redis, 'orders', { prefix: h.prefix, shards: SHARDS });
    expect(list.map((d) => JSON.parse(d.data as string).n)).toEqual(keys.map((_, n) => n));
    for (const d of list) expect(d.stream).toBe(names[shardOf(d.key as string, SHARDS)]);
    expect(await listDeadLetters(h.redis, 'orders', { prefix: h.prefix, shards: SHARDS, count: 5 })).toHaveLength(5);
    // Without `shards` the logical name is just another (empty) stream.
    expect(await listDeadLetters(h.redis, 'orders', { prefix: h.prefix })).toEqual([]);

    const dry = await replay(h.redis, 'orders', { prefix: h.prefix, shards: SHARDS, dryRun: true });
    expect(dry).toEqual({ replayed: 12, skipped: 0 });
    const limited = await replay(h.redis, 'orders', { prefix: h.prefix, shards: SHARDS, limit: 5 });
    expect(limited.replayed).toBe(5);
    const rest = await replay(h.redis, 'orders', { prefix: h.prefix, shards: SHARDS });
    expect(rest).toEqual({ replayed: 7, skipped: 0 });
    for (const name of names) {
      const k = streamKeys(name, h.prefix);
      expect(await h.redis.sendCommand(['XLEN', k.dlq])).toBe(0);
      const entries = await h.redis.sendCommand<Array<[string, string[]]>>(['XRANGE', k.stream, '-', '+']);
      for (const [, fields] of entries) {
        const key = fields[fields.indexOf('key') + 1] as string;
        expect(names[shardOf(key, SHARDS)]).toBe(name);
      }
    }
    let total = 0;
    for (const name of names) total += Number(await h.redis.sendCommand(['XLEN', streamKeys(name, h.prefix).stream]));
    expect(total).toBe(12);
  });

  it('rejects a bad shard count with a ConfigError', async () => {
    await expect(listDeadLetters(h.redis, 'orders', { prefix: h.prefix, shards: 0 })).rejects.toThrow(/shards/);
  });
});
