import { PassThrough } from 'node:stream';
import { recovery } from '@sluice/claim';
import { Consumer, NonRetryableError, Producer, streamKeys } from '@sluice/core';
import { until } from '@sluice/testing';
import { useRedis } from '@sluice/testing/vitest';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { parseBound, runDlqList, runReplay, runRewind } from './dlq.js';

function sink(): { out: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d) => {
    text += d;
  });
  return { out: s as unknown as NodeJS.WriteStream, text: () => text };
}

describe('sluice dlq / replay / rewind', () => {
  it('lists dead letters, replays them once, and rewinds a group', async () => {
    const { url, prefix } = useRedis('clidlq');
    const p = new Producer({ url, prefix });
    await p.publishMany('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    let fail = true;
    const handled: number[] = [];
    const c = new Consumer<{ n: number }>({
      url,
      prefix,
      stream: 'jobs',
      group: 'g',
      startId: '0',
      use: [recovery({ attempts: 1 })],
      handler: (x) => {
        if (fail) throw new NonRetryableError(`bad ${x.n}`);
        handled.push(x.n);
      },
    });
    await c.start();
    const keys = streamKeys('jobs', prefix);
    const redis = createClient({ url });
    await redis.connect();
    await until(async () => (await redis.xLen(keys.dlq)) === 3);

    const list = sink();
    expect(await runDlqList(url, 'jobs', { prefix, error: 'bad 2' }, list.out)).toBe(1);
    expect(list.text()).toMatch(/non-retryable\s+attempt 1 .* NonRetryableError: bad 2/);

    const dry = sink();
    expect(await runReplay(url, 'jobs', { prefix, dryRun: true }, dry.out)).toEqual({ replayed: 3, skipped: 0 });
    expect(await redis.xLen(keys.dlq)).toBe(3);

    fail = false;
    const real = sink();
    expect(await runReplay(url, 'jobs', { prefix }, real.out)).toEqual({ replayed: 3, skipped: 0 });
    expect(real.text()).toContain('replayed 3, skipped 0');
    await until(() => handled.length === 3);
    expect(await runReplay(url, 'jobs', { prefix }, sink().out)).toEqual({ replayed: 0, skipped: 0 });
    expect(handled.sort()).toEqual([1, 2, 3]);

    // Rewind to the beginning: the group sees all 6 entries again (3 originals + 3 replays).
    await runRewind(url, 'jobs', 'g', '0', prefix, sink().out);
    await until(() => handled.length === 9, 10_000, 'rewound entries');
    await c.close();
    await p.close();
    await redis.close();
  });

  it('parses bounds and rejects nonsense', () => {
    expect(parseBound('1700000000000-3', '--from')).toBe('1700000000000-3');
    expect(parseBound('1700000000000', '--from')).toBe(1700000000000);
    expect(parseBound('2026-01-01T00:00:00Z', '--from')).toBe(Date.UTC(2026, 0, 1));
    expect(() => parseBound('yesterday-ish', '--to')).toThrow(/--to must be a stream id/);
  });
});
