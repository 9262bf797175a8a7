// Rows 2 and 3, consume+ack (+ result): a pre-filled backlog drained by Sluice, BullMQ and
// the raw ceiling. The clock runs from start to the last ack.
import { Consumer, type ConsumerPlugin, streamKeys } from '@sluice/core';
import { RESULTS_PLUGIN_DEFAULTS, results } from '@sluice/results';
import { Queue, Worker } from 'bullmq';
import { ceilingConsume, fillStream, loadCeilingScripts } from './ceiling.js';
import { type BenchEnv, ioredisOptions, rawClient } from './env.js';
import type { BenchPayload } from './payload.js';
import { rate } from './produce.js';

const STREAM = 'bench';
const GROUP = 'g';
export const CONCURRENCY = 100;

async function filled(
  env: BenchEnv,
  label: string,
  payloads: readonly BenchPayload[],
): Promise<{ prefix: string; key: string }> {
  const prefix = env.prefix(label);
  const key = streamKeys(STREAM, prefix).stream;
  const client = await rawClient(env.url);
  await loadCeilingScripts(client);
  await fillStream(client, key, payloads);
  await client.close();
  return { prefix, key };
}

async function expectDrained(env: BenchEnv, key: string, count: number, what: string): Promise<void> {
  const [pending] = (await env.admin.sendCommand(['XPENDING', key, GROUP])) as [number];
  const groups = (await env.admin.sendCommand(['XINFO', 'GROUPS', key])) as unknown[][];
  const info = groups[0] as unknown[];
  const read = Number(info[info.indexOf('entries-read') + 1]);
  if (Number(pending) !== 0 || read !== count)
    throw new Error(`${what}: ${pending} still pending, ${read}/${count} read`);
}

/** Called around the timed part only (the profiler uses them to leave the fill out). */
export interface TimedHooks {
  started?(): Promise<void>;
  stopped?(): Promise<void>;
}

export async function sluiceConsume(
  env: BenchEnv,
  payloads: readonly BenchPayload[],
  withResults: boolean,
  hooks: TimedHooks = {},
  prefetch = 0,
): Promise<number> {
  const { prefix, key } = await filled(env, withResults ? 'res' : 'con', payloads);
  const use: ConsumerPlugin[] = withResults ? [results()] : [];
  const consumer = new Consumer<BenchPayload, number>({
    url: env.url,
    prefix,
    stream: STREAM,
    group: GROUP,
    startId: '0',
    concurrency: CONCURRENCY,
    ...(prefetch > 0 ? { prefetch } : {}),
    use,
    handler: async (payload) => payload.n,
  });
  let settled = 0;
  const done = new Promise<void>((resolve) => {
    consumer.on('settled', () => {
      if (++settled === payloads.length) resolve();
    });
  });
  await hooks.started?.();
  const started = performance.now();
  await consumer.start();
  await done;
  const ms = performance.now() - started;
  await hooks.stopped?.();
  await consumer.close();
  await expectDrained(env, key, payloads.length, `sluice consume${withResults ? '+result' : ''}`);
  if (withResults) await expectResults(env, streamKeys(STREAM, prefix).results, payloads.length);
  await env.cleanup(prefix);
  return rate(payloads.length, ms);
}

/** Result entries are capped (MAXLEN ~ resultsMaxLen), as results() does by default. */
async function expectResults(env: BenchEnv, key: string, count: number): Promise<void> {
  const len = Number(await env.admin.sendCommand(['XLEN', key]));
  const least = Math.min(count, RESULTS_PLUGIN_DEFAULTS.resultsMaxLen);
  if (len < least || len > count) throw new Error(`results stream holds ${len} entries, expected ${least}..${count}`);
}

export async function bullmqConsume(env: BenchEnv, payloads: readonly BenchPayload[]): Promise<number> {
  const prefix = env.prefix('bullw');
  const connection = ioredisOptions(env.url);
  const queue = new Queue(STREAM, { connection, prefix });
  for (let start = 0; start < payloads.length; start += 1000) {
    await queue.addBulk(payloads.slice(start, start + 1000).map((data) => ({ name: 't', data })));
  }
  let completed = 0;
  let worker: Worker | undefined;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    worker = new Worker(STREAM, async (job) => (job.data as BenchPayload).n, {
      connection,
      prefix,
      concurrency: CONCURRENCY,
      removeOnComplete: { count: 0 },
    });
    worker.on('completed', () => {
      if (++completed === payloads.length) resolve();
    });
    worker.on('error', reject);
  });
  const ms = performance.now() - started;
  await worker?.close();
  const left = await queue.getJobCounts('waiting', 'active', 'completed', 'failed');
  await queue.close();
  if (Object.values(left).some((n) => n !== 0))
    throw new Error(`bullmq worker left jobs behind: ${JSON.stringify(left)}`);
  await env.cleanup(prefix);
  return rate(payloads.length, ms);
}

export async function ceilingConsumeRow(
  env: BenchEnv,
  payloads: readonly BenchPayload[],
  withResults: boolean,
  hooks: TimedHooks = {},
): Promise<number> {
  const { prefix, key } = await filled(env, withResults ? 'rawres' : 'rawcon', payloads);
  const client = await rawClient(env.url);
  await loadCeilingScripts(client);
  const resultsKey = streamKeys(STREAM, prefix).results;
  await hooks.started?.();
  const started = performance.now();
  await client.sendCommand(['XGROUP', 'CREATE', key, GROUP, '0', 'MKSTREAM']);
  await ceilingConsume(client, {
    key,
    group: GROUP,
    consumer: 'raw',
    total: payloads.length,
    ...(withResults ? { resultsKey } : {}),
  });
  const ms = performance.now() - started;
  await hooks.stopped?.();
  await client.close();
  await expectDrained(env, key, payloads.length, `ceiling consume${withResults ? '+result' : ''}`);
  if (withResults) await expectResults(env, resultsKey, payloads.length);
  await env.cleanup(prefix);
  return rate(payloads.length, ms);
}
