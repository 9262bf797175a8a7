// results(): the consumer plugin that writes one result entry per outcome, in the settle
// script call that acks the entry (no extra round trip, never an ack without its result).
import { type Codec, ConfigError, type ConsumerPlugin, type Outcome, type PluginContext } from '@sluice/core';
import { intOption, isFinal, knownOptions, resultFields, type SettleWrite } from '@sluice/core/plugin';

export interface ResultsPluginOptions {
  /** Keep about this many result entries (XADD MAXLEN ~); 0 turns the length cap off. @defaultValue 100000 */
  resultsMaxLen?: number;
  /** Drop result entries older than this (XADD MINID ~ now − ttl); 0 turns the age cap off. @defaultValue 86400000 (1 day) */
  resultsTtlMs?: number;
  /**
   * Also write outcomes that are not final: a failed attempt that will be retried, or that
   * stays pending. With false only final outcomes (ok, dead, failed and acked) are written.
   * @defaultValue true
   */
  everyAttempt?: boolean;
  /** Largest encoded result kept; a larger one is left out and explained in `error`. @defaultValue 65536 */
  maxResultBytes?: number;
}

export const RESULTS_PLUGIN_DEFAULTS = {
  resultsMaxLen: 100_000,
  resultsTtlMs: 86_400_000,
  everyAttempt: true,
  maxResultBytes: 64 * 1024,
} as const;

/** Trim on one result write in this many. */
const TRIM_EVERY = 16;

interface Bound {
  group: string;
  codec: Codec;
}

class ResultsPlugin implements ConsumerPlugin {
  readonly name = 'results';
  private readonly maxLen: number;
  private readonly ttlMs: number;
  private readonly everyAttempt: boolean;
  private readonly maxResultBytes: number;
  /** Consumer name → its group and codec (one plugin may serve several consumers). */
  private readonly bound = new Map<string, Bound>();
  private writes = 0;
  private trims = 0;

  constructor(opts: ResultsPluginOptions) {
    const owner = 'results()';
    knownOptions(owner, opts, ['resultsMaxLen', 'resultsTtlMs', 'everyAttempt', 'maxResultBytes']);
    const d = RESULTS_PLUGIN_DEFAULTS;
    this.maxLen = intOption(owner, 'resultsMaxLen', opts.resultsMaxLen ?? d.resultsMaxLen, 0);
    this.ttlMs = intOption(owner, 'resultsTtlMs', opts.resultsTtlMs ?? d.resultsTtlMs, 0);
    this.maxResultBytes = intOption(owner, 'maxResultBytes', opts.maxResultBytes ?? d.maxResultBytes, 1);
    const everyAttempt = opts.everyAttempt ?? d.everyAttempt;
    if (typeof everyAttempt !== 'boolean') {
      throw new ConfigError(`${owner}: option "everyAttempt" must be a boolean, got ${JSON.stringify(everyAttempt)}`);
    }
    this.everyAttempt = everyAttempt;
  }

  start(ctx: PluginContext): void {
    this.bound.set(ctx.consumer, { group: ctx.group, codec: ctx.codec });
  }

  record(outcome: Outcome): void {
    if (!this.everyAttempt && !isFinal(outcome)) return;
    const bound = this.bound.get(outcome.consumer);
    if (!bound) return;
    outcome.writes.push({
      op: 'xadd',
      key: 'results',
      fields: resultFields(outcome, bound.group, bound.codec, this.maxResultBytes),
      trim: this.trim(),
    });
  }

  /**
   * Every TRIM_EVERY-th write trims (a `~` trim removes whole 100-entry nodes anyway, and
   * checking on every XADD costs Redis about a tenth of the result write). One XADD takes one
   * strategy: with both caps on, trimming writes alternate between them.
   */
  private trim(): Extract<SettleWrite, { op: 'xadd' }>['trim'] {
    const byLen = this.maxLen > 0;
    const byAge = this.ttlMs > 0;
    if ((!byLen && !byAge) || this.writes++ % TRIM_EVERY !== 0) return undefined;
    const useLen = byLen && (!byAge || this.trims++ % 2 === 0);
    if (useLen) return { kind: 'MAXLEN', value: String(this.maxLen) };
    return { kind: 'MINID', value: String(Date.now() - this.ttlMs) };
  }
}

/** The results plugin: `new Consumer({ ..., use: [results()] })`. */
export function results(opts: ResultsPluginOptions = {}): ConsumerPlugin {
  return new ResultsPlugin(opts);
}
