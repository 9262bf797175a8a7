// Per-key limits, fleet-wide: key concurrency (slots held from dispatch to settle, released by
// the settle script, leaked holders healed) and per-key rate limits. Asserted from recorded
// start/end times and entry ids (Redis time), never from wall-clock thresholds.
import { until } from '@sluice/testing';
import { type Harness, harness } from '@sluice/testing/vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { HOLD_CHECK_MS } from '../lua/dispatch.js';
import { sleep } from '../util.js';

let h: Harness;
beforeEach(async () => {
  h = await harness('keylimits');
});
afterEach(async () => {
  await h.close();
});

type Task = { k: string; n: number };
type Ctx = { id: string; key?: string | undefined };

function consumer(name: string, ordering: object, handler: (t: Task, ctx: Ctx) => unknown, concurrency = 8) {
  return h.consumer<Task>({ consumer: name, blockMs: 200, concurrency, ordering, handler });
}

async function publish(keys: string[], perKey: number, extra: object = {}): Promise<void> {
  const p = h.producer();
  for (const k of keys)
    await p.publishMany(
      'jobs',
      Array.from({ length: perKey }, (_, n) => ({ k, n })),
      { key: k, fairness: 'key', ...extra },
    );
}

/** Overlaps between runs of one key: pairs whose [start, end) intersect. */
function overlaps(runs: { k: string; start: number; end: number }[]): number {
  const byKey = new Map<string, { start: number; end: number }[]>();
  for (const r of runs) byKey.set(r.k, [...(byKey.get(r.k) ?? []), r]);
  let n = 0;
  for (const list of byKey.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++)
      if ((list[i] as { start: number }).start < (list[i - 1] as { end: number }).end) n++;
  }
  return n;
}

