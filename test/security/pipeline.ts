// The whole pipeline once, for the ACL and TLS tests: publish, consume with recovery(),
// results() and sluiceMetrics(), a retry, a reclaim from a consumer that vanished, dead
// letters replayed (replay() given the URL and TLS material), Results.waitFor (Results with
// the same `tls` option), a metrics scrape. Returns what a test asserts on.
import { recovery, replay } from '@sluice/claim';
import { Consumer, NonRetryableError, Producer } from '@sluice/core';
import { openConnection, type RedisClient, streamKeys } from '@sluice/core/plugin';
import { Results, results, sluiceMetrics } from '@sluice/results';
import { parsePrometheus, sample, type TlsMaterial, until } from '@sluice/testing';
import { createClient } from 'redis';

/** How to reach Redis: a URL (with the `tls` option for rediss://), or node-redis clients of ours. */
export type Connect = { url: string; tls?: TlsMaterial | undefined } | { client: () => Promise<RedisClient> };

type Job = { n: number; kind: 'ok' | 'retry' | 'fatal' };
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

/** Connection options for Producer, Consumer and Results. */
async function conn(c: Connect): Promise<{ url: string; tls?: TlsMaterial } | { client: RedisClient }> {
  if (!('url' in c)) return { client: await c.client() };
  return c.tls ? { url: c.url, tls: c.tls } : { url: c.url };
}

async function rawClient(c: Connect): Promise<RedisClient> {
  if (!('url' in c)) return c.client();
  if (!c.tls) return (await openConnection({ url: c.url }, () => {})).client;
  const client = createClient({ url: c.url, socket: { tls: true, ...c.tls } });
  client.on('error', () => {});
  await client.connect();
  return client as unknown as RedisClient;
}

export interface PipelineRun {
  handled: Map<number, number>;
  resultStatus: string;
  dead: number;
  replayed: number;
  reclaimed: number;
  processedOk: number | undefined;
  pending: number;
  errors: string[];
}

export async function runPipeline(c: Connect, prefix: string, stream = 'jobs'): Promise<PipelineRun> {
  const keys = streamKeys(stream, prefix);
  const raw = await rawClient(c);
  const producer = new Producer({ ...(await conn(c)), prefix, log: quiet });
  const metrics = sluiceMetrics();
  const handled = new Map<number, number>();
  const replayedOnce = new Set<number>();
  const errors: string[] = [];
  let reclaimed = 0;
  // An entry held by a consumer that is never heard of again: recovery() must reclaim it.
  await raw.sendCommand(['XGROUP', 'CREATE', keys.stream, 'g', '0', 'MKSTREAM']);
  await producer.publishMany(stream, [{ n: 0, kind: 'ok' }]);
  await raw.sendCommand(['XREADGROUP', 'GROUP', 'g', 'ghost', 'COUNT', '1', 'STREAMS', keys.stream, '>']);

  const consumer = new Consumer<Job>({
    ...(await conn(c)),
    prefix,
    stream,
    group: 'g',
    blockMs: 200,
    log: quiet,
    use: [recovery({ attempts: 3, backoff: () => 50, minIdleMs: 300, claimIntervalMs: 100 }), results(), metrics],
    handler: (job, ctx) => {
      handled.set(job.n, (handled.get(job.n) ?? 0) + 1);
      if (job.kind === 'fatal' && !replayedOnce.has(job.n)) {
        replayedOnce.add(job.n);
        throw new NonRetryableError('fatal until replayed');
      }
      if (job.kind === 'retry' && ctx.attempt === 1) throw new Error('first attempt fails');
      return job.n;
    },
  });
  consumer.on('error', (err) => errors.push(err.message));
  consumer.on('reclaimed', (ids) => {
    reclaimed += ids.length;
  });
  const reader = new Results({ ...(await conn(c)), prefix, stream });
  try {
    await consumer.start();
    const jobs = Array.from({ length: 30 }, (_, i): Job => {
      const n = i + 1;
      return { n, kind: n % 10 === 0 ? 'fatal' : n % 7 === 0 ? 'retry' : 'ok' };
    });
    const ids = await producer.publishMany(stream, jobs);
    const first = await reader.waitFor(ids[0] as string, { timeoutMs: 20_000 });
    await until(() => handled.size === 31, 20_000, `every job handled (have ${handled.size})`);
    await until(async () => Number(await raw.sendCommand(['XLEN', keys.dlq])) === 3, 20_000, '3 dead letters');
    const dead = Number(await raw.sendCommand(['XLEN', keys.dlq]));
    // With a URL, replay connects (and disconnects) by itself, TLS material included.
    const { replayed } = await replay('url' in c ? { url: c.url, tls: c.tls } : raw, stream, { prefix });
    // Retried and replayed jobs run twice, the others once.
    const twice = (j: Job) => j.kind !== 'ok';
    await until(
      () => jobs.every((j) => handled.get(j.n) === (twice(j) ? 2 : 1)),
      20_000,
      'retried and replayed jobs handled again',
    );
    await until(
      async () => Number((await raw.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]) === 0,
      20_000,
      'nothing pending',
    );
    await until(async () => Number(await raw.sendCommand(['ZCARD', keys.delayed])) === 0, 20_000, 'no retry waiting');
    const scrape = parsePrometheus((await metrics.scrape()).body);
    return {
      handled,
      resultStatus: first.status,
      dead,
      replayed,
      reclaimed,
      processedOk: sample(scrape, 'sluice_processed_total', { stream, group: 'g', status: 'ok' }),
      pending: Number((await raw.sendCommand<[number]>(['XPENDING', keys.stream, 'g']))[0]),
      errors,
    };
  } finally {
    await consumer.close({ timeoutMs: 2000 });
    await reader.close();
    await producer.close();
    await raw.close().catch(() => {});
  }
}
