// What a variant measures in one run: the figures every row has, plus the latency or
// memory readings of the rows that take them. Types only, below every row module.

/** One command's share of Redis time in the timed part (EVALSHA's usec includes the commands its script ran). */
export interface CommandCost {
  calls: number;
  usec: number;
}

/** What one variant measured in one run. */
export interface Sample {
  entries: number;
  ms: number;
  /** Redis CPU (user + sys) in the timed part, µs. */
  redisUs: number;
  /** CPU of the Node process(es) doing the work, µs. */
  nodeUs: number;
  /** INFO commandstats deltas by command name (lower case). */
  commands: Record<string, CommandCost>;
  latency?: LatencyResult;
  memory?: MemoryResult;
}

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

export interface MemoryResult {
  rssBeforeMb: number;
  rssAfterMb: number;
  rssPeakMb: number;
  growthMb: number;
  /** RSS at each tenth of the backlog drained. */
  tenths: number[];
  /** Growth from the first tenth drained to the end: flat means nothing piles up per entry. */
  lateGrowthMb: number;
  entriesPerSec: number;
  count: number;
}
