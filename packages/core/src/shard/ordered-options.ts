// The `ordered` option of a ShardedConsumer: per-key ordering through shard leases.
import { ConfigError } from '../errors.js';
import { intOption, knownOptions } from '../options.js';

export interface OrderedOptions {
  /**
   * A shard's lease lasts this long without renewal (renewed every leaseMs / 4): after a crash,
   * its shards are taken over within about this long. @defaultValue 10000
   */
  leaseMs?: number;
  /** Attempts of an entry, retried in place (later entries of its key wait), before it is dead-lettered. @defaultValue 3 */
  attempts?: number;
  /** Delay before attempt n + 1 is backoffMs × 2^(n − 1), at most 60 s. @defaultValue 1000 */
  backoffMs?: number;
  /** How long a shard given away in a rebalance may drain its in-flight entries. @defaultValue 30000 */
  drainTimeoutMs?: number;
  /**
   * A new lease holder runs inherited entries one at a time, counting the runs, and
   * dead-letters (`max-deliveries`) one that already ran this many times without an outcome
   * (its holders crashed on it) instead of running it again: a poison entry cannot take down
   * every holder of its shard in turn. 0 turns this off. @defaultValue 3
   */
  maxRuns?: number;
}

export const ORDERED_DEFAULTS = {
  leaseMs: 10_000,
  attempts: 3,
  backoffMs: 1000,
  drainTimeoutMs: 30_000,
  maxRuns: 3,
} as const;

export type ResolvedOrderedOptions = Required<OrderedOptions>;

export function resolveOrdered(owner: string, value: unknown): ResolvedOrderedOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { ...ORDERED_DEFAULTS };
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${owner}: option "ordered" must be true or an object like { leaseMs }`);
  knownOptions(`${owner} ordered`, value, Object.keys(ORDERED_DEFAULTS));
  const o = value as OrderedOptions;
  const d = ORDERED_DEFAULTS;
  return {
    leaseMs: intOption(owner, 'ordered.leaseMs', o.leaseMs ?? d.leaseMs, 200, 3_600_000),
    attempts: intOption(owner, 'ordered.attempts', o.attempts ?? d.attempts, 1, 1000),
    backoffMs: intOption(owner, 'ordered.backoffMs', o.backoffMs ?? d.backoffMs, 0, 3_600_000),
    drainTimeoutMs: intOption(owner, 'ordered.drainTimeoutMs', o.drainTimeoutMs ?? d.drainTimeoutMs, 0, 3_600_000),
    maxRuns: intOption(owner, 'ordered.maxRuns', o.maxRuns ?? d.maxRuns, 0, 1_000_000),
  };
}
