// From the samples of every run to the summary `--json` prints and the docs are written from:
// medians per row and system, and each ratio as the median of its per-run ratios.
import { cpus, loadavg } from 'node:os';
import { entriesPerSec } from './clock.js';
import type { BenchOptions } from './options.js';
import type { Ratio, RowSpec } from './row.js';
import type { MemoryResult, Percentiles, Sample } from './sample.js';

export interface RunFigures {
  entriesPerSec: number;
  redisUsPerEntry: number;
  nodeUsPerEntry: number;
  /** publish→settled p99, ms (latency rows). */
  p99?: number;
}

export interface SystemFigures extends RunFigures {
  label: string;
  perRun: RunFigures[];
  /** Redis time by command over all runs: calls and µs per entry (EVALSHA includes its script's commands). */
  commands: Record<string, { callsPerEntry: number; usPerEntry: number }>;
  latency?: { handlerStart: Percentiles; settled: Percentiles; published: number };
  memory?: MemoryResult;
}

export interface RatioFigures {
  row: string;
  label: string;
  of: string;
  to: string;
  metric: 'throughput' | 'p99';
  /** Median of the per-run ratios of the metric (entries/s, or p99 ms). */
  median: number;
  perRun: number[];
  /** Median of the per-run ratios of Redis µs per entry. */
  redis: number;
  target?: Ratio['target'];
  /** Whether the medians meet every target given. */
  met?: boolean;
}

export interface Summary {
  meta: {
    date: string;
    node: string;
    redis: string;
    cpus: number;
    entries: number;
    runs: number;
    payloadBytes: number;
    args: string[];
    /** The code measured: a commit, `+changes` when the tree differed from it. */
    commit?: string;
    /** 1-minute load average at the start and the end: how much else the machine was doing. */
    load?: [number, number];
  };
  rows: Record<string, Record<string, SystemFigures>>;
  ratios: RatioFigures[];
}

/** samples[`row.system`][run]; rows measured once have one sample. */
export type Samples = Record<string, Sample[]>;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

function runFigures(s: Sample): RunFigures {
  const out: RunFigures = {
    entriesPerSec: entriesPerSec(s),
    redisUsPerEntry: round(s.redisUs / s.entries, 2),
    nodeUsPerEntry: round(s.nodeUs / s.entries, 2),
  };
  if (s.latency) out.p99 = s.latency.settled.p99;
  return out;
}

function systemFigures(label: string, samples: Sample[]): SystemFigures {
  const perRun = samples.map(runFigures);
  const pick = (f: (r: RunFigures) => number) => median(perRun.map(f));
  const entries = samples.reduce((n, s) => n + s.entries, 0);
  const commands: SystemFigures['commands'] = {};
  for (const s of samples) {
    for (const [name, c] of Object.entries(s.commands)) {
      const prev = commands[name] ?? { callsPerEntry: 0, usPerEntry: 0 };
      commands[name] = { callsPerEntry: prev.callsPerEntry + c.calls, usPerEntry: prev.usPerEntry + c.usec };
    }
  }
  for (const c of Object.values(commands)) {
    c.callsPerEntry = round(c.callsPerEntry / entries, 4);
    c.usPerEntry = round(c.usPerEntry / entries, 3);
  }
  const out: SystemFigures = {
    label,
    entriesPerSec: Math.round(pick((r) => r.entriesPerSec)),
    redisUsPerEntry: round(
      pick((r) => r.redisUsPerEntry),
      2,
    ),
    nodeUsPerEntry: round(
      pick((r) => r.nodeUsPerEntry),
      2,
    ),
    perRun,
    commands,
  };
  const lat = samples.flatMap((s) => (s.latency ? [s.latency] : []));
  if (lat.length > 0) {
    const p = (side: 'handlerStart' | 'settled'): Percentiles => ({
      p50: round(median(lat.map((l) => l[side].p50)), 2),
      p99: round(median(lat.map((l) => l[side].p99)), 2),
      max: round(median(lat.map((l) => l[side].max)), 2),
    });
    out.latency = { handlerStart: p('handlerStart'), settled: p('settled'), published: lat[0]!.published };
    out.p99 = out.latency.settled.p99;
  }
  const memory = samples.find((s) => s.memory)?.memory;
  if (memory) out.memory = memory;
  return out;
}

function ratioFigures(row: RowSpec, r: Ratio, samples: Samples): RatioFigures | undefined {
  const key = (ref: string) => (ref.includes('.') ? ref : `${row.name}.${ref}`);
  const a = (samples[key(r.of)] ?? []).map(runFigures);
  const b = (samples[key(r.to)] ?? []).map(runFigures);
  const n = Math.min(a.length, b.length);
  if (n === 0) return undefined;
  const metric = r.metric ?? 'throughput';
  const value = (f: RunFigures) => (metric === 'p99' ? (f.p99 ?? 0) : f.entriesPerSec);
  const perRun: number[] = [];
  const redis: number[] = [];
  for (let i = 0; i < n; i++) {
    perRun.push(round(value(a[i]!) / value(b[i]!), 2));
    redis.push(a[i]!.redisUsPerEntry / b[i]!.redisUsPerEntry);
  }
  const out: RatioFigures = {
    row: row.name,
    label: r.label,
    of: key(r.of),
    to: key(r.to),
    metric,
    median: round(median(perRun), 2),
    perRun,
    redis: round(median(redis), 2),
  };
  if (r.target) {
    const t = r.target;
    out.target = t;
    out.met =
      (t.min === undefined || out.median >= t.min) &&
      (t.max === undefined || out.median <= t.max) &&
      (t.redisMax === undefined || out.redis <= t.redisMax);
  }
  return out;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * What a run was measured on and with: the machine, Redis, the options, and the 1-minute load
 * average from `loadBefore` (read when the run began) to now.
 */
export function runMeta(
  opts: Pick<BenchOptions, 'entries' | 'runs' | 'payloadBytes'>,
  redis: string,
  loadBefore: number,
  more: Partial<Summary['meta']> = {},
): Summary['meta'] {
  return {
    date: new Date().toISOString(),
    node: process.version,
    redis,
    cpus: cpus().length,
    entries: opts.entries,
    runs: opts.runs,
    payloadBytes: opts.payloadBytes,
    args: process.argv.slice(2),
    ...more,
    load: [round1(loadBefore), round1(loadavg()[0] as number)],
  };
}

export function summarize(rows: readonly RowSpec[], samples: Samples, meta: Summary['meta']): Summary {
  const summary: Summary = { meta, rows: {}, ratios: [] };
  for (const row of rows) {
    for (const v of row.variants) {
      const s = samples[`${row.name}.${v.system}`];
      if (!s || s.length === 0) continue;
      summary.rows[row.name] ??= {};
      (summary.rows[row.name] as Record<string, SystemFigures>)[v.system] = systemFigures(v.label, s);
    }
    for (const r of row.ratios) {
      const figures = ratioFigures(row, r, samples);
      if (figures) summary.ratios.push(figures);
    }
  }
  return summary;
}
