// @sluice/claim: failure recovery for Sluice consumers — reclaim from crashed consumers,
// retries with backoff, poison entries to the dead-letter stream, dead-letter replay.

export { retryFields } from '@sluice/core/plugin';
export type { DeadLetter, DeadLetterQuery, ListOptions } from './dlq.js';
export { listDeadLetters } from './dlq.js';
export { MaxDeliveriesError, NonRetryableError } from './errors.js';
export type { BackoffFn, RecoveryOptions, ResolvedRecoveryOptions } from './options.js';
export { RECOVERY_DEFAULTS, resolveRecoveryOptions } from './options.js';
export type { RecoveryPlugin } from './recovery.js';
export { recovery } from './recovery.js';
export type { ReplayOptions, ReplayProgress, ReplayResult, ReplayTarget } from './replay.js';
export { REPLAY_DEFAULTS, replay } from './replay.js';
export type { RetryPolicy } from './retry.js';
export { backoffDelay, decideRetry } from './retry.js';
export { rewind } from './rewind.js';
export type { RecoveryStats } from './stats.js';
