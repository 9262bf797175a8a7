// The consume rows, consume+ack (+ result): a pre-filled backlog drained by Sluice, BullMQ and
// the raw ceiling. The clock runs from start to the last ack.
import { Consumer, type ConsumerPlugin } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { RESULTS_PLUGIN_DEFAULTS, results } from '@sluice/results';
import { Queue, Worker } from 'bullmq';
import { ceilingConsume, fillStream, loadCeilingScripts } from './ceiling.js';
import { startClock, timedDrain } from './clock.js';
import { type BenchEnv, ioredisOptions, rawClient } from './env.js';
import type { BenchOptions } from './options.js';
import type { BenchPayload } from './payload.js';
import type { RowContext } from './row.js';
import type { Sample } from './sample.js';

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

export interface SluiceConsumeOptions {
  /** Key prefix label (shows in MONITOR). */
  label: string;
  /** Plugins, made fresh for every run. @defaultValue none */
  use?: () => ConsumerPlugin[];
  /** The plugins write result entries: check them afterwards. @defaultValue false */
  writesResults?: boolean;
}

/**
 * What every timed drain's Sluice consumer shares: stream `bench`, group `g` from the start,
 * 100 handlers at once, the run's `--prefetch`, a handler that returns the payload's `n`.
 */
export function drainOptions(env: BenchEnv, prefix: string, opts: BenchOptions) {
  return {
    url: env.url,
    prefix,
    stream: STREAM,
    group: GROUP,
    startId: '0',
    concurrency: CONCURRENCY,
    ...(opts.prefetch > 0 ? { prefetch: opts.prefetch } : {}),
    handler: async (payload: BenchPayload) => payload.n,
  };
}

/** A Sluice Consumer (concurrency 100, `--prefetch`) drains the backlog with `async (p) => p.n`. */
export async function sluiceConsume(ctx: RowContext, o: SluiceConsumeOptions): Promise<Sample> {
  const { env, data, opts, hooks } = ctx;
  const { prefix, key } = await filled(env, o.label, data);
  const consumer = new Consumer<BenchPayload, number>({ ...drainOptions(env, prefix, opts), use: o.use?.() ?? [] });
  const sample = await timedDrain(consumer, data.length, env.nodes, hooks);
  await expectDrained(env, key, data.length, `sluice ${o.label}`);
  if (o.writesResults) await expectResults(env, streamKeys(STREAM, prefix).results, data.length);
  await env.cleanup(prefix);
  return sample;
}

export const sluiceConsumeAck = (ctx: RowContext) => sluiceConsume(ctx, { label: 'con' });
export const sluiceConsumeResult = (ctx: RowContext) =>
  sluiceConsume(ctx, { label: 'res', use: () => [results()], writesResults: true });

/** Result entries are capped (MAXLEN ~ resultsMaxLen), as results() does by default. */
async function expectResults(env: BenchEnv, key: string, count: number): Promise<void> {
  const len = Number(await env.admin.sendCommand(['XLEN', key]));
  const least = Math.min(count, RESULTS_PLUGIN_DEFAULTS.resultsMaxLen);
  if (len < least || len > count) throw new Error(`results stream holds ${len} entries, expected ${least}..${count}`);
}

export async function bullmqConsume({ env, data, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('bullw');
  const queue = new Queue(STREAM, { connection: ioredisOptions(env.url), prefix });
  for (let start = 0; start < data.length; start += 1000) {
    await queue.addBulk(data.slice(start, start + 1000).map((payload) => ({ name: 't', data: payload })));
  }
  return drainWithBullmqWorker({ env, data, hooks }, queue, prefix, ['waiting', 'active', 'completed', 'failed']);
}

/**
 * Time a BullMQ Worker (concurrency 100) draining `queue`'s jobs, then check none is left in
 * `states` (the queue is closed and its keys removed).
 */
export async function drainWithBullmqWorker(
  { env, data, hooks }: Pick<RowContext, 'env' | 'data' | 'hooks'>,
  queue: Queue,
  prefix: string,
  states: Parameters<Queue['getJobCounts']>,
): Promise<Sample> {
  let completed = 0;
  let worker: Worker | undefined;
  const clock = await startClock(env.nodes, hooks);
  await new Promise<void>((resolve, reject) => {
    worker = new Worker(STREAM, async (job) => (job.data as BenchPayload).n, {
      connection: ioredisOptions(env.url),
      prefix,
      concurrency: CONCURRENCY,
      removeOnComplete: { count: 0 },
    });
    worker.on('completed', () => {
      if (++completed === data.length) resolve();
    });
    worker.on('error', reject);
  });
  const sample = await clock.stop(data.length);
  await worker?.close();
  const left = await queue.getJobCounts(...states);
  await queue.close();
  if (Object.values(left).some((n) => n !== 0))
    throw new Error(`bullmq worker left jobs behind: ${JSON.stringify(left)}`);
  await env.cleanup(prefix);
  return sample;
}

async function ceilingConsumeRow({ env, data, hooks }: RowContext, withResults: boolean): Promise<Sample> {
  const { prefix, key } = await filled(env, withResults ? 'rawres' : 'rawcon', data);
  const client = await rawClient(env.url);
  await loadCeilingScripts(client);
  const resultsKey = streamKeys(STREAM, prefix).results;
  const clock = await startClock(env.nodes, hooks);
  await client.sendCommand(['XGROUP', 'CREATE', key, GROUP, '0', 'MKSTREAM']);
  await ceilingConsume(client, {
    key,
    group: GROUP,
    consumer: 'raw',
    total: data.length,
    ...(withResults ? { resultsKey } : {}),
  });
  const sample = await clock.stop(data.length);
  await client.close();
  await expectDrained(env, key, data.length, `ceiling consume${withResults ? '+result' : ''}`);
  if (withResults) await expectResults(env, resultsKey, data.length);
  await env.cleanup(prefix);
  return sample;
}

export const ceilingConsumeAck = (ctx: RowContext) => ceilingConsumeRow(ctx, false);
export const ceilingConsumeResult = (ctx: RowContext) => ceilingConsumeRow(ctx, true);
