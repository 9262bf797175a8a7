// Row 4, latency: a steady publish rate with three consumers in one group; how long from
// publish() to the handler starting, and to the outcome being settled (acked).
import { Consumer, Producer } from '@sluice/core';
import type { BenchEnv } from './env.js';
import { sleep } from './env.js';
import type { BenchPayload } from './payload.js';

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

export interface LatencyResult {
  /** publish → handler start. */
  handlerStart: Percentiles;
  /** publish → settled (the ack is written). */
  settled: Percentiles;
  published: number;
}

const STREAM = 'bench';
const CONSUMERS = 3;
const WARMUP_MS = 1000;

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
export async function latencyRow(
  env: BenchEnv,
  payload: BenchPayload,
  opts: { rate: number; durationMs: number },
): Promise<LatencyResult> {
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

  let sent = 0;
  const started = performance.now();
  measureFrom = started + WARMUP_MS;
  const total = Math.round((opts.rate * (WARMUP_MS + opts.durationMs)) / 1000);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * opts.rate) / 1000));
      while (sent < due) {
        sent++;
        void producer.publish(STREAM, { ...payload, n: sent, at: performance.now() });
      }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const deadline = Date.now() + 10_000;
  while (settledCount < total && Date.now() < deadline) await sleep(10);
  await producer.close();
  for (const c of consumers) await c.close();
  await env.cleanup(prefix);
  if (settledCount < total) throw new Error(`latency: only ${settledCount}/${total} entries settled`);
  return { handlerStart: percentiles(handlerStart), settled: percentiles(settled), published: total };
}
