// The events a Consumer emits (typed for eventemitter3).
import type { Entry } from './codec.js';
import type { MalformedEntryError } from './errors.js';
import type { Outcome } from './outcome.js';

export interface ConsumerEvents<R = unknown> {
  /** The group exists, plugins started, reading began. */
  started: () => void;
  /** An outcome was written (acked / retried / dead-lettered) in a settle script call. */
  settled: (outcome: Outcome<R>) => void;
  /** A handler threw or timed out (before plugins decide about retries). */
  failed: (outcome: Outcome<R>) => void;
  /** An outcome with status `dead` was written to the dead-letter stream. */
  deadLettered: (outcome: Outcome<R>) => void;
  /** An entry did not decode; it is being dead-lettered with reason `malformed`. */
  malformed: (entry: Entry, error: MalformedEntryError) => void;
  /** An outcome was dropped because another consumer owns the entry now. */
  fenced: (outcome: Outcome<R>) => void;
  /** Entries taken over from another (dead or stalled) consumer by a recovery source. */
  reclaimed: (ids: string[]) => void;
  /** Entries that were deleted (trimmed) while pending; they were acked. */
  deleted: (ids: string[]) => void;
  /** Due delayed tasks (retries, scheduled publishes) this consumer moved into the stream. */
  promoted: (count: number) => void;
  error: (err: Error) => void;
  closed: () => void;
}
