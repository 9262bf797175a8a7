// The ordered row: tasks with random priorities 1..10, published (timed) and consumed
// (timed, from a backlog filled untimed) by Sluice's ordered backlog and by BullMQ's
// prioritized jobs (`add` with `priority`). The consume side drains in priority order.
import { Consumer, type Outcome, Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { Queue } from 'bullmq';
import { startClock, timedDrain } from './clock.js';
import { CONCURRENCY, drainOptions, drainWithBullmqWorker } from './consume.js';
import { type BenchEnv, ioredisOptions } from './env.js';
import type { BenchPayload } from './payload.js';
import type { RowContext } from './row.js';
import type { Sample } from './sample.js';

const STREAM = 'bench';

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
  const consumer = new Consumer<BenchPayload, number>({ ...drainOptions(env, prefix, opts), ordering });
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
  const queue = new Queue(STREAM, { connection: ioredisOptions(env.url), prefix });
  await bullmqPrioritized(queue, data, opts.window);
  return drainWithBullmqWorker({ env, data, hooks }, queue, prefix, ['prioritized', 'waiting', 'active', 'failed']);
}
