import type { Outcome } from '@sluice/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recovery } from './recovery.js';
import { type Harness, harness, sleep, strand, until } from './test-util/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('own');
});
afterEach(() => h.close());

type Row = [string, string, number, number];

async function owner(id: string): Promise<string | undefined> {
  const rows = await h.redis.sendCommand<Row[]>(['XPENDING', h.keys.stream, 'g', id, id, '1']);
  return rows[0]?.[1];
}

describe('keepalive', () => {
  it('keeps a slow handler’s entries from being reclaimed by an eager consumer', async () => {
    const slow = recovery({ minIdleMs: 300, keepaliveIntervalMs: 60 });
    const eager = recovery({ minIdleMs: 300, claimIntervalMs: 20 });
    const done: string[] = [];
    const a = h.consumer({
      consumer: 'slow',
      concurrency: 2,
      prefetch: 2,
      use: [slow],
      handler: async (_p, ctx) => {
        await sleep(1200);
        done.push(ctx.id);
      },
    });
    await a.start();
    await h.producer().publishMany('jobs', [1, 2, 3, 4]);
    await until(() => a.inFlight === 4);
    const b = h.consumer({ consumer: 'eager', startId: '$', use: [eager], handler: () => {} });
    await b.start();
    await until(() => done.length === 4, 10_000, 'slow handlers to finish');
    await until(async () => (await h.pending()) === 0);
    expect(eager.stats.reclaimed).toBe(0);
    expect(slow.stats.fenced).toBe(0);
    expect(slow.stats.touched).toBeGreaterThan(0);
  });
});

describe('fencing', () => {
  it('drops the late outcome of an entry another consumer took over: no ack, no retry, no dead letter', async () => {
    const plugin = recovery({ minIdleMs: 60_000, backoff: () => 0 });
    const release: Array<() => void> = [];
    const fenced: Outcome[] = [];
    // fence 'strict': a manual XCLAIM with min idle 0 stands in for the reclaimer, which the
    // default fence window does not expect (docs/recovery.md, "Fencing"; crash.test.ts runs the real one).
    const c = h.consumer({
      consumer: 'paused',
      fence: 'strict',
      use: [plugin],
      handler: (p: { fail: boolean }) =>
        new Promise<void>((resolve, reject) => release.push(() => (p.fail ? reject(new Error('late')) : resolve()))),
    });
    c.on('fenced', (o) => fenced.push(o as Outcome));
    await c.start();
    const ids = await h.producer().publishMany('jobs', [{ fail: false }, { fail: true }]);
    await until(() => release.length === 2);
    // What a reclaimer does while this consumer is paused (SIGSTOP): take both entries.
    for (const id of ids) await h.redis.sendCommand(['XCLAIM', h.keys.stream, 'g', 'rescuer', '0', id]);
    for (const r of release.splice(0)) r();
    await until(() => fenced.length === 2, 10_000, 'both outcomes fenced');
    expect(fenced.map((o) => o.status).sort()).toEqual(['failed', 'ok']);
    expect(plugin.stats.fenced).toBe(2);
    for (const id of ids) expect(await owner(id)).toBe('rescuer');
    expect(await h.redis.sendCommand(['ZCARD', h.keys.delayed])).toBe(0);
    expect(await h.range(h.keys.dlq)).toEqual([]);
  });

  it('ctx.extend() refreshes an owned entry and reports false, without stealing, once it was taken', async () => {
    const answers: boolean[] = [];
    let steal: (() => Promise<void>) | undefined;
    const c = h.consumer({
      consumer: 'me',
      fence: 'strict',
      handler: async (_p, ctx) => {
        answers.push(await ctx.extend());
        await steal?.();
        answers.push(await ctx.extend());
      },
    });
    await c.start();
    const [id] = await h.producer().publishMany('jobs', [1]);
    steal = async () => {
      await h.redis.sendCommand(['XCLAIM', h.keys.stream, 'g', 'thief', '0', id as string]);
    };
    await until(() => answers.length === 2);
    expect(answers).toEqual([true, false]);
    expect(await owner(id as string)).toBe('thief');
  });
});

describe('dead consumers', () => {
  it('removes consumers idle past deadConsumerMs with nothing pending, never one with pending work', async () => {
    const names = async () =>
      (await h.redis.sendCommand<Array<string[]>>(['XINFO', 'CONSUMERS', h.keys.stream, 'g'])).map((c) => c[1]);
    await h.producer().publishMany('jobs', [1]);
    await strand(h, 'gone-busy', 1);
    await h.redis.sendCommand(['XGROUP', 'CREATECONSUMER', h.keys.stream, 'g', 'gone-empty']);
    expect(await names()).toContain('gone-empty');
    const plugin = recovery({ minIdleMs: 60_000, deadConsumerMs: 150 });
    const c = h.consumer({ consumer: 'alive', startId: '$', use: [plugin], handler: () => {} });
    await c.start();
    await until(async () => !(await names()).includes('gone-empty'), 10_000, 'idle empty consumer removed');
    await sleep(400);
    expect((await names()).sort()).toEqual(['alive', 'gone-busy']);
    expect(await h.pending()).toBe(1);
    expect(plugin.stats.removedConsumers).toBe(1);
  });
});
