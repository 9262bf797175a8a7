// The one seam extensions plug into: sources of entries, writes for an outcome, start/close.
import type { StreamKeys } from '../keys.js';
import type { Logger } from '../log.js';
import type { RedisClient } from '../redis/connection.js';
import type { Script } from '../redis/script.js';
import type { DeadReason, Outcome } from '../wire/outcome.js';
import type { Codec, Entry, RawEntry } from '../wire/task.js';
import type { ConsumerEvents } from './events.js';

export interface PluginContext {
  /** Command connection (never blocked). */
  readonly redis: RedisClient;
  readonly keys: StreamKeys;
  readonly group: string;
  /** This consumer's name in the group. */
  readonly consumer: string;
  readonly codec: Codec;
  readonly log: Logger;
  /** Handler slots free right now (concurrency + prefetch − entries held). */
  freeSlots(): number;
  /** Ids of entries whose handler is running or queued. */
  heldIds(): string[];
  /**
   * Feed entries (already owned by this consumer in the PEL, e.g. claimed) into the
   * handler pipeline. `deliveries` maps id → delivery count when the source knows it;
   * `source: 'reclaimed'` also emits the consumer's `reclaimed` event.
   */
  deliver(entries: RawEntry[], opts?: { deliveries?: ReadonlyMap<string, number>; source?: string }): void;
  /** Dead-letter an owned entry without running the handler (same settle path as any outcome). */
  deadLetter(entry: RawEntry, reason: DeadReason, error: Error, deliveries?: number): void;
  /** Resolves once every outcome handed to the settler so far is written (or fenced). */
  flush(): Promise<void>;
  /** Run a script on the command connection (EVALSHA with NOSCRIPT fallback). */
  run<T = unknown>(script: Script, keys: readonly string[], args: readonly string[]): Promise<T>;
  /** Report an error through the consumer's `error` event. */
  reportError(err: unknown): void;
  /** Listen to this consumer's events (reclaimed, deleted, closed, ...), e.g. to count them. */
  on<E extends keyof ConsumerEvents>(event: E, listener: ConsumerEvents[E]): void;
  /** True once close() began: sources must stop delivering. */
  readonly closing: boolean;
}

export interface ConsumerPlugin {
  readonly name: string;
  /** Join start: set up timers and sources. Runs after the group exists. */
  start?(ctx: PluginContext): void | Promise<void>;
  /**
   * Decide an outcome's fate (retry, dead letter): may change `status`, `reason`, `ack`,
   * `retryAt` and push writes. Runs for every outcome, before `record`.
   */
  decide?(outcome: Outcome): void;
  /**
   * Run the handler inside something (a tracing span, an async context): call `run` once and
   * return its promise. The first plugin in `use` is the outermost wrapper.
   */
  wrap?<X>(run: () => Promise<X>, entry: Entry): Promise<X>;
  /** Add writes that record the final outcome (e.g. a result entry). */
  record?(outcome: Outcome): void;
  /** Observe outcomes after their script call: applied, or fenced (someone else owns the entry now). */
  settled?(applied: readonly Outcome[], fenced: readonly Outcome[]): void;
  /** Join close: stop timers. Runs after in-flight work settled, before connections close. */
  close?(): void | Promise<void>;
}
