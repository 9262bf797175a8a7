import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDeadLetters } from './dlq.js';
import { replay } from './replay.js';
import { rewind } from './rewind.js';
import { type Harness, harness } from './test-util/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('dlq');
});
afterEach(() => h.close());

/** A dead letter as core writes it: the task's fields, then the bookkeeping fields. */
async function bury(n: number, over: Record<string, string> = {}, id = '*'): Promise<string> {
  const f: Record<string, string> = {
    v: '1',
    data: JSON.stringify({ n }),
    key: `k${n}`,
    origin: `1-${n}`,
    attempt: '5',
    reason: 'attempts-exhausted',
    err: `Error: boom ${n}`,
    consumer: 'c1',
    group: 'g',
    deadAt: '1',
    ...over,
  };
  return h.redis.sendCommand<string>(['XADD', h.keys.dlq, id, ...Object.entries(f).flat()]);
}

describe('listDeadLetters', () => {
  it('lists dead letters oldest first with their reason, error, origin and attempt', async () => {
    await bury(1);
    await bury(2, { reason: 'non-retryable', err: 'NonRetryableError: nope', attempt: '1' });
    const list = await listDeadLetters(h.redis, 'jobs', { prefix: h.prefix });
    expect(list.map((d) => [d.reason, d.error, d.origin, d.attempt, d.data, d.key])).toEqual([
      ['attempts-exhausted', 'Error: boom 1', '1-1', 5, '{"n":1}', 'k1'],
      ['non-retryable', 'NonRetryableError: nope', '1-2', 1, '{"n":2}', 'k2'],
    ]);
  });

  it('filters by time range, reason, error text or RegExp, and count', async () => {
    await bury(1, {}, '1000-0');
    await bury(2, { err: 'TimeoutError: slow' }, '2000-0');
    await bury(3, { reason: 'max-deliveries' }, '3000-0');
    await bury(4, {}, '4000-0');
    const q = (o: object) =>
      listDeadLetters(h.redis, 'jobs', { prefix: h.prefix, ...o }).then((l) => l.map((d) => d.id));
    expect(await q({ from: 2000, to: new Date(3000) })).toEqual(['2000-0', '3000-0']);
    expect(await q({ reason: 'max-deliveries' })).toEqual(['3000-0']);
    expect(await q({ errorMatch: 'Timeout' })).toEqual(['2000-0']);
    expect(await q({ errorMatch: /boom [14]$/ })).toEqual(['1000-0', '4000-0']);
    expect(await q({ count: 2, from: '1000-0' })).toEqual(['1000-0', '2000-0']);
    await expect(q({ from: 'yesterday' })).rejects.toThrow(/"from".*"yesterday"/);
  });
});

describe('replay', () => {
  it('moves dead letters back with attempt reset and origin kept, and empties the DLQ', async () => {
    for (let n = 0; n < 7; n++) await bury(n);
    const progress: number[] = [];
    const result = await replay(h.redis, 'jobs', {
      prefix: h.prefix,
      batchSize: 3,
      onProgress: (p) => progress.push(p.replayed),
    });
    expect(result).toEqual({ replayed: 7, skipped: 0 });
    expect(progress).toEqual([3, 6, 7]);
    expect(await h.range(h.keys.dlq)).toEqual([]);
    const tasks = await h.range(h.keys.stream);
    expect(tasks.map((t) => t.f)).toEqual(
      Array.from({ length: 7 }, (_, n) => ({ v: '1', data: `{"n":${n}}`, key: `k${n}`, origin: `1-${n}` })),
    );
  });

  it('replays nothing the second time, and two concurrent runs replay each dead letter once', async () => {
    for (let n = 0; n < 300; n++) await bury(n);
    const [a, b] = await Promise.all([
      replay(h.redis, 'jobs', { prefix: h.prefix, batchSize: 7 }),
      replay(h.redis, 'jobs', { prefix: h.prefix, batchSize: 11 }),
    ]);
    expect(a.replayed + b.replayed).toBe(300);
    expect(await h.redis.sendCommand(['XLEN', h.keys.stream])).toBe(300);
    expect(await replay(h.redis, 'jobs', { prefix: h.prefix })).toEqual({ replayed: 0, skipped: 0 });
  });

  it('selects by ids, error text and limit; skips ids already gone', async () => {
    const ids = [await bury(1), await bury(2, { err: 'TimeoutError: slow' }), await bury(3), await bury(4)];
    expect(await replay(h.redis, 'jobs', { prefix: h.prefix, ids: [ids[0] as string, '1-1'] })).toEqual({
      replayed: 1,
      skipped: 1,
    });
    expect(await replay(h.redis, 'jobs', { prefix: h.prefix, errorMatch: 'Timeout' })).toEqual({
      replayed: 1,
      skipped: 0,
    });
    expect(await replay(h.redis, 'jobs', { prefix: h.prefix, limit: 1 })).toEqual({ replayed: 1, skipped: 0 });
    expect((await h.range(h.keys.dlq)).map((d) => d.id)).toEqual([ids[3]]);
  });

  it('writes nothing in a dry run and leaves dead letters that are not tasks', async () => {
    await bury(1);
    await h.redis.sendCommand(['XADD', h.keys.dlq, '*', 'reason', 'malformed', 'member', 'garbage']);
    expect(await replay(h.redis, 'jobs', { prefix: h.prefix, dryRun: true })).toEqual({ replayed: 1, skipped: 1 });
    expect(await h.redis.sendCommand(['XLEN', h.keys.dlq])).toBe(2);
    expect(await h.redis.sendCommand(['EXISTS', h.keys.stream])).toBe(0);
    expect(await replay(h.redis, 'jobs', { prefix: h.prefix })).toEqual({ replayed: 1, skipped: 1 });
    expect((await h.range(h.keys.dlq)).map((d) => d.f.reason)).toEqual(['malformed']);
  });
});

describe('rewind', () => {
  it('re-delivers history from a time or after an id', async () => {
    for (const id of ['1000-0', '2000-0', '2000-1', '3000-0']) {
      await h.redis.sendCommand(['XADD', h.keys.stream, id, 'v', '1', 'data', '1']);
    }
    await h.redis.sendCommand(['XGROUP', 'CREATE', h.keys.stream, 'g', '$']);
    const read = async () => {
      const r = await h.redis.sendCommand<Array<[string, Array<[string, string[]]>]> | null>([
        'XREADGROUP',
        'GROUP',
        'g',
        'c',
        'STREAMS',
        h.keys.stream,
        '>',
      ]);
      return (r?.[0]?.[1] ?? []).map(([id]) => id);
    };
    expect(await rewind(h.redis, 'jobs', 'g', 2000, { prefix: h.prefix })).toBe('1999-18446744073709551615');
    expect(await read()).toEqual(['2000-0', '2000-1', '3000-0']);
    await rewind(h.redis, 'jobs', 'g', '2000-0', { prefix: h.prefix });
    expect(await read()).toEqual(['2000-1', '3000-0']);
    await expect(rewind(h.redis, 'jobs', 'g', -5, { prefix: h.prefix })).rejects.toThrow(/"to".*-5/);
  });
});
