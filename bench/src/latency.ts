// The latency rows: a steady publish rate with three consumers in one group; how long from
// publish() to the handler starting, and to the outcome being settled (acked). CPU per entry
// covers the whole paced stretch, warm-up included.
import { Consumer, Producer } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import type { RedisClientType } from 'redis';
import { runWorker } from './child.js';
import { startClock } from './clock.js';
import { rawClient, readGroupRaw, sleep } from './env.js';
import type { BenchPayload } from './payload.js';
import type { RowContext } from './row.js';
import type { Percentiles, Sample } from './sample.js';

const STREAM = 'bench';
const CONSUMERS = 3;

export interface PaceOptions {
  rate: number;
  durationMs: number;
  /** Published first, not sampled. @defaultValue 1000 */
  warmupMs?: number;
}

export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] as number) };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * Publish `rate`/s for `durationMs` (after a 1 s warm-up whose samples are dropped), paced by a
 * 1 ms timer that publishes whatever is due; every payload carries its publish time.
 */
export async function latencyRow({ env, data, hooks }: RowContext, opts: PaceOptions): Promise<Sample> {
  const payload = data[0] as BenchPayload;
  const prefix = env.prefix('lat');
  const producer = new Producer({ url: env.url, prefix });
  await producer.connect();
  let measureFrom = Number.POSITIVE_INFINITY;
  const handlerStart: number[] = [];
  const settled: number[] = [];
  let settledCount = 0;
  const consumers: Consumer<BenchPayload>[] = [];
  for (let i = 0; i < CONSUMERS; i++) {
    const consumer = new Consumer<BenchPayload>({
      url: env.url,
      prefix,
      stream: STREAM,
      group: 'g',
      consumer: `c${i}`,
      concurrency: 100,
      handler: async (p) => {
        if (p.at >= measureFrom) handlerStart.push(performance.now() - p.at);
      },
    });
    consumer.on('settled', (o) => {
      settledCount++;
      const at = (o.entry.payload as BenchPayload).at;
      if (at >= measureFrom) settled.push(performance.now() - at);
    });
    await consumer.start();
    consumers.push(consumer);
  }

  const clock = await startClock(env.nodes, hooks);
  const total = await pace(
    opts,
    (at) => {
      void producer.publish(STREAM, { ...payload, at });
    },
    (from) => {
      measureFrom = from;
    },
  );
  const deadline = Date.now() + 10_000;
  while (settledCount < total && Date.now() < deadline) await sleep(10);
  const sample = await clock.stop(total);
  await producer.close();
  for (const c of consumers) await c.close();
  await env.cleanup(prefix);
  if (settledCount < total) throw new Error(`latency: only ${settledCount}/${total} entries settled`);
  return {
    ...sample,
    latency: { handlerStart: percentiles(handlerStart), settled: percentiles(settled), published: total },
  };
}

/**
 * Call `publish(at)` `rate` times a second for the warm-up plus `durationMs`, from a 1 ms
 * timer that publishes whatever is due. Tells `measureFrom` when the warm-up ends.
 */
async function pace(
  opts: PaceOptions,
  publish: (at: number) => void,
  measureFrom: (at: number) => void,
): Promise<number> {
  let sent = 0;
  const started = performance.now();
  const warmupMs = opts.warmupMs ?? 1000;
  measureFrom(started + warmupMs);
  const total = Math.round((opts.rate * (warmupMs + opts.durationMs)) / 1000);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * opts.rate) / 1000));
      while (sent < due) {
        sent++;
        publish(performance.now());
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  return total;
}

/**
 * The same measurement with hand-written node-redis and no batching of our own: one XADD
 * per publish, three readers blocking on XREADGROUP, one XACK per read. At light load this
 * is the latency floor that Sluice's batching must not add to.
 */
export async function rawLatencyRow({ env, data, hooks }: RowContext, opts: PaceOptions): Promise<Sample> {
  const payload = data[0] as BenchPayload;
  const prefix = env.prefix('rawlat');
  const key = streamKeys(STREAM, prefix).stream;
  const publisher = await rawClient(env.url);
  await publisher.sendCommand(['XGROUP', 'CREATE', key, 'g', '$', 'MKSTREAM']);
  let measureFrom = Number.POSITIVE_INFINITY;
  const handlerStart: number[] = [];
  const settled: number[] = [];
  let settledCount = 0;
  let stopped = false;
  const clients: RedisClientType[] = [publisher];
  const loops: Promise<void>[] = [];
  for (let i = 0; i < CONSUMERS; i++) {
    const reader = await rawClient(env.url);
    const acker = await rawClient(env.url);
    clients.push(reader, acker);
    loops.push(
      (async () => {
        while (!stopped) {
          const entries = await readGroupRaw(reader, key, 'g', `c${i}`, 100, 100);
          if (entries.length === 0) continue;
          const ats: number[] = [];
          for (const [, fields] of entries) {
            const at = (JSON.parse(fields[3] as string) as BenchPayload).at;
            if (at >= measureFrom) handlerStart.push(performance.now() - at);
            ats.push(at);
          }
          void acker.sendCommand(['XACK', key, 'g', ...entries.map(([id]) => id)]).then(() => {
            settledCount += ats.length;
            for (const at of ats) if (at >= measureFrom) settled.push(performance.now() - at);
          });
        }
      })(),
    );
  }
  const clock = await startClock(env.nodes, hooks);
  const total = await pace(
    opts,
    (at) => {
      void publisher.sendCommand(['XADD', key, '*', 'v', '1', 'data', JSON.stringify({ ...payload, at })]);
    },
    (from) => {
      measureFrom = from;
    },
  );
  const deadline = Date.now() + 10_000;
  while (settledCount < total && Date.now() < deadline) await sleep(10);
  const sample = await clock.stop(total);
  stopped = true;
  await Promise.all(loops);
  for (const c of clients) await c.close();
  await env.cleanup(prefix);
  if (settledCount < total) throw new Error(`raw latency: only ${settledCount}/${total} entries settled`);
  return {
    ...sample,
    latency: { handlerStart: percentiles(handlerStart), settled: percentiles(settled), published: total },
  };
}

/**
 * A latency variant in a fresh Node process of its own (child.ts), as a service runs: in the
 * bench process, after the throughput rows, the heap they leave stretched Sluice's tail (it
 * allocates more per entry than the raw loop) far more than raw's. Under the profiler (hooks
 * given) it runs here instead.
 */
export function latencyInChild(ctx: RowContext, system: 'sluice' | 'raw', pace: PaceOptions): Promise<Sample> {
  if (ctx.hooks) return system === 'raw' ? rawLatencyRow(ctx, pace) : latencyRow(ctx, pace);
  return runWorker<Sample>('latency-worker', [
    ctx.env.url,
    system,
    String(pace.rate),
    String(pace.durationMs),
    String(pace.warmupMs ?? 1000),
    String(ctx.opts.payloadBytes),
  ]);
}
