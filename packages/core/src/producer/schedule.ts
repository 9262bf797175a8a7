// Scheduled publishes (`delayMs` / `at`): the task goes into the stream's `:delayed` set
// instead of the stream, and consumers' promoters move it when due. The Producer batches
// them per `:delayed` key like immediate publishes (one ZADD per batch).
import { PayloadError } from '../errors.js';

export interface ScheduleOptions {
  /** Publish this many ms from now instead of now. */
  delayMs?: number | undefined;
  /** Publish at this time (a Date or ms since the epoch) instead of now. */
  at?: Date | number | undefined;
}

/**
 * The due time in ms for a scheduled publish, or undefined when the task should go to the
 * stream now (no option given, or the time is not in the future). Throws PayloadError on
 * a bad value.
 */
export function dueTime(options: ScheduleOptions, now = Date.now()): number | undefined {
  const { delayMs, at } = options;
  if (delayMs !== undefined && at !== undefined) throw new PayloadError('pass "delayMs" or "at", not both');
  let due: number | undefined;
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new PayloadError(`option "delayMs" must be a finite number >= 0, got ${JSON.stringify(delayMs)}`);
    }
    due = now + delayMs;
  } else if (at !== undefined) {
    due = at instanceof Date ? at.getTime() : at;
    if (typeof due !== 'number' || !Number.isFinite(due)) {
      throw new PayloadError(`option "at" must be a Date or ms since the epoch, got ${JSON.stringify(at)}`);
    }
  }
  return due !== undefined && due > now ? Math.round(due) : undefined;
}
