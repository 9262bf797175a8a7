// The events a Consumer emits (typed for eventemitter3).
import type { MalformedEntryError, ValidationError } from '../errors.js';
import type { UnfitShape } from '../lua/resources.js';
import type { TrimResult } from '../retention/trimmer.js';
import type { Outcome } from '../wire/outcome.js';
import type { Entry } from '../wire/task.js';

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
  /** A payload failed the consumer's schema; it is being dead-lettered with reason `invalid`. */
  invalid: (entry: Entry, error: ValidationError) => void;
  /** An outcome was dropped because another consumer owns the entry now. */
  fenced: (outcome: Outcome<R>) => void;
  /** Entries taken over from another (dead or stalled) consumer by a recovery source. */
  reclaimed: (ids: string[]) => void;
  /** Entries that were deleted (trimmed) while pending; they were acked. */
  deleted: (ids: string[]) => void;
  /**
   * Retention trimmed the stream and/or its dead letters. `unprocessed` counts entries some
   * group had not read or still had pending (only `retention.hardCap` trims those).
   */
  trimmed: (result: TrimResult) => void;
  /** Due delayed tasks (retries, scheduled publishes) this consumer moved into the stream. */
  promoted: (count: number) => void;
  /** This consumer's dispatch dead-lettered backlog tasks: past their deadline, or not decodable. */
  backlogDeadLettered: (expired: number, malformed: number) => void;
  /** This consumer's dispatch found waiting tasks held back by a rate limit (the stream's or a key's), `times` over. */
  rateLimited: (times: number) => void;
  /**
   * The number of queued tasks no live consumer could ever run (their `requires` exceed every
   * live consumer's capacity) changed; they stay queued and run once a capable consumer joins.
   * Consumers with `capacity` report it from their heartbeat.
   */
  unschedulable: (tasks: number, shapes: UnfitShape[]) => void;
  error: (err: Error) => void;
  closed: () => void;
}
