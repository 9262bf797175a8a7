import { recovery } from '@sluice/claim';
import { NonRetryableError } from '@sluice/core';
import { results } from '@sluice/results';
import { until } from '@sluice/testing';
import { harness } from '@sluice/testing/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { sluice } from '../test-util/cli.js';

let h: Awaited<ReturnType<typeof harness>> | undefined;
afterEach(async () => {
  await h?.close();
});

describe('sluice status', { timeout: 150_000 }, () => {
  it('finds a task queued, running, retrying, done with its result and dead with its error', async () => {
    h = await harness('status');
    const { url, prefix } = h;
    const p = h.producer();
    const queued = await p.publish('idle', { n: 0 }); // a stream nobody consumes
    const [ok, bad, slow, flaky] = await p.publishMany('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    const settled = new Set<number>();
    let release: () => void = () => {};
    const c = h.consumer<{ n: number }>({
      consumer: 'worker-a',
      concurrency: 4,
      use: [recovery({ attempts: 2, backoff: () => 60_000 }), results()],
      handler: async ({ n }) => {
        settled.add(n);
        if (n === 2) throw new NonRetryableError('no such customer');
        if (n === 3) await new Promise<void>((r) => (release = r));
        if (n === 4) throw new Error('flaky downstream');
        return { doubled: n * 2 };
      },
    });
    await c.start();
    await until(async () => settled.size === 4 && (await h?.redis.sendCommand(['ZCARD', h.keys.delayed])) === 1);

    const status = (id: string | undefined, stream = 'jobs') => sluice(['status', stream, String(id)], { url, prefix });
    const q = await status(queued, 'idle');
    expect(q).toMatchObject({ code: 0, stdout: `task ${queued} on idle: queued (in the stream, not yet delivered)\n` });
    const running = await status(slow);
    expect(running.stdout).toMatch(
      new RegExp(`^task ${slow} on jobs: running on consumer worker-a \\(group g\\), idle \\d`),
    );
    const retrying = await status(flaky);
    expect(retrying.stdout).toMatch(/: retrying attempt 2 due \d{4}-/);
    const done = await status(ok);
    expect(done.stdout).toBe(
      `task ${ok} on jobs: done (ok) attempt 1 by worker-a in ${JSON.parse((await sluice(['status', 'jobs', String(ok), '--json'], { url, prefix })).stdout).ms}ms\nresult {"doubled":2}\n`,
    );
    const dead = await status(bad);
    expect(dead.code).toBe(0);
    expect(dead.stdout).toMatch(
      /: dead \(non-retryable\) after attempt 1\nerror NonRetryableError: no such customer\n$/,
    );
    const deadJson = JSON.parse((await sluice(['status', 'jobs', String(bad), '--json'], { url, prefix })).stdout);
    expect(deadJson).toMatchObject({ stream: 'jobs', id: bad, state: 'dead', reason: 'non-retryable' });

    const unknown = await status('1-1');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('unknown');
    release();
  });

  it('finds a dead letter in the DLQ when the workers record no results', async () => {
    h = await harness('status');
    const { url, prefix } = h;
    const id = await h.producer().publish('jobs', { n: 1 });
    const c = h.consumer({
      use: [recovery({ attempts: 1 })],
      handler: () => {
        throw new Error('boom');
      },
    });
    await c.start();
    await until(async () => Number(await h?.redis.sendCommand(['XLEN', h.keys.dlq])) === 1);
    const r = await sluice(['status', 'jobs', id], { url, prefix });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^task ${id} on jobs: dead \\(attempts-exhausted\\) after attempt 1, dead letter \\d+-\\d+\\nerror Error: boom\\n$`,
      ),
    );
  });
});
