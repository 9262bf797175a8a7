import { sleep, until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import pLimit from 'p-limit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { Consumer } from './consumer.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('consumer');
});
afterEach(async () => {
  await h.close();
});

function consumer<T>(opts: Parameters<typeof h.consumer<T>>[0]) {
  return h.consumer<T>({ blockMs: 200, ...opts });
}

async function pendingCount(stream = 'jobs', group = 'g'): Promise<number> {
  const reply = await h.redis.sendCommand<[number]>(['XPENDING', streamKeys(stream, h.prefix).stream, group]);
  return Number(reply[0]);
}

describe('Consumer', () => {
  it('processes entries in stream order with concurrency 1', async () => {
    const p = h.producer();
    await p.publishMany(
      'jobs',
      Array.from({ length: 200 }, (_, n) => ({ n })),
    );
    const seen: number[] = [];
    const c = consumer<{ n: number }>({ concurrency: 1, prefetch: 5, handler: (x) => void seen.push(x.n) });
    await c.start();
    await until(() => seen.length === 200);
    expect(seen).toEqual(Array.from({ length: 200 }, (_, n) => n));
  });

  it('never runs more than `concurrency` handlers at once', async () => {
    const p = h.producer();
    await p.publishMany(
      'jobs',
      Array.from({ length: 120 }, (_, n) => ({ n })),
    );
    let running = 0;
    let peak = 0;
    let done = 0;
    const c = consumer({
      concurrency: 7,
      prefetch: 3,
      handler: async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(2 + Math.random() * 5);
        running--;
        done++;
      },
    });
    await c.start();
    await until(() => done === 120);
    expect(peak).toBe(7);
    expect(c.inFlight).toBeLessThanOrEqual(10);
  });

  it('holds at most concurrency + prefetch entries in memory whatever the backlog', async () => {
    const p = h.producer();
    await p.publishMany(
      'jobs',
      Array.from({ length: 500 }, (_, n) => ({ n })),
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = 0;
    const c = consumer({
      concurrency: 4,
      prefetch: 6,
      handler: async () => {
        started++;
        await gate;
      },
    });
    await c.start();
    await until(() => started === 4);
    await sleep(300);
    expect(c.inFlight).toBe(10);
    // The group delivered exactly what we hold: nothing buffered beyond the bound.
    expect(await pendingCount()).toBe(10);
    release();
  });

  it('splits work between two consumers in one group with no entry processed twice', async () => {
    const p = h.producer();
    const seen = new Map<number, string>();
    const dupes: number[] = [];
    const mk = (name: string) =>
      consumer<{ n: number }>({
        consumer: name,
        concurrency: 5,
        handler: async (x) => {
          if (seen.has(x.n)) dupes.push(x.n);
          seen.set(x.n, name);
          await sleep(1);
        },
      });
    const a = mk('a');
    const b = mk('b');
    await Promise.all([a.start(), b.start()]);
    await Promise.all(Array.from({ length: 1000 }, (_, n) => p.publish('jobs', { n })));
    await until(() => seen.size === 1000, 20_000);
    await sleep(100);
    expect(dupes).toEqual([]);
    const byA = [...seen.values()].filter((v) => v === 'a').length;
    expect(byA).toBeGreaterThan(0);
    expect(byA).toBeLessThan(1000);
    await until(async () => (await pendingCount()) === 0);
  });

  it('re-reads its own pending entries after a restart', async () => {
    const p = h.producer();
    await p.publishMany('jobs', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    // Read the entries under the consumer name, then "crash" without acking.
    const key = streamKeys('jobs', h.prefix).stream;
    await h.redis.sendCommand(['XGROUP', 'CREATE', key, 'g', '0', 'MKSTREAM']);
    await h.redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'w1', 'COUNT', '10', 'STREAMS', key, '>']);
    expect(await pendingCount()).toBe(3);
    const seen: number[] = [];
    const c = consumer<{ n: number }>({ consumer: 'w1', handler: (x) => void seen.push(x.n) });
    await c.start();
    await until(() => seen.length === 3);
    expect(seen).toEqual([1, 2, 3]);
    await until(async () => (await pendingCount()) === 0);
  });

  it('leaves a failed entry pending and emits failed (no retry policy in core)', async () => {
    const p = h.producer();
    const [id] = await p.publishMany('jobs', [{ boom: true }]);
    const failed: string[] = [];
    const c = consumer({
      handler: () => {
        throw new Error('nope');
      },
    });
    c.on('failed', (o) => failed.push(`${o.entry.id}:${o.error?.message}`));
    await c.start();
    await until(() => failed.length === 1);
    expect(failed).toEqual([`${id}:nope`]);
    await sleep(50);
    expect(await pendingCount()).toBe(1);
  });

  it('aborts ctx.signal and fails the entry after timeoutMs', async () => {
    const p = h.producer();
    await p.publish('jobs', { slow: true });
    let aborted: unknown;
    const errors: string[] = [];
    const c = consumer({
      timeoutMs: 50,
      handler: (_x: unknown, ctx?: { signal: AbortSignal }) =>
        new Promise((resolve) =>
          ctx?.signal.addEventListener('abort', () => {
            aborted = ctx.signal.reason;
            resolve(null);
          }),
        ),
    } as never);
    c.on('failed', (o) => errors.push(o.error?.name ?? ''));
    await c.start();
    await until(() => errors.length === 1);
    expect(errors).toEqual(['TimeoutError']);
    expect((aborted as Error).name).toBe('TimeoutError');
  });

  it('passes key, headers, attempt and id to the handler context', async () => {
    const p = h.producer();
    const id = await p.publish('jobs', { a: 1 }, { key: 'user-7', headers: { traceparent: '00-abc-def-01' } });
    const ctxs: unknown[] = [];
    const c = h.consumer({
      handler: (payload, ctx) =>
        void ctxs.push({ payload, id: ctx.id, key: ctx.key, headers: ctx.headers, attempt: ctx.attempt }),
    });
    await c.start();
    await until(() => ctxs.length === 1);
    expect(ctxs[0]).toEqual({
      payload: { a: 1 },
      id,
      key: 'user-7',
      headers: { traceparent: '00-abc-def-01' },
      attempt: 1,
    });
  });

  it('rejects bad options with errors that name the field and value', () => {
    const base = { url: h.url, stream: 's', group: 'g', handler: () => {} };
    expect(() => new Consumer({ ...base, concurrency: 0 })).toThrow(
      /"concurrency" must be an integer in \[1, 100000\], got 0/,
    );
    expect(() => new Consumer({ ...base, stream: 'a{b}' })).toThrow(ConfigError);
    expect(() => new Consumer({ ...base, group: '' })).toThrow(/group/);
    expect(() => new Consumer({ ...base, handler: 'x' as never })).toThrow(/"handler" must be a function/);
    expect(() => new Consumer({ ...base, url: undefined })).toThrow(/pass "url" or "client"/);
    expect(() => new Consumer({ ...base, blockMs: 1.5 })).toThrow(/"blockMs"/);
    expect(() => new Consumer({ ...base, startId: 'yesterday' })).toThrow(/"startId"/);
  });

  it('close() is idempotent and start() after close is refused', async () => {
    const c = consumer({ handler: () => {} });
    await c.start();
    await Promise.all([c.close(), c.close()]);
    await c.close();
    await expect(c.start()).rejects.toThrow(/already closed/);
  });

  it('never closes a client the caller passed in', async () => {
    const c = new Consumer({ client: h.redis, prefix: h.prefix, stream: 'jobs', group: 'g', handler: () => {} });
    await c.start();
    await c.close();
    expect(h.redis.isOpen).toBe(true);
    expect(await h.redis.sendCommand(['PING'])).toBe('PONG');
  });
});

