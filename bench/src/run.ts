// `npm run bench`: Sluice, BullMQ and a raw node-redis ceiling side by side on one Redis, in
// one run, with the same entries and payload. Progress goes to stderr; the table (and with
// --json the summary as the last line) to stdout.
import { cpus } from 'node:os';
import { bullmqConsume, ceilingConsumeRow, sluiceConsume } from './consume.js';
import { type BenchEnv, openEnv } from './env.js';
import { type LatencyResult, latencyRow, rawLatencyRow } from './latency.js';
import { type MemoryResult, memoryRow } from './memory.js';
import { type BenchOptions, parseArgs } from './options.js';
import { type BenchPayload, makePayloads } from './payload.js';
import { bullmqAddBulk, ceilingPublish, sluicePublish, sluicePublishMany } from './produce.js';
import { median, type Summary, table } from './report.js';

const LIGHT_RATE = 200;

function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function measure(samples: Record<string, number[]>, key: string, fn: () => Promise<number>): Promise<void> {
  const value = await fn();
  samples[key] = [...(samples[key] ?? []), value];
  progress(`${key}: ${value.toLocaleString('en-US')} entries/s`);
}

async function main(opts: BenchOptions): Promise<void> {
  const started = performance.now();
  const env: BenchEnv = await openEnv();
  const redisVersion = /redis_version:(\S+)/.exec(String(await env.admin.sendCommand(['INFO', 'server'])))?.[1];
  progress(
    `redis ${redisVersion} (${env.spawned ? 'spawned' : 'REDIS_URL'}) · node ${process.version} · ${cpus().length} cpus · ` +
      `${opts.entries} entries × ${opts.runs} runs · payload ≈${opts.payloadBytes} B · rows ${opts.only.join(',')}`,
  );
  const payloads = makePayloads(opts.entries, opts.payloadBytes);
  const samples: Record<string, number[]> = {};
  const heavy: LatencyResult[] = [];
  let light: LatencyResult | undefined;
  let rawLight: LatencyResult | undefined;
  let rawHeavy: LatencyResult | undefined;
  let memory: MemoryResult | undefined;
  const has = (row: string) => opts.only.includes(row as never);
  // Each row's variants, in an order that rotates from run to run so none always goes first.
  const rows = (data: readonly BenchPayload[]): [string, [string, () => Promise<number>][]][] => [
    [
      'produce',
      [
        ['produce.ceiling', () => ceilingPublish(env, data, opts.window)],
        ['produce.sluice', () => sluicePublish(env, data, opts.window)],
        ['produce.sluiceMany', () => sluicePublishMany(env, data, opts.window)],
        ['produce.bullmq', () => bullmqAddBulk(env, data, opts.window)],
      ],
    ],
    [
      'consume',
      [
        ['consume.ceiling', () => ceilingConsumeRow(env, data, false)],
        ['consume.sluice', () => sluiceConsume(env, data, false, {}, opts.prefetch)],
        ['consume.bullmq', () => bullmqConsume(env, data)],
      ],
    ],
    [
      'result',
      [
        ['consumeResult.ceiling', () => ceilingConsumeRow(env, data, true)],
        ['consumeResult.sluice', () => sluiceConsume(env, data, true, {}, opts.prefetch)],
      ],
    ],
  ];
  try {
    // Warm-up, not recorded: every variant once on a small backlog, so the JIT has seen all
    // code paths (Sluice has more of them than the ceiling) before anything is timed.
    const warm = payloads.slice(0, Math.min(payloads.length, opts.quick ? 1000 : 20_000));
    for (const [row, variants] of rows(warm)) if (has(row)) for (const [, fn] of variants) await fn();
    for (let run = 1; run <= opts.runs; run++) {
      progress(`run ${run}/${opts.runs}`);
      for (const [row, variants] of rows(payloads)) {
        if (!has(row)) continue;
        const k = (run - 1) % variants.length;
        for (const [key, fn] of [...variants.slice(k), ...variants.slice(0, k)]) await measure(samples, key, fn);
      }
      if (has('latency')) {
        const r = await latencyRow(env, payloads[0]!, { rate: opts.rate, durationMs: opts.latencyMs });
        heavy.push(r);
        progress(
          `latency ${opts.rate}/s: publish→settled p50 ${r.settled.p50} p99 ${r.settled.p99} max ${r.settled.max} ms`,
        );
      }
    }
    if (has('latency')) {
      const heavyOpts = { rate: opts.rate, durationMs: opts.latencyMs };
      const lightOpts = { rate: LIGHT_RATE, durationMs: opts.quick ? 1000 : 3000 };
      light = await latencyRow(env, payloads[0]!, lightOpts);
      progress(`latency ${LIGHT_RATE}/s: publish→settled p50 ${light.settled.p50} p99 ${light.settled.p99} ms`);
      rawLight = await rawLatencyRow(env, payloads[0]!, lightOpts);
      progress(`raw latency ${LIGHT_RATE}/s: publish→acked p50 ${rawLight.settled.p50} p99 ${rawLight.settled.p99} ms`);
      rawHeavy = await rawLatencyRow(env, payloads[0]!, heavyOpts);
      progress(`raw latency ${opts.rate}/s: publish→acked p50 ${rawHeavy.settled.p50} p99 ${rawHeavy.settled.p99} ms`);
    }
    if (has('memory')) {
      progress(`memory: filling ${opts.bigEntries} entries`);
      memory = await memoryRow(env, opts.bigEntries, opts.payloadBytes);
      progress(`memory: RSS growth ${memory.growthMb} MB`);
    }
  } finally {
    await env.close();
  }

  const m = (key: string) => median(samples[key] ?? []);
  const latencyMedian = (pick: 'p50' | 'p99' | 'max') => median(heavy.map((r) => r.settled[pick] * 100)) / 100;
  const summary: Summary = {
    produce: {
      sluice: m('produce.sluice'),
      sluiceMany: m('produce.sluiceMany'),
      bullmq: m('produce.bullmq'),
      ceiling: m('produce.ceiling'),
    },
    consume: { sluice: m('consume.sluice'), bullmq: m('consume.bullmq'), ceiling: m('consume.ceiling') },
    consumeResult: { sluice: m('consumeResult.sluice'), ceiling: m('consumeResult.ceiling') },
    latencyMs: { p50: latencyMedian('p50'), p99: latencyMedian('p99'), max: latencyMedian('max') },
    entries: opts.entries,
  };
  const heavyMedian = heavy.length > 0 ? medianLatency(heavy) : undefined;
  console.log(
    table(samples, { heavy: heavyMedian, light, rawHeavy, rawLight, rate: opts.rate, lightRate: LIGHT_RATE }, memory),
  );
  progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (opts.json) console.log(JSON.stringify(summary));
}

/** Per-percentile medians over runs. */
function medianLatency(runs: LatencyResult[]): LatencyResult {
  const pick = (side: 'handlerStart' | 'settled') => ({
    p50: median(runs.map((r) => r[side].p50 * 100)) / 100,
    p99: median(runs.map((r) => r[side].p99 * 100)) / 100,
    max: median(runs.map((r) => r[side].max * 100)) / 100,
  });
  return { handlerStart: pick('handlerStart'), settled: pick('settled'), published: runs[0]!.published };
}

let opts: BenchOptions;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
main(opts).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
