// Intake: where entries from every source (the read loop, reclaimed entries, own pending
// after a restart) enter the pipeline. Decodes, drops duplicates of entries already in this
// process, dead-letters what does not decode, acks ids deleted while pending.
import type { EventEmitter } from 'eventemitter3';
import type { MalformedEntryError, ValidationError } from '../errors.js';
import type { StreamKeys } from '../keys.js';
import type { RedisClient } from '../redis/connection.js';
import { type StandardSchemaV1, validate } from '../schema/validate.js';
import { isPromiseLike } from '../util.js';
import { DEAD_REASONS } from '../wire/fields.js';
import { type DeadReason, newOutcome, type Outcome } from '../wire/outcome.js';
import { type Codec, decodeEntry, type Entry, type RawEntry, safeDecode, undecodedEntry } from '../wire/task.js';
import type { ConsumerEvents } from './events.js';

export interface IntakeDeps<T> {
  /** The command connection (exists once the consumer started). */
  redis(): RedisClient;
  keys: StreamKeys;
  group: string;
  consumer: string;
  codec: Codec;
  /** Larger `data` fields are dead-lettered as malformed. */
  maxEntryBytes?: number | undefined;
  /** Payload schema: invalid entries are dead-lettered as `invalid`. */
  schema?: StandardSchemaV1 | undefined;
  events: EventEmitter<ConsumerEvents>;
  /** A decoded entry for the handler slots. */
  accept(entry: Entry<T>): void;
  /** Entries were accepted: start handlers. */
  accepted(): void;
  /** An outcome decided without running the handler (dead letter). */
  finish(outcome: Outcome): void;
  onError(err: unknown): void;
}

export class Intake<T> {
  /**
   * Entries in this process, from dispatch until their outcome is written (or dropped), with
   * the Redis time (ms) at or before which our read delivered them; 0 when unknown.
   */
  private readonly known = new Map<string, number>();

  constructor(private readonly deps: IntakeDeps<T>) {}

  /** The entry left this process (settled, fenced, or left pending). */
  forget(id: string): void {
    this.known.delete(id);
  }

  /** When our read delivered the entry (Redis ms, a lower bound), 0 when unknown: the settle fence uses it. */
  readAt(id: string): number {
    return this.known.get(id) ?? 0;
  }

  /** Forget the entry's read time: its next settle checks ownership whatever its age. */
  distrust(id: string): void {
    if (this.known.has(id)) this.known.set(id, 0);
  }

  /** `readAt`: Redis ms taken before the read that delivered `raws` (new entries only). */
  dispatch(raws: readonly RawEntry[], deliveries?: ReadonlyMap<string, number>, readAt = 0): void {
    const { keys, codec, accept } = this.deps;
    const deleted: string[] = [];
    for (const raw of raws) {
      if (this.known.has(raw.id)) continue;
      if (raw.fields === null) {
        deleted.push(raw.id);
        continue;
      }
      this.known.set(raw.id, readAt);
      const count = deliveries?.get(raw.id);
      let entry: Entry<T>;
      try {
        entry = decodeEntry<T>(keys.name, raw, codec, count, this.deps.maxEntryBytes);
      } catch (err) {
        const bad = undecodedEntry(keys.name, raw, count);
        this.deps.events.emit('malformed', bad, err as MalformedEntryError);
        this.deps.finish(newOutcome(bad, 'dead', this.deps.consumer, 0, err as Error, DEAD_REASONS.malformed));
        continue;
      }
      if (this.deps.schema !== undefined && !this.validated(entry, this.deps.schema)) continue;
      accept(entry);
    }
    this.deps.accepted();
    if (deleted.length > 0) void this.ackDeleted(deleted);
  }

  /** Dead-letter an owned entry without running the handler (same settle path as any outcome). */
  deadLetter(raw: RawEntry, reason: DeadReason, error: Error, deliveries?: number): void {
    if (this.known.has(raw.id)) return;
    this.known.set(raw.id, 0);
    const entry = safeDecode(this.deps.keys.name, raw, this.deps.codec, deliveries);
    this.deps.finish(newOutcome(entry, 'dead', this.deps.consumer, 0, error, reason));
  }

  /**
   * Check a payload against the consumer's schema: true when valid (payload replaced by the
   * schema's output); an invalid one is dead-lettered as `invalid`, never retried. An async
   * schema accepts the entry later.
   */
  private validated(entry: Entry<T>, schema: StandardSchemaV1): boolean {
    const invalid = (err: unknown) => {
      this.deps.events.emit('invalid', entry as Entry, err as ValidationError);
      this.deps.finish(newOutcome(entry, 'dead', this.deps.consumer, 0, err as Error, DEAD_REASONS.invalid));
    };
    let value: unknown;
    try {
      value = validate(schema, entry.payload);
    } catch (err) {
      invalid(err);
      return false;
    }
    if (!isPromiseLike(value)) {
      entry.payload = value as T;
      return true;
    }
    Promise.resolve(value).then((v) => {
      entry.payload = v as T;
      this.deps.accept(entry);
      this.deps.accepted();
    }, invalid);
    return false;
  }

  private async ackDeleted(ids: string[]): Promise<void> {
    const { keys, group } = this.deps;
    try {
      await this.deps.redis().sendCommand(['XACK', keys.stream, group, ...ids]);
      this.deps.events.emit('deleted', ids);
    } catch (err) {
      this.deps.onError(err);
    }
  }
}
