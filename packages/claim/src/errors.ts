// Errors of @sluice/claim. NonRetryableError lives in core (handlers throw it whatever
// plugins run) and is re-exported here, where retries are decided.
import { NonRetryableError, SluiceError } from '@sluice/core';

export { NonRetryableError };

/** Recorded as the error of an entry dead-lettered with reason `max-deliveries`. */
export class MaxDeliveriesError extends SluiceError {
  constructor(
    readonly deliveries: number,
    readonly maxDeliveries: number,
  ) {
    super(
      'ERR_SLUICE_MAX_DELIVERIES',
      `delivered ${deliveries} times without an outcome (maxDeliveries=${maxDeliveries}): a poison entry?`,
    );
  }
}

/** A handler error is final when it is a NonRetryableError (by class or by its code). */
export function isNonRetryable(err: unknown): boolean {
  return (
    err instanceof NonRetryableError || (err as { code?: unknown } | undefined)?.code === 'ERR_SLUICE_NON_RETRYABLE'
  );
}

/** The consumer aborted the handler because it was closing: not the task's fault. */
export function isClosedAbort(err: unknown): boolean {
  return (err as { code?: unknown } | undefined)?.code === 'ERR_SLUICE_CLOSED';
}