describe('plugins', () => {
  it('reports a plugin hook that throws and still settles the outcome', async () => {
    const p = h.producer();
    await p.publishMany('jobs', [1, 2, 3]);
    const errors: string[] = [];
    let settled = 0;
    const c = consumer({
      handler: () => 'ok',
      use: [
        {
          name: 'broken',
          record() {
            throw new Error('oops');
          },
        },
      ],
    });
    c.on('error', (e) => errors.push(e.message));
    c.on('settled', () => settled++);
    await c.start();
    await until(() => settled === 3);
    expect(errors).toEqual(['plugin broken threw: oops', 'plugin broken threw: oops', 'plugin broken threw: oops']);
    expect(await pendingCount()).toBe(0);
  });
});

describe('sharedLimit', () => {
  it('caps handlers across consumers of different streams that share one p-limit', async () => {
    const limit = pLimit(3);
    const spans: Array<[number, number]> = [];
    const handler = async () => {
      const start = performance.now();
      await sleep(5);
      spans.push([start, performance.now()]);
    };
    const producer = h.producer();
    const a = h.consumer({ stream: 'a', concurrency: 10, sharedLimit: limit, handler });
    const b = h.consumer({ stream: 'b', concurrency: 10, sharedLimit: limit, handler });
    await Promise.all([a.start(), b.start()]);
    await Promise.all([
      producer.publishMany(
        'a',
        Array.from({ length: 60 }, (_, i) => i),
      ),
      producer.publishMany(
        'b',
        Array.from({ length: 60 }, (_, i) => i),
      ),
    ]);
    await until(() => spans.length === 120);
    // Most handlers overlapping at any start time, from the recorded spans.
    const most = Math.max(...spans.map(([s]) => spans.filter(([s2, e2]) => s2 <= s && e2 > s).length));
    expect(most).toBe(3);
  });
});
