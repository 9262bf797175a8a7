// Where a failed attempt's fate is decided: retry later through the `:delayed` set, or
// dead-letter it. The retry is a write in the same settle script call as the ack, so the
// task never exists twice nor not at all, and a fenced outcome schedules nothing.
import type { Outcome } from '@sluice/core';
import { encodeDelayed, retryFields } from '@sluice/core/plugin';
import { isClosedAbort, isNonRetryable } from './errors.js';
import type { ResolvedRecoveryOptions } from './options.js';

export type RetryPolicy = Pick<ResolvedRecoveryOptions, 'attempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'backoff'>;

/**
 * Delay before the next attempt after attempt `attempt` (1-based) failed: the policy's
 * function, else "full jitter" — uniform in [0, min(max, base × 2^(attempt−1))].
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, error?: Error, random = Math.random): number {
  if (policy.backoff) {
    const ms = Number(policy.backoff(attempt, error));
    return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
  }
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.min(attempt - 1, 52));
  return Math.floor(random() * ceiling);
}

/**
 * Decide a failed outcome in place (ok and dead outcomes are left alone):
 * - a handler aborted because its consumer was closing stays pending, unchanged;
 * - NonRetryableError → dead, reason `non-retryable`;
 * - the last attempt → dead, reason `attempts-exhausted`;
 * - else ack + a `zadd` write of the next attempt into `:delayed`, due after the backoff.
 * Core turns `dead` into the dead-letter write, in the same script call as the ack.
 */
export function decideRetry(outcome: Outcome, policy: RetryPolicy, now = Date.now()): void {
  if (outcome.status !== 'failed' || isClosedAbort(outcome.error)) return;
  if (isNonRetryable(outcome.error)) {
    outcome.status = 'dead';
    outcome.reason = 'non-retryable';
    return;
  }
  const { entry } = outcome;
  if (entry.attempt >= policy.attempts) {
    outcome.status = 'dead';
    outcome.reason = 'attempts-exhausted';
    return;
  }
  const retryAt = now + backoffDelay(policy, entry.attempt, outcome.error);
  outcome.ack = true;
  outcome.retryAt = retryAt;
  outcome.writes.push({
    op: 'zadd',
    key: 'delayed',
    score: retryAt,
    member: encodeDelayed(retryFields(entry, outcome.error)),
  });
}
