// The whole pipeline on a real 3-master Redis Cluster: producer, consumers with recovery,
// results and metrics, over streams whose hash tags land on every master. Any script that
// touched a key outside its stream's slot would fail here ("non local key" / CROSSSLOT).
import { recovery } from '@sluice/claim';
import { Consumer, NonRetryableError, Producer } from '@sluice/core';
import { openConnection, streamKeys } from '@sluice/core/plugin';
import { Results, results, sluiceMetrics } from '@sluice/results';
import { parsePrometheus, randomPrefix, sample, startCluster, type TestCluster, until } from '@sluice/testing';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterUrl, masterOf } from './cluster-url.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ masters: 3 });
});
afterAll(() => cluster?.stop());

/** Stream names whose keys land on every master, `perMaster` each. */
function spreadStreams(prefix: string, perMaster: number): string[] {
  const byMaster = new Map<number, string[]>();
  for (let i = 0; [...byMaster.values()].filter((l) => l.length >= perMaster).length < 3; i++) {
    const name = `s${i}`;
    const list = byMaster.get(masterOf(cluster, streamKeys(name, prefix).stream)) ?? [];
    if (list.length < perMaster) list.push(name);
    byMaster.set(masterOf(cluster, streamKeys(name, prefix).stream), list);
  }
  return [...byMaster.values()].flat();
}

type Job = { n: number; kind: 'ok' | 'retry' | 'fatal' };

describe('pipeline on a 3-master cluster', () => {
  it('processes every entry once, retries, dead-letters and records results on every master', async () => {
    const prefix = randomPrefix('pipe');
    const url = clusterUrl(cluster);
    const streams = spreadStreams(prefix, 2);
    const producer = new Producer({ url, prefix });
    const metrics = sluiceMetrics();
    const seen = new Map<string, number>();
    const failedOnce = new Set<string>();
    const consumers = streams.map(
      (stream) =>
        new Consumer<Job>({
          url,
          prefix,
          stream,
          group: 'g',
          blockMs: 200,
          use: [recovery({ attempts: 3, backoff: () => 50, minIdleMs: 5000 }), results(), metrics],
          handler: (job, ctx) => {
            const id = `${stream}/${job.n}`;
            seen.set(id, (seen.get(id) ?? 0) + 1);
            if (job.kind === 'fatal') throw new NonRetryableError('no');
            if (job.kind === 'retry' && !failedOnce.has(id)) {
              failedOnce.add(id);
              throw new Error(`retry ${ctx.attempt}`);
            }
            return job.n;
          },
        }),
    );
    for (const c of consumers) c.on('error', () => {});
    await Promise.all(consumers.map((c) => c.start()));
    const perStream = 60;
    const ids = new Map<string, string[]>();
    for (const stream of streams) {
      const jobs = Array.from(
        { length: perStream },
        (_, n): Job => ({ n, kind: n % 20 === 0 ? 'fatal' : n % 7 === 0 ? 'retry' : 'ok' }),
      );
      ids.set(stream, await producer.publishMany(stream, jobs));
    }
    const reader = new Results({ url, prefix, stream: streams[0] as string });
    const first = await reader.waitFor((ids.get(streams[0] as string) as string[])[1] as string, { timeoutMs: 20_000 });
    expect(first.status).toBe('ok');

    const { client: redis } = await openConnection({ url }, () => {});
    const total = streams.length * perStream;
    const finals = async () => {
      let n = 0;
      for (const s of streams) {
        const rows = await redis.sendCommand<unknown[]>(['XRANGE', streamKeys(s, prefix).results, '-', '+']);
        n += rows.length;
      }
      return n;
    };
    // Results: one entry per attempt (retries add one each).
    const retries =
      streams.length * Array.from({ length: perStream }, (_, n) => n % 20 !== 0 && n % 7 === 0).filter(Boolean).length;
    await until(async () => (await finals()) === total + retries, 30_000, 'every result entry');
    for (const s of streams) {
      const k = streamKeys(s, prefix);
      expect(Number((await redis.sendCommand<[number]>(['XPENDING', k.stream, 'g']))[0])).toBe(0);
      expect(await redis.sendCommand(['XLEN', k.dlq])).toBe(perStream / 20);
      expect(await redis.sendCommand(['ZCARD', k.delayed])).toBe(0);
    }
    // Every entry handled once, except the retried ones (twice).
    expect(seen.size).toBe(total);
    for (const [id, times] of seen) expect(times).toBe(failedOnce.has(id) ? 2 : 1);
    // The streams (and their results) live on all three masters.
    const masters = new Set(streams.map((s) => masterOf(cluster, streamKeys(s, prefix).results)));
    expect(masters.size).toBe(3);
    // Metrics: counters per stream, and the gauges read through the cluster (XINFO on each master).
    const scrape = parsePrometheus((await metrics.scrape()).body);
    for (const s of streams) {
      const labels = { stream: s, group: 'g' };
      expect(sample(scrape, 'sluice_processed_total', { ...labels, status: 'ok' })).toBe(perStream - perStream / 20);
      expect(sample(scrape, 'sluice_group_pending', labels)).toBe(0);
    }

    await reader.close();
    await Promise.all(consumers.map((c) => c.close()));
    await producer.close();
    await redis.close();
  });

  it('accepts a createCluster() client the caller owns and leaves it open', async () => {
    const prefix = randomPrefix('own');
    const client = createCluster({ rootNodes: cluster.rootNodes });
    await client.connect();
    const producer = new Producer({ client, prefix });
    const done: number[] = [];
    const consumer = new Consumer<{ n: number }>({
      client,
      prefix,
      stream: 'mine',
      group: 'g',
      startId: '0',
      blockMs: 100,
      handler: (j) => void done.push(j.n),
    });
    await consumer.start();
    await producer.publishMany(
      'mine',
      Array.from({ length: 20 }, (_, n) => ({ n })),
    );
    await until(() => done.length === 20);
    await consumer.close();
    await producer.close();
    expect(client.isOpen).toBe(true);
    expect(await client.xLen(streamKeys('mine', prefix).stream)).toBe(20);
    await client.close();
  });
});
