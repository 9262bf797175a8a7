// The printed table (entries/s and ratios per row) and the one-line JSON summary.
import type { LatencyResult } from './latency.js';
import type { MemoryResult } from './memory.js';

export interface Summary {
  produce: { sluice: number; sluiceMany: number; bullmq: number; ceiling: number };
  consume: { sluice: number; bullmq: number; ceiling: number };
  consumeResult: { sluice: number; ceiling: number };
  latencyMs: { p50: number; p99: number; max: number };
  entries: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : Math.round(((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

const num = (n: number | undefined) => (n === undefined || n === 0 ? '-' : n.toLocaleString('en-US'));
/** Median without rounding (for ratios). */
function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function table(
  spread: Record<string, number[]>,
  latency: {
    heavy?: LatencyResult | undefined;
    light?: LatencyResult | undefined;
    rawHeavy?: LatencyResult | undefined;
    rawLight?: LatencyResult | undefined;
    rate: number;
    lightRate: number;
  },
  memory?: MemoryResult,
): string {
  const rows: string[][] = [
    ['row (entries/s)', 'sluice', 'bullmq', 'ceiling', 'sluice/bullmq', 'sluice/ceiling', 'sluice/ceiling per run'],
  ];
  // Ratios are medians of each run's own ratio: the two sides of a pair ran back to back,
  // so the pair shares whatever else the machine was doing at the time.
  const pairs = (a: string, b: string) => {
    const xs = spread[a] ?? [];
    const ys = spread[b] ?? [];
    return xs.map((x, i) => (ys[i] ? x / (ys[i] as number) : 0)).filter((r) => r > 0);
  };
  const ratio = (a: string, b: string) => {
    const rs = pairs(a, b);
    return rs.length === 0 ? '-' : `${medianOf(rs).toFixed(2)}x`;
  };
  const add = (name: string, sluice: string, bullmq: string, ceiling: string) =>
    (spread[sluice]?.length ?? 0) > 0 &&
    rows.push([
      name,
      num(median(spread[sluice] ?? [])),
      num(median(spread[bullmq] ?? [])),
      num(median(spread[ceiling] ?? [])),
      ratio(sluice, bullmq),
      ratio(sluice, ceiling),
      pairs(sluice, ceiling)
        .map((r) => r.toFixed(2))
        .join(' / '),
    ]);
  add('produce: publish() per call', 'produce.sluice', 'produce.bullmq', 'produce.ceiling');
  add('produce: publishMany()', 'produce.sluiceMany', 'produce.bullmq', 'produce.ceiling');
  add('consume+ack', 'consume.sluice', 'consume.bullmq', 'consume.ceiling');
  add('consume+ack+result', 'consumeResult.sluice', 'consume.bullmq', 'consumeResult.ceiling');
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  if ((spread['consumeResult.sluice']?.length ?? 0) > 0) {
    out.push('(consume+ack+result is compared with BullMQ consume+ack: BullMQ keeps the return value with the job.)');
  }
  if (rows.length === 1) out.length = 0;
  const lat = (name: string, r: LatencyResult | undefined) => {
    if (!r) return;
    const f = (p: { p50: number; p99: number; max: number }) => `p50 ${p.p50} · p99 ${p.p99} · max ${p.max}`;
    out.push(
      `${name}: publish→handler ${f(r.handlerStart)} ms | publish→settled ${f(r.settled)} ms (${r.published} entries)`,
    );
  };
  if (out.length > 0) out.push('');
  lat(`latency at ${latency.rate}/s, 3 consumers (median of runs)`, latency.heavy);
  lat(`  raw node-redis, no batching`, latency.rawHeavy);
  lat(`latency at ${latency.lightRate}/s (light load)`, latency.light);
  lat(`  raw node-redis, no batching`, latency.rawLight);
  if (memory) {
    out.push(
      `memory: draining ${num(memory.count)} entries: RSS ${memory.rssBeforeMb} MB → ${memory.rssAfterMb} MB ` +
        `(growth ${memory.growthMb} MB, peak ${memory.rssPeakMb} MB; ${memory.lateGrowthMb} MB of it after the first tenth) ` +
        `at ${num(memory.entriesPerSec)} entries/s`,
      `memory: RSS at each tenth drained (MB): ${memory.tenths.join(' ')}`,
    );
  }
  return out.join('\n');
}
