// Redis loses its data (FLUSHALL, or a restart without persistence) under running consumers:
// they recreate their group, say so in an `error` event, and process what is published next,
// including what was published before they noticed. Recovery and results keep working.
import { recovery } from '@sluice/claim';
import { Consumer, Producer } from '@sluice/core';
import { openConnection, streamKeys } from '@sluice/core/plugin';
import { results } from '@sluice/results';
import { startRedis, until } from '@sluice/testing';
import { describe, expect, it } from 'vitest';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };

describe.each(['FLUSHALL', 'a restart without persistence'])('Redis loses everything (%s)', (how) => {
  it('consumers recreate the group, report it, and process every publish after the loss', async () => {
    const redis = await startRedis({ fresh: true });
    const { url, prefix } = redis;
    const keys = streamKeys('jobs', prefix);
    const seen = new Map<number, number>();
    const errors: string[] = [];
    const consumers = [0, 1].map(
      (i) =>
        new Consumer<{ n: number }>({
          url,
          prefix,
          stream: 'jobs',
          group: 'g',
          consumer: `c${i}`,
          blockMs: 200,
          log: quiet,
          use: [recovery({ minIdleMs: 1000, claimIntervalMs: 200 }), results()],
          handler: (p) => {
            seen.set(p.n, (seen.get(p.n) ?? 0) + 1);
            return p.n;
          },
        }),
    );
    for (const c of consumers) c.on('error', (err) => errors.push(err.message));
    const producer = new Producer({ url, prefix, log: quiet });
    const raw = (await openConnection({ url }, () => {})).client;
    try {
      await Promise.all(consumers.map((c) => c.start()));
      await producer.publishMany(
        'jobs',
        Array.from({ length: 100 }, (_, n) => ({ n })),
      );
      await until(() => seen.size === 100, 20_000, 'first 100 processed');

      if (how === 'FLUSHALL') await raw.sendCommand(['FLUSHALL']);
      else await redis.restart();
      // Published right away: before any consumer noticed the loss and recreated the group.
      await producer.publishMany(
        'jobs',
        Array.from({ length: 100 }, (_, i) => ({ n: 100 + i })),
      );
      await until(() => seen.size === 200, 30_000, `200 processed (have ${seen.size})`);

      const message = errors.find((m) => /recreated/i.test(m));
      expect(message, errors.join('\n')).toMatch(/group "g" of stream "jobs" was missing \(NOGROUP/);
      // Results go on being written, and nothing stays pending in the recreated group.
      await until(async () => Number(await raw.sendCommand(['XLEN', keys.results])) >= 100, 10_000, 'results');
      await until(
        async () => Number((await raw.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]) === 0,
        10_000,
        'nothing pending',
      );
      expect([...seen.values()].every((k) => k === 1)).toBe(true);
    } finally {
      await Promise.all(consumers.map((c) => c.close({ timeoutMs: 2000 })));
      await producer.close();
      await raw.close().catch(() => {});
      await redis.stop();
    }
  });
});
