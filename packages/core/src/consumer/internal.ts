// What a ShardedConsumer in ordered mode (shard/consumer.ts) changes in each shard's Consumer:
// not user options (core-internal wiring), so they are a second constructor argument.
import type { RedisClient } from '../redis/connection.js';
import type { RawEntry } from '../wire/task.js';

export interface ConsumerInternals {
  /** Replaces the read of new entries (XREADGROUP '>'): the leased read of an ordered shard. */
  read?: ((reader: RedisClient, count: number) => Promise<RawEntry[]>) | undefined;
  /** Per-key ordering: one entry of a key at a time, failures retried in place. */
  keyed?: KeyedOptions | undefined;
}

export interface KeyedOptions {
  /** Attempts of an entry, in place, before it is dead-lettered (`attempts-exhausted`). */
  attempts: number;
  /** Delay before attempt n + 1 is backoffMs × 2^(n − 1), at most 60 s. */
  backoffMs: number;
  /** False: start no handler (the shard's lease is no longer surely ours). */
  mayStart(): boolean;
}

const MAX_BACKOFF_MS = 60_000;

/** Delay before re-running `attempt`'s failure in place, or undefined when it is final. */
export function inPlaceRetryDelay(opts: KeyedOptions, attempt: number, error: Error): number | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_SLUICE_CLOSED' || code === 'ERR_SLUICE_NON_RETRYABLE') return undefined;
  if (attempt >= opts.attempts) return undefined;
  return Math.min(MAX_BACKOFF_MS, opts.backoffMs * 2 ** Math.min(attempt - 1, 30));
}
