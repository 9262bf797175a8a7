// Retries in a real worker: fail twice then succeed (backoff observed between attempts),
// NonRetryableError straight to the DLQ, a handler timeout counted as a failed attempt.
import { Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { until } from '@sluice/testing';
import { describe, expect, it } from 'vitest';
import { readLog, readResults, useFleet } from './fleet.js';

const env = useFleet('retry');

describe('retries in a worker process', () => {
  it('finishes fail-twice on attempt 3 after the backoff, dead-letters non-retryable at once and timeouts when exhausted', async () => {
    const keys = streamKeys('jobs', env.prefix);
    const backoffMs = 400;
    const worker = env.fleet.start({
      prefix: env.prefix,
      concurrency: 5,
      timeoutMs: 300,
      promoteIntervalMs: 50,
      recovery: { attempts: 3, backoffMs },
    });
    await worker.ready();
    const producer = new Producer({ url: env.url, prefix: env.prefix });
    const [flaky, bad, hang] = await producer.publishMany('jobs', [
      { n: 1, kind: 'fail-twice' },
      { n: 2, kind: 'non-retryable' },
      { n: 3, kind: 'hang' },
      { n: 4 },
    ]);
    await producer.close();

    await until(async () => Number(await env.redis.sendCommand(['XLEN', keys.dlq])) === 2, 30_000, 'two dead letters');
    await until(
      async () => (await readResults(env.redis, keys.results)).some((r) => r.n === '1' && r.status === 'ok'),
      30_000,
    );

    const log = await readLog(env.redis, env.prefix);
    const starts = (n: number) => log.filter((r) => r.n === n && r.e === 'start');
    expect(starts(1).map((r) => r.attempt)).toEqual([1, 2, 3]);
    const gaps = starts(1)
      .slice(1)
      .map((r, i) => r.at - (starts(1)[i] as { at: number }).at);
    console.log(`[retry] fail-twice attempt gaps: ${gaps.join(', ')} ms (backoff ${backoffMs} ms)`);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(backoffMs);
    expect(starts(2).map((r) => r.attempt)).toEqual([1]);
    expect(starts(3).map((r) => r.attempt)).toEqual([1, 2, 3]);

    const dlq = await env.redis.sendCommand<Array<[string, string[]]>>(['XRANGE', keys.dlq, '-', '+']);
    const letters = dlq.map(([, f]) =>
      Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i], f[2 * i + 1]])),
    );
    const byOrigin = new Map(letters.map((l) => [l.origin, l]));
    expect(byOrigin.get(bad)).toMatchObject({
      reason: 'non-retryable',
      attempt: '1',
      err: 'NonRetryableError: bad input',
    });
    expect(byOrigin.get(hang)).toMatchObject({ reason: 'attempts-exhausted', attempt: '3' });
    expect(byOrigin.get(hang)?.err).toMatch(/^TimeoutError/);

    const results = await readResults(env.redis, keys.results);
    const ok = results.filter((r) => r.status === 'ok');
    expect(ok.map((r) => [r.n, r.attempt]).sort()).toEqual([
      ['1', '3'],
      ['4', '1'],
    ]);
    const retried = results.filter((r) => r.status === 'failed').map((r) => r.n);
    expect(retried.sort()).toEqual(['1', '1', '3', '3']);
    expect(flaky).toBeDefined();
    expect(Number(await env.redis.sendCommand(['ZCARD', keys.delayed]))).toBe(0);
  });
});
