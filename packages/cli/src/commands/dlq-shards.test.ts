// `sluice dlq … --shards n`: a sharded logical stream's dead letters listed, purged and replayed
// as one stream, each in (and back into) its own shard.
import { shardNames, shardOf } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { sluice } from '../test-util/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

const SHARDS = 4;
const names = shardNames('orders', SHARDS);

describe('sluice dlq --shards', { timeout: 120_000 }, () => {
  it('lists, purges and replays every shard of a sharded stream as one', async () => {
    h = await harness('clidlqshards');
    const hh = h;
    const keys = Array.from({ length: 8 }, (_, n) => `customer-${n}`);
    for (const [n, key] of keys.entries()) {
      const dlq = streamKeys(names[shardOf(key, SHARDS)] as string, hh.prefix).dlq;
      const reason = n % 2 === 0 ? 'non-retryable' : 'attempts-exhausted';
      const f = { v: '1', data: JSON.stringify({ n }), key, attempt: '1', reason, err: `Error: bad ${n}` };
      await hh.redis.sendCommand(['XADD', dlq, '*', ...Object.entries(f).flat()]);
    }
    const { url, prefix } = hh;
    const dlqLen = async () => {
      let n = 0;
      for (const s of names) n += Number(await hh.redis.sendCommand(['XLEN', streamKeys(s, prefix).dlq]));
      return n;
    };

    const json = await sluice(['dlq', 'list', 'orders', '--shards', String(SHARDS), '--json'], { url, prefix });
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<{ stream: string; key: string }>;
    expect(listed).toHaveLength(8);
    for (const d of listed) expect(d.stream).toBe(names[shardOf(d.key, SHARDS)]);
    const table = await sluice(['dlq', 'list', 'orders', '--shards', String(SHARDS)], { url, prefix });
    expect(table.stdout).toMatch(/^SHARD\s+ID\s+DIED AT/);
    // Without --shards the logical name has no dead letters of its own.
    expect((await sluice(['dlq', 'list', 'orders'], { url, prefix })).stdout).toMatch(/no dead letters/);

    const purge = await sluice(
      ['dlq', 'purge', 'orders', '--shards', String(SHARDS), '--reason', 'non-retryable', '--yes'],
      { url, prefix },
    );
    expect(purge.stdout).toMatch(/deleted 4 dead letter/);
    expect(await dlqLen()).toBe(4);

    const replayed = await sluice(['dlq', 'replay', 'orders', '--shards', String(SHARDS)], { url, prefix });
    expect(replayed.stdout).toMatch(/replayed 4 dead letter/);
    expect(await dlqLen()).toBe(0);
    for (const s of names) {
      const entries = await hh.redis.sendCommand<Array<[string, string[]]>>([
        'XRANGE',
        streamKeys(s, prefix).stream,
        '-',
        '+',
      ]);
      for (const [, fields] of entries)
        expect(names[shardOf(fields[fields.indexOf('key') + 1] as string, SHARDS)]).toBe(s);
    }
  });
});
