// What a benchmark row is: named variants (one per system) measured back to back in every
// run, and the ratios between them that the report prints. registry.ts lists the rows.
import type { TimedHooks } from './clock.js';
import type { BenchEnv } from './env.js';
import type { BenchOptions } from './options.js';
import type { BenchPayload } from './payload.js';
import type { Sample } from './sample.js';

export interface RowContext {
  env: BenchEnv;
  /** The row's entries (a small slice of them during the warm-up). */
  data: readonly BenchPayload[];
  opts: BenchOptions;
  /** Around the timed part only; the profiler starts and stops there. */
  hooks?: TimedHooks;
}

export interface Variant {
  /** Key in the JSON summary and the ratios: `sluice`, `bullmq`, `ceiling`, `raw`, ... */
  system: string;
  /** What it runs, for the table. */
  label: string;
  run(ctx: RowContext): Promise<Sample>;
}

export type Metric = 'throughput' | 'p99';

export interface Ratio {
  label: string;
  /** A system of this row, or `row.system` of another row measured in the same run. */
  of: string;
  to: string;
  /** entries/s (higher is better) or p99 publish→settled (lower is better). @defaultValue 'throughput' */
  metric?: Metric;
  /** Targets on the median: `min` of the metric's ratio for throughput, `max` for p99; `redisMax` of Redis µs/entry. */
  target?: { min?: number; max?: number; redisMax?: number };
}

export interface RowSpec {
  /** `--only` name and JSON key. */
  name: string;
  /** The table's row label. */
  title: string;
  variants: Variant[];
  ratios: Ratio[];
  /** Measured once, after the last run, instead of in every run. @defaultValue false */
  once?: boolean;
  /** Part of a plain `npm run bench`; false rows run only when named in --only (or --big). @defaultValue true */
  byDefault?: boolean;
  /** Run every variant once on a small backlog before anything is timed (JIT warm-up). @defaultValue true */
  warm?: boolean;
}
