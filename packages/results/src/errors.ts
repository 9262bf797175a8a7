// Errors a caller of @sluice/results can act on. Core's SluiceError is the base.
import { TimeoutError } from '@sluice/core';

/** `waitFor` (or `publishAndWait`) gave up before a final outcome was written. */
export class WaitTimeoutError extends TimeoutError {
  constructor(
    readonly entryId: string,
    readonly timeoutMs: number,
  ) {
    super(`no final result for entry ${entryId} within timeoutMs=${timeoutMs}`);
  }
}
