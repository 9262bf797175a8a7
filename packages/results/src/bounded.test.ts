// No Results call waits forever on a Redis that stops answering (SIGSTOP: the socket stays
// open, nothing comes back): commands time out, waitFor times out, close() returns.
import { ClosedError, Producer, TimeoutError } from '@sluice/core';
import { openConnection } from '@sluice/core/plugin';
import { startRedis, type TestRedis } from '@sluice/testing';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WaitTimeoutError } from './errors.js';
import { METRICS_DEFAULTS, sluiceMetrics } from './metrics/plugin.js';
import { replies } from './replies.js';
import { RESULTS_DEFAULTS, Results } from './results.js';

let redis: TestRedis;
let frozen = false;
beforeAll(async () => {
  redis = await startRedis({ fresh: true });
});
afterAll(async () => {
  thaw();
  await redis?.stop();
});

function freeze(): void {
  process.kill(redis.pid as number, 'SIGSTOP');
  frozen = true;
}
function thaw(): void {
  if (frozen && redis?.pid) process.kill(redis.pid, 'SIGCONT');
  frozen = false;
}

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const open = (o: Partial<ConstructorParameters<typeof Results>[0]> = {}) =>
  new Results({ url: redis.url, prefix: redis.prefix, stream: 'jobs', blockMs: 100, log: quiet, ...o });

describe('Results on a silent Redis', () => {
  it('status() and read() reject with a TimeoutError after commandTimeoutMs', async () => {
    expect(RESULTS_DEFAULTS.commandTimeoutMs).toBe(10_000);
    const r = open({ commandTimeoutMs: 300 });
    expect((await r.status('1-0')).status).toBe('unknown'); // connected while Redis answers
    freeze();
    try {
      await expect(r.status('1-0')).rejects.toThrow(TimeoutError);
      await expect(r.read()).rejects.toThrow(/results jobs: XRANGE got no reply from Redis within 300 ms/);
    } finally {
      thaw();
    }
    await r.close();
  });

  it('close() returns while Redis is silent, rejecting waiters and ending tails', async () => {
    const r = open({ commandTimeoutMs: 300 });
    const waiting = r.waitFor('1-0', { timeoutMs: Number.POSITIVE_INFINITY });
    const rejected = expect(waiting).rejects.toBeInstanceOf(ClosedError);
    const tail = r.tail();
    const ended = tail.next().then(
      (v) => v.done,
      () => true,
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // the blocking read and the tail are under way
    freeze();
    try {
      await r.close();
      expect(frozen).toBe(true); // returned before Redis came back
      await rejected;
      expect(await ended).toBe(true);
    } finally {
      thaw();
    }
  });

  it('a first connect that never completes: waitFor times out and close() returns', async () => {
    freeze();
    try {
      const r = open();
      const err = await r.waitFor('1-0', { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WaitTimeoutError);
      await r.close();
      expect(frozen).toBe(true);
    } finally {
      thaw();
    }
  });

  it('a metrics scrape answers without the gauges of a silent Redis instead of hanging', async () => {
    expect(METRICS_DEFAULTS.readTimeoutMs).toBe(5000);
    const { client } = await openConnection({ url: redis.url }, () => {});
    const key = `${redis.prefix}:{watched}`;
    await client.sendCommand(['XGROUP', 'CREATE', key, 'g', '$', 'MKSTREAM']);
    const metrics = sluiceMetrics({ register: new Registry(), readTimeoutMs: 300, cacheMs: 0, log: quiet });
    metrics.watch(client, { stream: 'watched', group: 'g', prefix: redis.prefix });
    const lag = /sluice_group_lag\{[^}]*stream="watched"/;
    expect((await metrics.scrape()).body).toMatch(lag);
    freeze();
    try {
      const body = (await metrics.scrape()).body;
      expect(frozen).toBe(true);
      expect(body).not.toMatch(lag);
      expect(await metrics.health(300)).toMatchObject({ ok: false, redis: 'down' });
    } finally {
      thaw();
    }
    client.destroy();
  });

  it('publishAndWait gives up after waitTimeoutMs by default, and the producer closes while Redis is silent', async () => {
    const url = redis.url;
    const p = new Producer({
      url,
      prefix: redis.prefix,
      log: quiet,
      use: [replies({ url, waitTimeoutMs: 200, log: quiet })],
    });
    const err = await p.publishAndWait('nobody', { n: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err).toMatchObject({ timeoutMs: 200 });
    const waiting = p.publishAndWait('nobody', { n: 2 }, { timeoutMs: Number.POSITIVE_INFINITY });
    const closed = waiting.then(
      () => 'resolved',
      (e: unknown) => (e instanceof ClosedError ? 'closed' : String(e)),
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // published; its waiter is reading
    freeze();
    try {
      await p.close();
      expect(frozen).toBe(true);
      expect(await closed).toBe('closed');
    } finally {
      thaw();
    }
    expect(() => replies({ url, waitTimeoutMs: 0 })).toThrow(/waitTimeoutMs/);
    expect(() => replies({ url, bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
  });
});