describe('key concurrency', () => {
  it('keyConcurrency 1: no two tasks of one key overlap across 3 consumers; slots all released', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    await publish(keys, 10);
    const runs: { k: string; start: number; end: number }[] = [];
    const handler = async (t: Task) => {
      const start = performance.now();
      await sleep(1 + (t.n % 3));
      runs.push({ k: t.k, start, end: performance.now() });
    };
    for (const name of ['a', 'b', 'c']) await consumer(name, { fairness: 'key', keyConcurrency: 1 }, handler).start();
    await until(() => runs.length === 200, 30_000, 'all 200 tasks');
    expect(overlaps(runs)).toBe(0);
    // Every slot released by the settle script: no holder, no running entry left.
    await until(
      async () => Number(await h.redis.sendCommand(['HLEN', h.keys.sched('running')])) === 0,
      5000,
      'running hash empty',
    );
    const holds = keys.map((k) => `${h.keys.sched('hold:')}${k}`);
    expect(await h.redis.sendCommand(['EXISTS', ...holds])).toBe(0);
  });

  it('keyConcurrency 3: at most 3 of one key at once, and 3 are reached', async () => {
    await publish(['solo'], 30);
    let running = 0;
    let most = 0;
    let done = 0;
    const handler = async () => {
      most = Math.max(most, ++running);
      await sleep(5);
      running--;
      done++;
    };
    for (const name of ['a', 'b']) await consumer(name, { fairness: 'key', keyConcurrency: 3 }, handler).start();
    await until(() => done === 30, 20_000, '30 tasks');
    expect(most).toBe(3);
  });

  it('a holder whose release was lost is healed once its entry is no longer pending', async () => {
    await publish(['a'], 2);
    const seen: string[] = [];
    const c = consumer('a', { fairness: 'key', keyConcurrency: 1 }, async (_t, ctx) => {
      // Lose the release: the settle script finds no owner key for this entry.
      if (seen.length === 0) await h.redis.sendCommand(['HDEL', h.keys.sched('running'), ctx.id]);
      seen.push(ctx.id);
    });
    await c.start();
    await until(() => seen.length === 2, 10_000, 'second task after the leaked holder was healed');
    // The second task waited for the holder check (its entry acked, not pending): entry ids are Redis ms.
    const [first, second] = seen.map((id) => Number(id.split('-')[0])) as [number, number];
    expect(second - first).toBeGreaterThanOrEqual(HOLD_CHECK_MS - 50);
    expect(await h.redis.sendCommand(['EXISTS', `${h.keys.sched('hold:')}a`])).toBe(0);
  });

  it('the sweep drops a leaked holder of a key that never reaches its limit again', async () => {
    // A holder whose release never ran (say, acked by a consumer without keyConcurrency): its
    // entry id is not pending and was delivered long ago.
    await h.redis.sendCommand(['XGROUP', 'CREATE', h.keys.stream, 'g', '$', 'MKSTREAM']);
    await h.redis.sendCommand(['XADD', h.keys.stream, '*', 'v', '1']);
    await h.redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'x', 'STREAMS', h.keys.stream, '>']);
    const [[leaked]] = (await h.redis.sendCommand(['XRANGE', h.keys.stream, '-', '+'])) as [[string]];
    await h.redis.sendCommand(['XACK', h.keys.stream, 'g', leaked]);
    await h.redis.sendCommand(['HSET', h.keys.sched('running'), leaked, 'b']);
    await h.redis.sendCommand(['ZADD', `${h.keys.sched('hold:')}b`, '0', leaked]);
    await publish(['a'], 1);
    let done = 0;
    await consumer('a', { fairness: 'key', keyConcurrency: 2 }, () => {
      done++;
    }).start();
    await until(() => done === 1, 5000, 'the task of key a');
    await until(
      async () => Number(await h.redis.sendCommand(['HLEN', h.keys.sched('running')])) === 0,
      5000,
      'leaked holder swept',
    );
    expect(await h.redis.sendCommand(['EXISTS', `${h.keys.sched('hold:')}b`])).toBe(0);
  });

  it('a backlog task (a retry, a priority publish) of a key at its limit waits in its key queue', async () => {
    await publish(['r'], 3);
    // Retries of fair tasks come back through the shared backlog with their score: same path.
    const p = h.producer();
    await p.publishMany(
      'jobs',
      Array.from({ length: 3 }, (_, n) => ({ k: 'r', n: 10 + n })),
      { key: 'r', priority: 1 },
    );
    const runs: { k: string; start: number; end: number }[] = [];
    const handler = async (t: Task) => {
      const start = performance.now();
      await sleep(10);
      runs.push({ k: t.k, start, end: performance.now() });
    };
    for (const name of ['a', 'b']) await consumer(name, { fairness: 'key', keyConcurrency: 1 }, handler).start();
    await until(() => runs.length === 6, 10_000, '6 tasks');
    expect(overlaps(runs)).toBe(0);
  });

  it.each([
    [{ fairness: 'key', keyConcurrency: 0 }, /keyConcurrency/],
    [{ fairness: 'key', keyConcurrency: -1 }, /keyConcurrency/],
    [{ fairness: 'key', keyConcurrency: 1.5 }, /keyConcurrency/],
    [{ keyConcurrency: 2 }, /needs fairness/],
    [{ fairness: 'key', keyRateLimit: { max: 0, perMs: 1000 } }, /max/],
    [{ fairness: 'key', keyRateLimit: { max: 5, perMs: -1 } }, /perMs/],
    [{ fairness: 'key', keyRateLimit: { max: 5 } }, /perMs/],
    [{ keyRateLimit: { max: 5, perMs: 1000 } }, /needs fairness/],
    [{ fairness: 'key', fairShare: 'time' }, /fairShare/],
    [{ fairness: 'key', quantumMs: 10 }, /quantumMs needs/],
    [{ fairness: 'key', fairShare: 'cost', quantumMs: 0 }, /quantumMs/],
  ])('rejects ordering %j', (ordering, message) => {
    expect(() => consumer('x', ordering, () => {})).toThrow(ConfigError);
    expect(() => consumer('x', ordering, () => {})).toThrow(message);
  });
});

describe('per-key rate limit', () => {
  it('no window of perMs dispatches more than max of any one key; held-back dispatches are counted; state expires', async () => {
    await publish(['slow', 'other'], 12);
    const released = new Map<string, number[]>();
    let limited = 0;
    const handler = (t: Task, ctx: Ctx) => {
      released.set(t.k, [...(released.get(t.k) ?? []), Number(ctx.id.split('-')[0])]);
    };
    const ordering = { fairness: 'key', keyRateLimit: { max: 4, perMs: 400 } };
    for (const name of ['a', 'b']) {
      const c = consumer(name, ordering, handler);
      c.on('rateLimited', (n) => {
        limited += n;
      });
      await c.start();
    }
    await until(
      () => (released.get('slow')?.length ?? 0) === 12 && released.get('other')?.length === 12,
      20_000,
      'all',
    );
    for (const times of released.values()) {
      times.sort((x, y) => x - y);
      // Entry ids are the Redis ms of dispatch; the log uses Redis µs, so allow the same ms at the edge.
      for (let i = 4; i < times.length; i++)
        expect((times[i] as number) - (times[i - 4] as number)).toBeGreaterThanOrEqual(399);
    }
    expect(limited).toBeGreaterThan(0);
    // Throughput: 12 per key at 4 per 400 ms needs ≥ 800 ms and should not take much more.
    const slow = released.get('slow') as number[];
    expect((slow[11] as number) - (slow[0] as number)).toBeLessThan(3 * 800);
    // State is bounded: each key's log expires.
    const ttl = Number(await h.redis.sendCommand(['PTTL', `${h.keys.sched('krate:')}slow`]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1400);
  });
});
