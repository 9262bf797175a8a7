// Resources in the consumer pipeline (docs/allocation.md, "Resources"), for a consumer with
// `capacity`: the read (schedule/resource-dispatcher.ts), the local weighted semaphore the
// handler slots start entries under, and what happens to an entry that arrives anyway but could
// never fit here (reclaimed from another consumer, read past our own dispatch): it goes back to
// its queue, acked here, for a consumer that can run it.
import type { EventEmitter } from 'eventemitter3';
import { MalformedEntryError } from '../errors.js';
import type { StreamKeys } from '../keys.js';
import type { RedisClient } from '../redis/connection.js';
import { parseRequires, type ResolvedPlacement, ResourcePool, type Resources } from '../schedule/capacity.js';
import { ResourceDispatcher } from '../schedule/resource-dispatcher.js';
import { DEAD_REASONS, RESOURCE_FIELDS } from '../wire/fields.js';
import { newOutcome, type Outcome } from '../wire/outcome.js';
import { type Entry, fieldValue, type RawEntry } from '../wire/task.js';
import type { ConsumerEvents } from './events.js';

export interface ResourceStageDeps {
  keys: StreamKeys;
  group: string;
  consumer: string;
  blockMs: number;
  placement: ResolvedPlacement;
  events: EventEmitter<ConsumerEvents>;
  /** An outcome decided without running the handler (a `req` field that does not parse). */
  finish(outcome: Outcome): void;
  /** The entry left this process without an outcome (given back). */
  forget(id: string): void;
  onError(err: unknown): void;
}

export class ResourceStage {
  readonly pool: ResourcePool;
  private readonly dispatcher: ResourceDispatcher;
  private giving: string[] = [];

  constructor(private readonly deps: ResourceStageDeps) {
    this.pool = new ResourcePool(deps.placement.capacity);
    this.dispatcher = new ResourceDispatcher({
      ...deps,
      pool: this.pool,
      onDeadLettered: (expired, malformed) => deps.events.emit('backlogDeadLettered', expired, malformed),
      onUnschedulable: (r) => deps.events.emit('unschedulable', r.unschedulable, r.shapes),
    });
  }

  /** The handler slots' gate: start only what the capacity left by running entries covers. */
  readonly gate = {
    admit: (entry: Entry): boolean => this.pool.tryStart(entry.id),
    release: (id: string): void => {
      this.pool.release(id);
      this.dispatcher.released();
    },
  };

  start(client: RedisClient): Promise<void> {
    return this.dispatcher.start(client);
  }

  stop(): Promise<void> {
    return this.dispatcher.stop();
  }

  readonly read = (reader: RedisClient, count: number): Promise<RawEntry[]> => this.dispatcher.read(reader, count);

  /** True: the entry goes on to the handler slots (its requirement held). False: handled here. */
  admit(entry: Entry): boolean {
    const text = fieldValue(entry.fields, RESOURCE_FIELDS.requires);
    if (text === undefined) return true;
    let need: Resources;
    try {
      need = parseRequires(text);
    } catch (err) {
      const error = new MalformedEntryError((err as Error).message);
      this.deps.events.emit('malformed', entry, error);
      this.deps.finish(newOutcome(entry, 'dead', this.deps.consumer, 0, error, DEAD_REASONS.malformed));
      return false;
    }
    if (!this.pool.canEverFit(need)) {
      this.giveBack(entry.id);
      return false;
    }
    this.pool.hold(entry.id, need);
    return true;
  }

  /** Batched per tick: one script call gives back every entry of one read. */
  private giveBack(id: string): void {
    this.giving.push(id);
    if (this.giving.length > 1) return;
    queueMicrotask(() => {
      const ids = this.giving;
      this.giving = [];
      this.dispatcher.giveBack(ids).then(
        () => {
          for (const i of ids) this.deps.forget(i);
        },
        (err) => {
          // Still pending here: the reclaimer hands them on, and we give them back again.
          for (const i of ids) this.deps.forget(i);
          this.deps.onError(err);
        },
      );
    });
  }
}
