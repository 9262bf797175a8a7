// The ordered row: tasks with random priorities 1..10, published (timed) and consumed
// (timed, from a backlog filled untimed) by Sluice's ordered backlog and by BullMQ's
// prioritized jobs (`add` with `priority`). The consume side drains in priority order.
import { Consumer, type Outcome, Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { Queue, Worker } from 'bullmq';
import { startClock, timedDrain } from './clock.js';
import { type BenchEnv, ioredisOptions } from './env.js';
import type { BenchPayload } from './payload.js';
import type { RowContext } from './row.js';
import type { Sample } from './sample.js';

const STREAM = 'bench';
const CONCURRENCY = 100;

/** A fixed pseudo-random priority per entry, the same for every system and run. */
const priorityOf = (n: number) => 1 + ((n * 2654435761) % 10);

async function publishOrdered(producer: Producer, data: readonly BenchPayload[], window: number): Promise<void> {
  for (let start = 0; start < data.length; start += window) {
    const calls: Promise<string>[] = [];
    for (let i = start; i < Math.min(data.length, start + window); i++) {
      const p = data[i] as BenchPayload;
      calls.push(producer.publish(STREAM, p, { priority: priorityOf(p.n) }));
    }
    await Promise.all(calls);
  }
}

async function expectCard(env: BenchEnv, key: string, count: number, what: string): Promise<void> {
  const card = Number(await env.admin.sendCommand(['ZCARD', key]));
  if (card !== count) throw new Error(`${what}: backlog holds ${card} tasks, expected ${count}`);
}

/** `publish(stream, p, { priority })` per call, in windows like the produce row. */
export async function sluiceOrderedPublish({ env, data, opts, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('opub');
  const producer = new Producer({ url: env.url, prefix });
  await producer.connect();
  const clock = await startClock(env.nodes, hooks);
  await publishOrdered(producer, data, opts.window);
  const sample = await clock.stop(data.length);
  await producer.close();
  await expectCard(env, streamKeys(STREAM, prefix).backlog, data.length, 'sluice ordered publish');
  await env.cleanup(prefix);
  return sample;
}

/** A Consumer with `ordering: {}` (strict) drains a backlog of prioritized tasks; checks the order. */
export const sluiceOrderedConsume = (ctx: RowContext) => orderedConsume(ctx, 'ocon', {});

/** The same with a rate limit far above the achievable rate: the limiter's own cost. */
export const sluiceLimitedConsume = (ctx: RowContext) =>
  orderedConsume(ctx, 'lcon', { rateLimit: { max: 1_000_000, perMs: 1000 } });

async function orderedConsume(
  { env, data, opts, hooks }: RowContext,
  label: string,
  ordering: { rateLimit?: { max: number; perMs: number } },
): Promise<Sample> {
  const prefix = env.prefix(label);
  const producer = new Producer({ url: env.url, prefix });
  await publishOrdered(producer, data, opts.window);
  await producer.close();
  const consumer = new Consumer<BenchPayload, number>({
    url: env.url,
    prefix,
    stream: STREAM,
    group: 'g',
    startId: '0',
    concurrency: CONCURRENCY,
    ...(opts.prefetch > 0 ? { prefetch: opts.prefetch } : {}),
    ordering,
    handler: async (payload) => payload.n,
  });
  let inversions = 0;
  let worst = 0;
  const sample = await timedDrain(consumer, data.length, env.nodes, hooks, (o: Outcome<number>) => {
    const prio = priorityOf((o.entry.payload as BenchPayload).n);
    // Out of order beyond what one dispatch holds would be a bug, not noise.
    if (prio < worst - 1) inversions++;
    worst = Math.max(worst, prio);
  });
  const keys = streamKeys(STREAM, prefix);
  const [pending] = (await env.admin.sendCommand(['XPENDING', keys.stream, 'g'])) as [number];
  if (Number(pending) !== 0 || Number(await env.admin.sendCommand(['ZCARD', keys.backlog])) !== 0)
    throw new Error(`sluice ordered consume: ${pending} pending or backlog not drained`);
  if (inversions > CONCURRENCY * 2) throw new Error(`sluice ordered consume: ${inversions} priority inversions`);
  await env.cleanup(prefix);
  return sample;
}

async function bullmqPrioritized(queue: Queue, data: readonly BenchPayload[], window: number): Promise<void> {
  for (let start = 0; start < data.length; start += window) {
    const jobs = [];
    for (let i = start; i < Math.min(data.length, start + window); i++) {
      const p = data[i] as BenchPayload;
      jobs.push({ name: 't', data: p, opts: { priority: priorityOf(p.n) } });
    }
    await queue.addBulk(jobs);
  }
}

/** BullMQ `addBulk` of jobs with `priority` (its prioritized set), in the same windows. */
export async function bullmqOrderedAdd({ env, data, opts, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('obull');
  const queue = new Queue(STREAM, { connection: ioredisOptions(env.url), prefix });
  await queue.waitUntilReady();
  const clock = await startClock(env.nodes, hooks);
  await bullmqPrioritized(queue, data, opts.window);
  const sample = await clock.stop(data.length);
  const waiting = await queue.getPrioritizedCount();
  await queue.close();
  if (waiting !== data.length) throw new Error(`bullmq prioritized add: ${waiting} jobs, expected ${data.length}`);
  await env.cleanup(prefix);
  return sample;
}

/** A BullMQ Worker (concurrency 100) drains prioritized jobs. */
export async function bullmqOrderedConsume({ env, data, opts, hooks }: RowContext): Promise<Sample> {
  const prefix = env.prefix('obullw');
  const connection = ioredisOptions(env.url);
  const queue = new Queue(STREAM, { connection, prefix });
  await bullmqPrioritized(queue, data, opts.window);
  let completed = 0;
  let worker: Worker | undefined;
  const clock = await startClock(env.nodes, hooks);
  await new Promise<void>((resolve, reject) => {
    worker = new Worker(STREAM, async (job) => (job.data as BenchPayload).n, {
      connection,
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
  const left = await queue.getJobCounts('prioritized', 'waiting', 'active', 'failed');
  await queue.close();
  if (Object.values(left).some((n) => n !== 0)) throw new Error(`bullmq worker left jobs: ${JSON.stringify(left)}`);
  await env.cleanup(prefix);
  return sample;
}
