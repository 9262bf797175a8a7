import { recovery, replay } from '@sluice/claim';
import { ClosedError, ConfigError } from '@sluice/core';
import { deferred, entriesAdded, sleep, until } from '@sluice/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WaitTimeoutError } from './errors.js';
import { results } from './plugin.js';
import { replies } from './replies.js';
import { RESULTS_DEFAULTS } from './results.js';
import { type Harness, harness } from './test-util/harness.js';

describe('results()', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('res');
  });
  afterEach(() => h.close());

  it('writes one result entry per outcome with the ack; a failure left pending is recorded as not final', async () => {
    const c = h.consumer<{ n: number }>({
      use: [results({ maxResultBytes: 40 })],
      handler: ({ n }) => {
        if (n % 3 === 0) throw new Error(`no ${n}`);
        return n === 4 ? 'x'.repeat(100) : { double: n * 2 };
      },
    });
    await c.start();
    const p = h.producer();
    const ids = await Promise.all(Array.from({ length: 30 }, (_, n) => p.publish('jobs', { n })));
    await until(async () => (await h.range(h.keys.results)).length === 30);
    const rows = await h.range(h.keys.results);
    const byId = new Map(rows.map((r) => [r.f.id, r.f]));
    expect(byId.size).toBe(30);
    for (const [n, id] of ids.entries()) {
      const f = byId.get(id) as Record<string, string>;
      expect(f).toMatchObject({ attempt: '1', consumer: c.name, group: 'g' });
      expect(f.origin).toBeUndefined(); // a first attempt: its own origin
      expect(Number(f.ms)).toBeGreaterThanOrEqual(0);
      if (n % 3 === 0) {
        expect(f).toMatchObject({ status: 'failed', final: '0', error: `Error: no ${n}` });
      } else if (n === 4) {
        expect(f.status).toBe('ok');
        expect(f.result).toBeUndefined();
        expect(f.error).toMatch(/over maxResultBytes=40/);
      } else {
        expect(f).toMatchObject({ status: 'ok', final: '1', result: JSON.stringify({ double: n * 2 }) });
      }
    }
    // The failures stay pending (no retry policy); everything else was acked.
    const pending = await h.redis.sendCommand<Array<[string]>>(['XPENDING', h.keys.stream, 'g', '-', '+', '100']);
    expect(pending.map(([id]) => id).sort()).toEqual(ids.filter((_, n) => n % 3 === 0).sort());
  });

  it('writes only final outcomes with everyAttempt: false', async () => {
    const c = h.consumer<{ n: number }>({
      use: [results({ everyAttempt: false })],
      handler: ({ n }) => {
        if (n === 0) throw new Error('left pending');
        return n;
      },
    });
    await c.start();
    const p = h.producer();
    await Promise.all([0, 1, 2].map((n) => p.publish('jobs', { n })));
    await until(async () => (await h.range(h.keys.results)).length === 2);
    await sleep(100);
    expect((await h.range(h.keys.results)).map((r) => r.f.status)).toEqual(['ok', 'ok']);
  });

  it('keeps the results stream near resultsMaxLen, and drops entries older than resultsTtlMs', async () => {
    const byLen = h.consumer({
      group: 'len',
      use: [results({ resultsMaxLen: 10, resultsTtlMs: 0 })],
      handler: () => 1,
    });
    await byLen.start();
    const p = h.producer();
    for (let i = 0; i < 10; i++)
      await p.publishMany(
        'jobs',
        Array.from({ length: 100 }, (_, n) => n),
      );
    await until(async () => (await entriesAdded(h.redis, h.keys.results)) === 1000);
    // MAXLEN ~ trims whole radix-tree nodes (100 entries each by default): 1000 written, ~10 kept.
    expect(await h.redis.sendCommand<number>(['XLEN', h.keys.results])).toBeLessThanOrEqual(200);
    await byLen.close();

    await h.redis.sendCommand(['DEL', h.keys.results]);
    const byAge = h.consumer({ group: 'age', use: [results({ resultsMaxLen: 0, resultsTtlMs: 1 })], handler: () => 1 });
    await byAge.start();
    await until(async () => (await entriesAdded(h.redis, h.keys.results)) === 1000);
    expect(await h.redis.sendCommand<number>(['XLEN', h.keys.results])).toBeLessThanOrEqual(300);
  });
});

