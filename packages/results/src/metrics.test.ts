// A known workload, then /metrics scraped over HTTP: exact counters, and gauges equal to what
// XINFO / XPENDING say when read independently.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recovery } from '@sluice/claim';
import { NonRetryableError, type RedisClient } from '@sluice/core';
import { idMs, replyToObject, streamKeys } from '@sluice/core/plugin';
import { httpGet, parsePrometheus, sample } from '@sluice/testing';
import { Registry } from 'prom-client';
import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sluiceMetrics } from './metrics/plugin.js';
import { type MetricsServer, metricsHandler, serveMetrics } from './metrics/server.js';
import { results } from './plugin.js';
import { type Harness, harness, until } from './test-util/harness.js';

type Job = { kind: 'ok' | 'retry' | 'exhaust' | 'fatal' | 'steal' | 'fail' };

describe('sluiceMetrics', () => {
  let h: Harness;
  let server: MetricsServer | undefined;
  beforeEach(async () => {
    h = await harness('metrics');
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await h.close();
  });

  it('reports exact counters and gauges that match XINFO/XPENDING after a known workload', async () => {
    const register = new Registry();
    const metrics = sluiceMetrics({ register, cacheMs: 0 });
    const other = streamKeys('other', h.prefix);
    const p = h.producer({ use: [metrics] });
    const handler = async ({ kind }: Job, ctx: { attempt: number; id: string }) => {
      if (kind === 'retry' && ctx.attempt === 1) throw new Error('first attempt fails');
      if (kind === 'exhaust') throw new Error('always fails');
      if (kind === 'fatal') throw new NonRetryableError('cannot do this');
      if (kind === 'fail') throw new Error('left pending');
      if (kind === 'steal') await h.redis.sendCommand(['XCLAIM', other.stream, 'g2', 'thief', '0', ctx.id, 'JUSTID']);
      return kind;
    };

    // 6 entries stranded on a consumer that died, 2 of them then trimmed away: recovery()
    // reclaims 4 and acks (and counts) the 2 deleted ones.
    await h.redis.sendCommand(['XGROUP', 'CREATE', h.keys.stream, 'g', '0', 'MKSTREAM']);
    const stranded = await p.publishMany(
      'jobs',
      Array.from({ length: 6 }, () => ({ kind: 'ok' })),
    );
    await h.redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'ghost', 'COUNT', '6', 'STREAMS', h.keys.stream, '>']);
    await h.redis.sendCommand(['XDEL', h.keys.stream, ...stranded.slice(4)]);
    const kinds: Array<[Job['kind'], number]> = [
      ['ok', 40],
      ['retry', 10],
      ['exhaust', 5],
      ['fatal', 3],
    ];
    for (const [kind, n] of kinds)
      await p.publishMany(
        'jobs',
        Array.from({ length: n }, () => ({ kind })),
      );
    for (let i = 0; i < 2; i++) await h.redis.sendCommand(['XADD', h.keys.stream, '*', 'v', '9', 'data', '{}']); // malformed
    await p.publishMany('other', [{ kind: 'steal' }, { kind: 'fail' }]);

    const jobs = h.consumer<Job>({
      promoteIntervalMs: 20,
      use: [recovery({ attempts: 2, backoff: () => 0, minIdleMs: 100 }), results(), metrics],
      handler,
    });
    // fence 'strict': the steal is a manual XCLAIM with min idle 0, which the default fence window does not expect.
    const second = h.consumer<Job>({ stream: 'other', group: 'g2', use: [metrics], handler, fence: 'strict' });
    let fenced = 0;
    let failed = 0;
    second.on('fenced', () => fenced++);
    second.on('failed', () => failed++);
    await jobs.start();
    await second.start();

    const finals = async () => (await h.range(h.keys.results)).filter((r) => r.f.final === '1').length;
    await until(async () => (await finals()) === 64 && fenced === 1 && failed === 1, 20_000, 'the workload');
    await until(async () => Number(await h.redis.sendCommand(['ZCARD', h.keys.delayed])) === 0);
    server = await serveMetrics({ metrics, port: 0, host: '127.0.0.1' });
    const res = await httpGet(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    const s = parsePrometheus(res.body);
    const j = { stream: 'jobs', group: 'g' };
    const o = { stream: 'other', group: 'g2' };

    // Counters: exact.
    expect(sample(s, 'sluice_published_total', { stream: 'jobs' })).toBe(64);
    expect(sample(s, 'sluice_published_total', { stream: 'other' })).toBe(2);
    expect(sample(s, 'sluice_processed_total', { ...j, status: 'ok' })).toBe(40 + 10 + 4);
    expect(sample(s, 'sluice_processed_total', { ...j, status: 'failed' })).toBe(10 + 5);
    expect(sample(s, 'sluice_processed_total', { ...j, status: 'dead' })).toBe(5 + 3 + 2);
    expect(sample(s, 'sluice_retries_total', j)).toBe(15);
    expect(sample(s, 'sluice_dead_lettered_total', { ...j, reason: 'attempts-exhausted' })).toBe(5);
    expect(sample(s, 'sluice_dead_lettered_total', { ...j, reason: 'non-retryable' })).toBe(3);
    expect(sample(s, 'sluice_dead_lettered_total', { ...j, reason: 'malformed' })).toBe(2);
    expect(sample(s, 'sluice_malformed_total', j)).toBe(2);
    expect(sample(s, 'sluice_reclaimed_total', j)).toBe(4);
    expect(sample(s, 'sluice_deleted_pending_total', j)).toBe(2);
    expect(sample(s, 'sluice_fenced_total', j)).toBeUndefined();
    expect(sample(s, 'sluice_fenced_total', o)).toBe(1);
    expect(sample(s, 'sluice_processed_total', { ...o, status: 'ok' })).toBe(1);
    expect(sample(s, 'sluice_processed_total', { ...o, status: 'failed' })).toBe(1);
    // Histograms: every handler run (malformed entries never ran one), every final outcome.
    expect(sample(s, 'sluice_handler_duration_seconds_count', j)).toBe(54 + 15 + 10 - 2);
    expect(sample(s, 'sluice_end_to_end_latency_seconds_count', j)).toBe(54 + 10);
    expect(sample(s, 'sluice_end_to_end_latency_seconds_bucket', { ...j, le: '+Inf' })).toBe(64);
    expect(s.types.get('sluice_handler_duration_seconds')).toBe('histogram');
    expect(s.types.get('sluice_group_lag')).toBe('gauge');
    expect(s.types.get('sluice_processed_total')).toBe('counter');

    // Gauges: the same numbers Redis gives when asked directly.
    for (const [keys, group, labels] of [
      [h.keys, 'g', j],
      [other, 'g2', o],
    ] as const) {
      const stream = { stream: labels.stream };
      expect(sample(s, 'sluice_stream_length', stream)).toBe(await h.redis.sendCommand(['XLEN', keys.stream]));
      expect(sample(s, 'sluice_dlq_length', stream)).toBe(await h.redis.sendCommand(['XLEN', keys.dlq]));
      expect(sample(s, 'sluice_delayed_length', stream)).toBe(await h.redis.sendCommand(['ZCARD', keys.delayed]));
      const [pending, oldest] = await h.redis.sendCommand<[number, string | null]>(['XPENDING', keys.stream, group]);
      expect(sample(s, 'sluice_group_pending', labels)).toBe(Number(pending));
      const groupInfo = (await h.redis.sendCommand<unknown[]>(['XINFO', 'GROUPS', keys.stream]))
        .map(replyToObject)
        .find((g) => g.name === group);
      expect(sample(s, 'sluice_group_lag', labels)).toBe(Number(groupInfo?.lag));
      const consumers = (await h.redis.sendCommand<unknown[]>(['XINFO', 'CONSUMERS', keys.stream, group]))
        .map(replyToObject)
        .filter((c) => Number(c.idle) < 60_000).length;
      expect(sample(s, 'sluice_consumers', labels)).toBe(consumers);
      const [sec] = await h.redis.sendCommand<[string, string]>(['TIME']);
      const age = oldest ? Number(sec) - idMs(oldest) / 1000 : 0;
      expect(Math.abs((sample(s, 'sluice_oldest_pending_age_seconds', labels) as number) - age)).toBeLessThan(5);
    }
    expect(sample(s, 'sluice_group_lag_seconds', j)).toBe(0); // nothing waits for delivery
    const idles = (await h.redis.sendCommand<unknown[][]>(['XPENDING', other.stream, 'g2', '-', '+', '10'])).map((p) =>
      Number(p[2]),
    );
    expect(sample(s, 'sluice_pending_max_idle_seconds', o)).toBeLessThanOrEqual(Math.max(...idles) / 1000);
    expect(sample(s, 'sluice_pending_max_idle_seconds', o)).toBeGreaterThan(0);
    expect(sample(s, 'sluice_dlq_length', { stream: 'jobs' })).toBe(10);
    expect(sample(s, 'sluice_group_pending', o)).toBe(2); // the stolen entry and the failure left pending
    expect(sample(s, 'sluice_oldest_pending_age_seconds', o)).toBeGreaterThan(0);
    expect(sample(s, 'sluice_consumers', j)).toBe(2); // ours and the ghost, which read moments ago

    // A closed consumer's gauges go away with it.
    await second.close();
    const after = parsePrometheus((await httpGet(`${server.url}/metrics`)).body);
    expect(sample(after, 'sluice_group_pending', o)).toBeUndefined();
    expect(sample(after, 'sluice_group_pending', j)).toBe(0);
  });

  it('reports lag in seconds from the oldest undelivered id, the longest pending idle time, and the build', async () => {
    const register = new Registry();
    const metrics = sluiceMetrics({ register, cacheMs: 0 });
    const [sec] = await h.redis.sendCommand<[string, string]>(['TIME']);
    const now = Number(sec) * 1000;
    const key = h.keys.stream;
    await h.redis.sendCommand(['XGROUP', 'CREATE', key, 'g', '0', 'MKSTREAM']);
    for (const ago of [120_000, 60_000, 30_000])
      await h.redis.sendCommand(['XADD', key, `${now - ago}-0`, 'v', '1', 'data', '1']);
    // The oldest is delivered and then sits for 45 s (XCLAIM IDLE sets its idle time); the
    // next one, published 60 s ago, was never delivered.
    await h.redis.sendCommand(['XREADGROUP', 'GROUP', 'g', 'ghost', 'COUNT', '1', 'STREAMS', key, '>']);
    await h.redis.sendCommand(['XCLAIM', key, 'g', 'ghost', '0', `${now - 120_000}-0`, 'IDLE', '45000', 'JUSTID']);
    metrics.watch(h.redis, { stream: 'jobs', group: 'g', prefix: h.prefix });
    const s = parsePrometheus((await metrics.scrape()).body);
    const j = { stream: 'jobs', group: 'g' };
    expect(sample(s, 'sluice_group_lag', j)).toBe(2);
    expect(sample(s, 'sluice_group_lag_seconds', j)).toBeGreaterThanOrEqual(60);
    expect(sample(s, 'sluice_group_lag_seconds', j)).toBeLessThan(90); // not the 120 s of the delivered one
    expect(sample(s, 'sluice_pending_max_idle_seconds', j)).toBeGreaterThanOrEqual(45);
    expect(sample(s, 'sluice_pending_max_idle_seconds', j)).toBeLessThan(90); // idle, not age since publish
    expect(sample(s, 'sluice_oldest_pending_age_seconds', j)).toBeGreaterThanOrEqual(120);
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(sample(s, 'sluice_build_info', { version })).toBe(1);
  });

  // Its own plain client on the suite's URL: single-server topology only (not under test:cluster).
  it.skipIf(process.env.SLUICE_TEST_TOPOLOGY === 'cluster')(
    'serves /healthz from Redis connectivity, 404 elsewhere, and plugs into another server as a handler',
    async () => {
      const metrics = sluiceMetrics({ register: new Registry() });
      server = await serveMetrics({ metrics, port: 0, host: '127.0.0.1' });
      expect(JSON.parse((await httpGet(`${server.url}/healthz`)).body)).toEqual({ ok: true, redis: 'none' });
      const client = createClient({ url: h.url, socket: { reconnectStrategy: false } }) as unknown as RedisClient;
      client.on('error', () => {});
      await client.connect();
      metrics.watch(client, { stream: 'jobs', group: 'g', prefix: h.prefix });
      const up = await httpGet(`${server.url}/healthz`);
      expect([up.status, JSON.parse(up.body)]).toEqual([200, { ok: true, redis: 'up' }]);
      expect((await httpGet(`${server.url}/nope`)).status).toBe(404);
      // Its connection dies for good: unhealthy, and /metrics still answers.
      const id = await client.sendCommand<number>(['CLIENT', 'ID']);
      await h.redis.sendCommand(['CLIENT', 'KILL', 'ID', String(id)]);
      await until(() => !client.isOpen);
      const down = await httpGet(`${server.url}/healthz`);
      expect(down.status).toBe(503);
      expect(JSON.parse(down.body)).toMatchObject({ ok: false, redis: 'down' });
      expect((await httpGet(`${server.url}/metrics`)).status).toBe(200);

      // The same handler inside another app (Express-style): what it does not serve goes to next().
      const handle = metricsHandler(metrics);
      const app = createServer((req, res) => handle(req, res, () => res.end('the app')));
      await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
      try {
        expect((await httpGet(`${base}/orders`)).body).toBe('the app');
        const scraped = await httpGet(`${base}/metrics`);
        expect(scraped.status).toBe(200);
        expect(parsePrometheus(scraped.body).types.get('sluice_published_total')).toBe('counter');
      } finally {
        await new Promise((resolve) => app.close(resolve));
      }
    },
  );
});
