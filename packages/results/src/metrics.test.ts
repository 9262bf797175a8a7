// A known workload, then /metrics scraped over HTTP: exact counters, and gauges equal to what
// XINFO / XPENDING say when read independently.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recovery } from '@sluice/claim';
import { NonRetryableError, type RedisClient, replyToObject, streamKeys } from '@sluice/core';
import { Registry } from 'prom-client';
import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idMs } from './ids.js';
import { sluiceMetrics } from './metrics/plugin.js';
import { type MetricsServer, metricsHandler, serveMetrics } from './metrics/server.js';
import { results } from './plugin.js';
import { type Harness, harness, until } from './test-util/harness.js';
import { httpGet, parseProm, sample } from './test-util/prom.js';

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
    const second = h.consumer<Job>({ stream: 'other', group: 'g2', use: [metrics], handler });
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
    const s = parseProm(res.body);
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
    expect(sample(s, 'sluice_dlq_length', { stream: 'jobs' })).toBe(10);
    expect(sample(s, 'sluice_group_pending', o)).toBe(2); // the stolen entry and the failure left pending
    expect(sample(s, 'sluice_oldest_pending_age_seconds', o)).toBeGreaterThan(0);
    expect(sample(s, 'sluice_consumers', j)).toBe(2); // ours and the ghost, which read moments ago

    // A closed consumer's gauges go away with it.
    await second.close();
    const after = parseProm((await httpGet(`${server.url}/metrics`)).body);
    expect(sample(after, 'sluice_group_pending', o)).toBeUndefined();
    expect(sample(after, 'sluice_group_pending', j)).toBe(0);
  });

  it('serves /healthz from Redis connectivity, 404 elsewhere, and plugs into another server as a handler', async () => {
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
      expect(parseProm(scraped.body).types.get('sluice_published_total')).toBe('counter');
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }
  });
});