describe('Results', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('rdr');
  });
  afterEach(() => h.close());

  it('waitFor resolves whether it starts before the result is written or after', async () => {
    const gate = deferred();
    const c = h.consumer<{ n: number }>({
      use: [results()],
      handler: async ({ n }) => {
        if (n === 1) await gate.promise;
        return { got: n };
      },
    });
    await c.start();
    const r = h.results();
    const p = h.producer();
    const early = await p.publish('jobs', { n: 0 });
    await until(async () => (await h.range(h.keys.results)).length === 1);
    const waiting = await p.publish('jobs', { n: 1 });
    const pending = r.waitFor<{ got: number }>(waiting);
    await sleep(50);
    expect(r.waiting).toBe(1);
    gate.resolve();
    const late = await r.waitFor<{ got: number }>(early); // result written before anyone waited
    expect(late).toMatchObject({ id: early, origin: early, status: 'ok', final: true, result: { got: 0 } });
    expect(await pending).toMatchObject({
      id: waiting,
      status: 'ok',
      result: { got: 1 },
      consumer: c.name,
      group: 'g',
    });
    expect(r.waiting).toBe(0);
  });

  it('waitFor resolves with the final outcome after retries, matched by the first entry id', async () => {
    let healed = false;
    const c = h.consumer<{ ok: boolean }>({
      promoteIntervalMs: 20,
      use: [recovery({ attempts: 3, backoff: () => 0 }), results()],
      handler: ({ ok }, ctx) => {
        if (!healed && (ctx.attempt < 3 || !ok)) throw new Error(`attempt ${ctx.attempt}`);
        return 'third time';
      },
    });
    await c.start();
    const r = h.results();
    const p = h.producer();
    const [good, bad] = await Promise.all([p.publish('jobs', { ok: true }), p.publish('jobs', { ok: false })]);
    const [g, b] = await Promise.all([
      r.waitFor(good as string, { timeoutMs: 20_000 }),
      r.waitFor(bad as string, { timeoutMs: 20_000 }),
    ]);
    expect(g).toMatchObject({ origin: good, status: 'ok', attempt: 3, result: 'third time', final: true });
    expect(g.id).not.toBe(good);
    expect(b).toMatchObject({
      origin: bad,
      status: 'dead',
      attempt: 3,
      reason: 'attempts-exhausted',
      error: 'Error: attempt 3',
    });
    const rows = await h.range(h.keys.results);
    expect(
      rows.filter((x) => (x.f.origin ?? x.f.id) === good).map((x) => [x.f.status, x.f.final, x.f.attempt]),
    ).toEqual([
      ['failed', '0', '1'],
      ['failed', '0', '2'],
      ['ok', '1', '3'],
    ]);
    expect(rows.filter((x) => x.f.final === '0').every((x) => Number(x.f.retryAt) > 0)).toBe(true);
    expect((await r.status(bad as string)).status).toBe('dead');
    // Replayed after a fix: its status is the replay's outcome, not the old dead letter.
    healed = true;
    await replay(h.redis, 'jobs', { prefix: h.prefix });
    await until(async () => (await r.status(bad as string)).status === 'ok');
  });

  it('waitFor rejects on timeout, on abort and on close, and forgets the waiter', async () => {
    const r = h.results();
    const never = '1-0';
    await expect(r.waitFor(never, { timeoutMs: 50 })).rejects.toBeInstanceOf(WaitTimeoutError);
    const ac = new AbortController();
    const aborted = r.waitFor(never, { signal: ac.signal });
    await sleep(20);
    ac.abort(new Error('stop waiting'));
    await expect(aborted).rejects.toThrow('stop waiting');
    await expect(r.waitFor(never, { signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    expect(r.waiting).toBe(0);
    // The rejection handler is attached before close(): close() may take several ticks (a cluster).
    const open = expect(r.waitFor(never)).rejects.toBeInstanceOf(ClosedError);
    await r.close();
    await open;
    await expect(r.waitFor('not-an-id')).rejects.toThrow(/entry id/);
  });

  it('waitFor gives up after waitTimeoutMs by default, naming the id; Infinity waits until close', async () => {
    expect(RESULTS_DEFAULTS.waitTimeoutMs).toBe(30_000);
    const r = h.results({ waitTimeoutMs: 100 });
    const never = '1-0';
    const forever = r.waitFor(never, { timeoutMs: Number.POSITIVE_INFINITY });
    const closed = expect(forever).rejects.toBeInstanceOf(ClosedError);
    const err = await r.waitFor(never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err).toMatchObject({ entryId: never, timeoutMs: 100, code: 'ERR_SLUICE_TIMEOUT' });
    expect((err as Error).message).toContain(never);
    // The Infinity waiter is still there after the default one gave up.
    expect(r.waiting).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN, '10'])
      await expect(r.waitFor(never, { timeoutMs: bad as number })).rejects.toBeInstanceOf(ConfigError);
    expect(() => h.results({ waitTimeoutMs: 0 })).toThrow(ConfigError);
    expect(() => h.results({ tls: 'yes' as never })).toThrow(/tls/);
    await r.close();
    await closed;
  });

  it('status walks pending → processing → ok for one entry', async () => {
    await h.redis.sendCommand(['XGROUP', 'CREATE', h.keys.stream, 'g', '0', 'MKSTREAM']);
    const r = h.results();
    const id = await h.producer().publish('jobs', 'work');
    expect(await r.status(id)).toEqual({ status: 'pending' });
    const gate = deferred();
    const c = h.consumer({ use: [results()], handler: () => gate.promise.then(() => 'done') });
    await c.start();
    await until(async () => (await r.status(id)).status === 'processing');
    expect(await r.status(id)).toMatchObject({ status: 'processing', group: 'g', consumer: c.name, deliveries: 1 });
    gate.resolve();
    await until(async () => (await r.status(id)).status === 'ok');
    const done = await r.status(id);
    expect(done.status === 'ok' && done.result.result).toBe('done');
    expect(await r.status('1-1')).toEqual({ status: 'unknown' });
  });

  it('reads pages of results and tails new ones as they are written', async () => {
    const c = h.consumer<number>({ use: [results()], handler: (n) => n * 10 });
    await c.start();
    const r = h.results();
    const p = h.producer();
    const ac = new AbortController();
    const tail = r.tail<number>({ signal: ac.signal });
    const seen: number[] = [];
    const tailing = (async () => {
      for await (const x of tail) {
        seen.push(x.result as number);
        if (seen.length === 5) break;
      }
    })();
    await sleep(50); // the tail starts at "now"
    for (let n = 1; n <= 5; n++) await p.publish('jobs', n);
    await tailing;
    expect(seen.sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50]);
    const first = await r.read({ count: 2 });
    const rest = await r.read({ from: `(${first[1]?.resultId}`, count: 10 });
    expect(first).toHaveLength(2);
    expect([...first, ...rest].map((x) => x.result as number).sort((a, b) => a - b)).toEqual([10, 20, 30, 40, 50]);
    // A tail blocked on an empty stream ends when its signal aborts.
    const idle = r.tail({ signal: ac.signal });
    const ended = idle.next();
    await sleep(50);
    ac.abort();
    expect((await ended).done).toBe(true);
  });

  it('publishAndWait resolves with the final result (request/reply)', async () => {
    const c = h.consumer<{ a: number; b: number }>({ use: [results()], handler: ({ a, b }) => a + b });
    await c.start();
    const p = h.producer({ use: [replies({ url: h.url, prefix: h.prefix })] });
    const answers = await Promise.all(
      [1, 2, 3].map((a) => p.publishAndWait<{ result: number }>('jobs', { a, b: 10 }, { timeoutMs: 10_000 })),
    );
    expect(answers.map((x) => x.result)).toEqual([11, 12, 13]);
    await expect(h.producer().publishAndWait('jobs', {})).rejects.toThrow(/replies\(\)/);
  });
});
