// recovery() options: defaults, derived defaults, and the one place they are validated.
import { ConfigError } from '@sluice/core';
import { fnOption, intOption, knownOptions } from '@sluice/core/plugin';

/** Retry delay for the attempt that just failed (1-based); return ms. */
export type BackoffFn = (attempt: number, error: Error | undefined) => number;

export interface RecoveryOptions {
  /**
   * An entry whose owner has not touched it for this long is taken over by a live
   * consumer (XAUTOCLAIM). Owners touch what they hold every `keepaliveIntervalMs`.
   * @defaultValue 30000
   */
  minIdleMs?: number;
  /** Mean time between reclaim passes, jittered ±50%. @defaultValue min(5000, minIdleMs / 2) */
  claimIntervalMs?: number;
  /** How often an owner resets the idle time of entries it holds; at most minIdleMs / 2. @defaultValue minIdleMs / 3 */
  keepaliveIntervalMs?: number;
  /** An entry delivered more often than this (it keeps killing its consumer) is dead-lettered as `max-deliveries`. @defaultValue 10 */
  maxDeliveries?: number;
  /** Consumers idle this long with nothing pending are removed from the group; 0 never removes. @defaultValue 3600000 */
  deadConsumerMs?: number;
  /** Handler attempts per task, the first included; 1 means no retries. @defaultValue 5 */
  attempts?: number;
  /** Exponential backoff with full jitter: retry n waits random(0, min(backoffMaxMs, backoffBaseMs × 2^(n−1))). @defaultValue 1000 */
  backoffBaseMs?: number;
  /** Cap of the exponential backoff. @defaultValue 60000 */
  backoffMaxMs?: number;
  /** Your own retry delay instead of the exponential one. @defaultValue undefined */
  backoff?: BackoffFn;
}

export const RECOVERY_DEFAULTS = {
  minIdleMs: 30_000,
  maxClaimIntervalMs: 5_000,
  maxDeliveries: 10,
  deadConsumerMs: 3_600_000,
  attempts: 5,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
} as const;

export interface ResolvedRecoveryOptions {
  minIdleMs: number;
  claimIntervalMs: number;
  keepaliveIntervalMs: number;
  maxDeliveries: number;
  deadConsumerMs: number;
  attempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  backoff: BackoffFn | undefined;
}

const DAY_MS = 86_400_000;

export function resolveRecoveryOptions(opts: RecoveryOptions = {}): ResolvedRecoveryOptions {
  const owner = 'recovery()';
  if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options must be an object`);
  knownOptions(owner, opts, [
    'minIdleMs',
    'claimIntervalMs',
    'keepaliveIntervalMs',
    'maxDeliveries',
    'deadConsumerMs',
    'attempts',
    'backoffBaseMs',
    'backoffMaxMs',
    'backoff',
  ]);
  const d = RECOVERY_DEFAULTS;
  const minIdleMs = intOption(owner, 'minIdleMs', opts.minIdleMs ?? d.minIdleMs, 10, DAY_MS);
  const claimDefault = Math.max(1, Math.min(d.maxClaimIntervalMs, Math.floor(minIdleMs / 2)));
  const claimIntervalMs = intOption(owner, 'claimIntervalMs', opts.claimIntervalMs ?? claimDefault, 1, DAY_MS);
  const keepaliveMax = Math.floor(minIdleMs / 2);
  const keepaliveIntervalMs = intOption(
    owner,
    'keepaliveIntervalMs',
    opts.keepaliveIntervalMs ?? Math.max(1, Math.floor(minIdleMs / 3)),
    1,
    keepaliveMax,
  );
  const deadConsumerMs = intOption(owner, 'deadConsumerMs', opts.deadConsumerMs ?? d.deadConsumerMs, 0, 365 * DAY_MS);
  const backoffBaseMs = intOption(owner, 'backoffBaseMs', opts.backoffBaseMs ?? d.backoffBaseMs, 0, DAY_MS);
  const backoffMaxMs = intOption(owner, 'backoffMaxMs', opts.backoffMaxMs ?? d.backoffMaxMs, backoffBaseMs, DAY_MS);
  return {
    minIdleMs,
    claimIntervalMs,
    keepaliveIntervalMs,
    maxDeliveries: intOption(owner, 'maxDeliveries', opts.maxDeliveries ?? d.maxDeliveries, 1, 1_000_000),
    deadConsumerMs,
    attempts: intOption(owner, 'attempts', opts.attempts ?? d.attempts, 1, 1_000_000),
    backoffBaseMs,
    backoffMaxMs,
    backoff: opts.backoff === undefined ? undefined : fnOption<BackoffFn>(owner, 'backoff', opts.backoff),
  };
}
