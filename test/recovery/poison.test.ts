// A poison entry kills every process that runs it. Workers are restarted like a supervisor
// would; after maxDeliveries crashes the entry must be in the dead-letter stream, and every
// other entry done.
import { Producer } from '@sluice/core';
import { fieldsToObject, streamKeys } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { readResults, tally, useFleet, type Worker, type WorkerConfig } from './fleet.js';

const env = useFleet('poison');

describe('a poison entry whose handler calls process.exit(1)', () => {
  it('is dead-lettered as max-deliveries after maxDeliveries crashes, and everything else is done', async () => {
    const keys = streamKeys('jobs', env.prefix);
    const maxDeliveries = 3;
    const config: WorkerConfig = {
      prefix: env.prefix,
      concurrency: 1,
      prefetch: 0,
      recovery: { minIdleMs: 800, claimIntervalMs: 150, keepaliveIntervalMs: 200, maxDeliveries },
    };
    let crashes = 0;
    let stopped = false;
    // A supervisor: restart a worker whenever one crashes.
    const supervise = (w: Worker): void => {
      void w.exited.then((code) => {
        if (code !== 1 || stopped) return;
        crashes++;
        supervise(env.fleet.start(config));
      });
    };
    for (let i = 0; i < 2; i++) supervise(env.fleet.start(config));
    await Promise.all(env.fleet.workers.map((w) => w.ready()));

    const producer = new Producer({ url: env.url, prefix: env.prefix });
    const payloads = Array.from({ length: 40 }, (_, n) => (n === 20 ? { n, kind: 'poison' } : { n, sleepMs: 5 }));
    const ids = await producer.publishMany('jobs', payloads);
    await producer.close();

    await until(async () => Number(await env.redis.sendCommand(['XLEN', keys.dlq])) === 1, 60_000, 'poison in the DLQ');
    await until(
      async () => new Set((await readResults(env.redis, keys.results)).map((r) => r.n)).size === 40,
      30_000,
      'every entry settled',
    );
    stopped = true;
    const dlq = await env.redis.sendCommand<Array<[string, string[]]>>(['XRANGE', keys.dlq, '-', '+']);
    expect(dlq).toHaveLength(1);
    const fields = dlq[0]?.[1] ?? [];
    const letter = fieldsToObject(fields);
    const results = await readResults(env.redis, keys.results);
    const byEntry = tally(results.map((r) => r.n));
    console.log(`[poison] crashes: ${crashes}, dead letter: ${letter.reason} after ${letter.deliveries} deliveries`);

    expect(crashes).toBe(maxDeliveries);
    expect(letter).toMatchObject({ reason: 'max-deliveries', origin: ids[20], deliveries: String(maxDeliveries + 1) });
    expect(JSON.parse(letter.data as string)).toEqual({ n: 20, kind: 'poison' });
    expect(
      results
        .filter((r) => r.status === 'ok')
        .map((r) => r.n)
        .sort(),
    ).not.toContain('20');
    expect(byEntry.get('20')).toBe(1);
    expect(results.find((r) => r.n === '20')?.status).toBe('dead');
    for (let n = 0; n < 40; n++)
      if (n !== 20) expect(results.some((r) => r.n === String(n) && r.status === 'ok')).toBe(true);
    expect(Number((await env.redis.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0])).toBe(0);
  });
});
