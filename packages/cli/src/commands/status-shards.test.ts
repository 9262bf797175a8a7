// `sluice status <stream> <id> --shards n [--key k]`: a task of a sharded stream, found on the
// shard its key names, or by searching every shard.
import { ShardedConsumer, shardNames, shardOf } from '@sluice/core';
import { results } from '@sluice/results';
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { sluice } from '../test-util/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

describe('sluice status --shards', { timeout: 120_000 }, () => {
  it('finds a task on the shard of its key, or by searching every shard', async () => {
    h = await harness('clistatusshards');
    const { url, prefix } = h;
    let done = 0;
    const c = h.track(
      new ShardedConsumer<{ n: number }>({
        url,
        prefix,
        stream: 'orders',
        group: 'g',
        consumer: 'w',
        shards: 4,
        startId: '0',
        blockMs: 100,
        use: () => [results()],
        handler: ({ n }) => {
          done++;
          return { n };
        },
      }),
    );
    c.on('error', () => {});
    await c.start();
    const id = await h.producer({ shards: { orders: 4 } }).publish('orders', { n: 7 }, { key: 'customer-7' });
    await until(() => done === 1);
    const shard = shardNames('orders', 4)[shardOf('customer-7', 4)] as string;
    const json = async (argv: string[]) => JSON.parse((await sluice(argv, { url, prefix })).stdout);

    await until(
      async () =>
        (await json(['status', 'orders', id, '--shards', '4', '--key', 'customer-7', '--json'])).state === 'done',
    );
    const byKey = await sluice(['status', 'orders', id, '--shards', '4', '--key', 'customer-7'], { url, prefix });
    expect(byKey.code).toBe(0);
    expect(byKey.stdout).toMatch(new RegExp(`^task ${id} on ${shard.replace('.', '\\.')}: done \\(ok\\)`));
    const searched = await json(['status', 'orders', id, '--shards', '4', '--json']);
    expect(searched).toMatchObject({ stream: shard, state: 'done' });
    // The logical name alone is an empty stream; the wrong key's shard does not know the id.
    expect((await sluice(['status', 'orders', id], { url, prefix })).code).toBe(1);
    const other = ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => shardOf(k, 4) !== shardOf('customer-7', 4)) as string;
    expect((await sluice(['status', 'orders', id, '--shards', '4', '--key', other], { url, prefix })).code).toBe(1);
    expect((await sluice(['status', 'orders', id, '--key', 'x'], { url, prefix })).stderr).toMatch(
      /--key needs --shards/,
    );
  });
});
