// Replay while consumers run: 500 dead letters go back, each is processed exactly once, the
// DLQ ends empty, and replaying again (or twice at once) replays nothing more.
import { replay } from '@sluice/claim';
import { Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { readLog, readResults, tally, useFleet } from './fleet.js';

const env = useFleet('replay');

describe('replaying dead letters while consumers run', () => {
  it('processes each of 500 dead letters once, empties the DLQ, and a second replay replays nothing', async () => {
    const keys = streamKeys('jobs', env.prefix);
    const total = 500;
    await env.redis.sendCommand(['SET', `${env.prefix}:test:broken`, '1']);
    const workers = [0, 1].map(() => env.fleet.start({ prefix: env.prefix, concurrency: 20 }));
    await Promise.all(workers.map((w) => w.ready()));
    const producer = new Producer({ url: env.url, prefix: env.prefix });
    const ids = await producer.publishMany(
      'jobs',
      Array.from({ length: total }, (_, n) => ({ n, kind: 'broken-while-flagged' })),
    );
    await until(
      async () => Number(await env.redis.sendCommand(['XLEN', keys.dlq])) === total,
      30_000,
      '500 dead letters',
    );

    await env.redis.sendCommand(['DEL', `${env.prefix}:test:broken`]);
    const progress: number[] = [];
    // Two replays at once, while new work also arrives: no dead letter may go back twice.
    const fresh = producer.publishMany(
      'jobs',
      Array.from({ length: 200 }, (_, n) => ({ n: 1_000 + n })),
    );
    const [a, b] = await Promise.all([
      replay(env.redis, 'jobs', { prefix: env.prefix, batchSize: 50, onProgress: (p) => progress.push(p.replayed) }),
      replay(env.redis, 'jobs', { prefix: env.prefix, batchSize: 64 }),
    ]);
    await fresh;
    await producer.close();
    expect(a.replayed + b.replayed).toBe(total);
    expect(progress.length).toBeGreaterThan(1);
    expect(Number(await env.redis.sendCommand(['XLEN', keys.dlq]))).toBe(0);

    await until(
      async () => (await readResults(env.redis, keys.results)).filter((r) => r.status === 'ok').length === total + 200,
      30_000,
      'replayed and fresh entries done',
    );
    const results = await readResults(env.redis, keys.results);
    const ok = tally(results.filter((r) => r.status === 'ok').map((r) => r.n));
    for (let n = 0; n < total; n++) expect(ok.get(String(n))).toBe(1);
    const done = tally((await readLog(env.redis, env.prefix)).filter((r) => r.e === 'done').map((r) => r.n));
    expect([...done.values()].every((k) => k === 1)).toBe(true);

    expect(await replay(env.redis, 'jobs', { prefix: env.prefix })).toEqual({ replayed: 0, skipped: 0 });
    const origins = await env.redis.sendCommand<Array<[string, string[]]>>(['XRANGE', keys.stream, '-', '+']);
    const replayedOrigins = origins.map(([, f]) => f[f.indexOf('origin') + 1]).filter((o) => o && ids.includes(o));
    expect(new Set(replayedOrigins).size).toBe(total);
    expect(replayedOrigins.length).toBe(total);
  });
});
