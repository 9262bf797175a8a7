// Handler slots: the flow-control stage. Entries wait here (at most concurrency + prefetch
// of them) until one of `concurrency` slots is free, then run; each run ends in an outcome.
import { ClosedError } from '../errors.js';
import type { Logger } from '../log.js';
import { isPromiseLike, sleep, toError } from '../util.js';
import type { Entry } from '../wire/task.js';
import { EntryContext } from './entry-context.js';
import { LazyAbort } from './lazy-abort.js';
import type { Handler, SharedLimit } from './options.js';
import type { ConsumerPlugin } from './plugin-types.js';
import { runHandler } from './run-handler.js';

export interface SlotsDeps<T, R> {
  handler: Handler<T, R>;
  concurrency: number;
  timeoutMs: number;
  sharedLimit?: SharedLimit | undefined;
  log: Logger;
  /** Plugins that wrap the handler (tracing); none keeps the hot path as it was. */
  wrappers: readonly ConsumerPlugin[];
  /** `ctx.extend()` for an entry id. */
  extend(id: string): Promise<boolean>;
  /** A handler finished: its outcome (ok or failed) goes on to settle. */
  onOutcome(entry: Entry, status: 'ok' | 'failed', result: R | undefined, error: Error | undefined, ms: number): void;
  /** A prefetched entry was dropped by a timed-out close before it ran: it stays pending in Redis. */
  onDropped(id: string): void;
  /** A slot freed up: the reader may read more. */
  onReleased(): void;
  /**
   * Resources (schedule/capacity.ts): `admit` starts an entry only while the consumer's free
   * capacity covers it (the first waiting entry that fits goes next); `release` frees it.
   */
  gate?: { admit(entry: Entry): boolean; release(id: string): void } | undefined;
  /** Per-key ordering (ordered shards): set, entries of one key run one at a time, in order. */
  keyed?: KeyedMode | undefined;
}

/**
 * Per-key ordering: an entry holds its key from its handler's start until `keyDone(id)` (its
 * outcome settled) and its handler really ended (a timed-out handler may ignore its signal),
 * so the next entry of the key starts only after this one is acked; a
 * failed entry is retried in place, still holding its key, so later entries of the key wait.
 */
export interface KeyedMode {
  /** Delay before re-running a failed entry in place, or undefined to let the failure settle. */
  retryDelay(entry: Entry, error: Error): number | undefined;
  /** False: start no handler (the shard's lease is no longer surely ours). */
  mayStart(): boolean;
}

export class HandlerSlots<T, R> {
  private running = 0;
  private readonly ready: Entry<T>[] = [];
  /** Entries in memory (running or waiting), each with its handler's abort signal, made on demand. */
  private readonly held = new Map<string, LazyAbort>();
  private abandoned = false;
  /** Keyed mode: key -> the id of the entry that holds it; id -> its key. */
  private readonly busy = new Map<string, string>();
  private readonly busyIds = new Map<string, string>();
  /** Keyed mode: entries waiting to be re-run in place, with their timers. */
  private readonly retrying = new Map<string, NodeJS.Timeout | undefined>();
  /**
   * Keyed mode: handlers still running after their outcome was decided (a timeout fired but the
   * handler ignored its signal), by entry id: the key stays held, and a retry waits, until they end.
   */
  private readonly lingering = new Map<string, Promise<void>>();
  private recheck: NodeJS.Timeout | undefined;
  /** Inside startWaiting's loop: a handler that finishes synchronously must not recurse into it. */
  private starting = false;

  constructor(private readonly deps: SlotsDeps<T, R>) {}

  /** Entries in memory: running or waiting for a slot. */
  get size(): number {
    return this.held.size;
  }

  ids(): string[] {
    return [...this.held.keys()];
  }

  add(entry: Entry<T>): void {
    this.held.set(entry.id, new LazyAbort());
    this.ready.push(entry);
  }

  /** Start waiting entries while slots are free (the concurrency limit). */
  startWaiting(): void {
    if (this.starting) return;
    this.starting = true;
    const { wrappers, timeoutMs, sharedLimit } = this.deps;
    const keyed = this.deps.keyed;
    const plain = wrappers.length === 0 && timeoutMs === 0 && sharedLimit === undefined && !keyed;
    while (this.running < this.deps.concurrency && this.ready.length > 0) {
      const entry = keyed ? this.nextKeyed(keyed) : this.nextFitting();
      if (!entry) break;
      this.running++;
      if (plain && !this.abandoned) this.runPlain(entry);
      else this.run(entry).then(this.slotFreed, this.slotFreed);
    }
    this.starting = false;
  }

  /** Keyed mode: the entry's outcome settled (or it left this process): its key is free. */
  keyDone(id: string): void {
    const key = this.busyIds.get(id);
    if (key === undefined) return;
    const lingering = this.lingering.get(id);
    if (lingering) {
      void lingering.then(() => this.keyDone(id));
      return;
    }
    this.busyIds.delete(id);
    if (this.busy.get(key) === id) this.busy.delete(key);
    this.startWaiting();
  }

  /** The first waiting entry whose key is free (or held by itself: a retry); takes its key. */
  private nextKeyed(keyed: KeyedMode): Entry<T> | undefined {
    if (!keyed.mayStart()) {
      this.lookAgain();
      return undefined;
    }
    for (let i = 0; i < this.ready.length; i++) {
      const entry = this.ready[i] as Entry<T>;
      if (entry.key !== undefined) {
        const holder = this.busy.get(entry.key);
        if (holder !== undefined && holder !== entry.id) continue;
        this.busy.set(entry.key, entry.id);
        this.busyIds.set(entry.id, entry.key);
      }
      this.ready.splice(i, 1);
      return entry;
    }
    return undefined;
  }

  /** The lease is not surely ours (a renewal is late): look again shortly; a lost lease closes us. */
  private lookAgain(): void {
    this.recheck ??= setTimeout(() => {
      this.recheck = undefined;
      if (!this.abandoned) this.startWaiting();
    }, 100);
  }

  /** Keyed mode: re-run a failed entry after `delayMs`, ahead of everything waiting; it keeps its key. */
  private park(entry: Entry<T>, delayMs: number): void {
    const again = () => {
      // Gone from `retrying`: a close gave up on it meanwhile.
      if (!this.retrying.delete(entry.id)) return;
      entry.attempt++;
      this.held.set(entry.id, new LazyAbort());
      this.ready.unshift(entry);
      this.startWaiting();
    };
    const timer = setTimeout(() => {
      this.retrying.set(entry.id, undefined);
      const lingering = this.lingering.get(entry.id);
      if (lingering) void lingering.then(again);
      else again();
    }, delayMs);
    this.retrying.set(entry.id, timer);
  }

  /** Keyed mode: the handler, with its promise remembered until it ends, whatever a timeout decided. */
  private tracked(id: string): Handler<T, R> {
    const { handler } = this.deps;
    return (payload, ctx) => {
      const value = handler(payload, ctx);
      if (isPromiseLike(value)) {
        const ended = Promise.resolve(value).then(
          () => {},
          () => {},
        );
        this.lingering.set(id, ended);
        void ended.then(() => {
          if (this.lingering.get(id) === ended) this.lingering.delete(id);
        });
      }
      return value;
    };
  }

  /** The next waiting entry; with a resource gate, the first one the free capacity covers. */
  private nextFitting(): Entry<T> | undefined {
    const gate = this.deps.gate;
    if (!gate || this.abandoned) return this.ready.shift();
    const i = this.ready.findIndex((e) => gate.admit(e));
    return i < 0 ? undefined : this.ready.splice(i, 1)[0];
  }

  /** Close timed out: abort running handlers, skip entries that have not started. */
  abandon(timeoutMs: number): void {
    this.abandoned = true;
    for (const [id, timer] of this.retrying) {
      clearTimeout(timer);
      this.release(id);
      this.deps.onDropped(id);
    }
    this.retrying.clear();
    clearTimeout(this.recheck);
    if (this.deps.keyed) {
      // Waiting entries may never get their key (or the lease): drop them now, they stay pending.
      for (const entry of this.ready.splice(0)) {
        this.release(entry.id);
        this.deps.onDropped(entry.id);
      }
    }
    const reason = new ClosedError(`consumer closed: in-flight handlers aborted after ${timeoutMs} ms`);
    for (const abort of this.held.values()) abort.abort(reason);
  }

  /** Resolves true once nothing is held, false at the deadline. */
  async waitEmpty(deadline: number): Promise<boolean> {
    while (this.held.size > 0) {
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
    }
    return true;
  }

  private readonly slotFreed = (): void => {
    this.running--;
    this.startWaiting();
  };

  /**
   * The common case (no wrappers, no timeout, no shared limit): the handler is called
   * directly and its promise, if any, continued with one then, no async frames of ours.
   */
  private runPlain(entry: Entry<T>): void {
    const abort = this.held.get(entry.id) as LazyAbort;
    const ctx = new EntryContext(entry, this.deps.log, abort, this.deps.extend);
    const started = performance.now();
    let value: R | PromiseLike<R>;
    try {
      value = this.deps.handler(entry.payload, ctx);
    } catch (err) {
      this.finished(entry, undefined, toError(err), started);
      return;
    }
    if (isPromiseLike(value))
      value.then(
        (result) => this.finished(entry, result, undefined, started),
        (err) => this.finished(entry, undefined, toError(err), started),
      );
    else this.finished(entry, value, undefined, started);
  }

  private finished(entry: Entry<T>, result: R | undefined, error: Error | undefined, started: number): void {
    this.release(entry.id);
    try {
      this.deps.onOutcome(entry, error ? 'failed' : 'ok', result, error, performance.now() - started);
    } catch {
      // As on the async path: a throwing listener must not leak the slot nor stop the loop.
    }
    this.slotFreed();
  }

  private async run(entry: Entry<T>): Promise<void> {
    const abort = this.held.get(entry.id) as LazyAbort;
    if (this.abandoned) {
      this.release(entry.id);
      this.deps.onDropped(entry.id);
      return;
    }
    const { handler, log, extend, timeoutMs, wrappers, sharedLimit } = this.deps;
    const ctx = new EntryContext(entry, log, abort, extend);
    let started = performance.now();
    let result: R | undefined;
    let error: Error | undefined;
    const keyed = this.deps.keyed;
    let deferred = false;
    const call = keyed && timeoutMs > 0 ? this.tracked(entry.id) : handler;
    try {
      result = sharedLimit
        ? await sharedLimit(() => {
            // Keyed: the lease may have lapsed while this entry waited for a shared slot.
            if (keyed && !keyed.mayStart()) {
              deferred = true;
              return Promise.resolve(undefined);
            }
            started = performance.now();
            return runHandler(call, entry, ctx, abort, timeoutMs, wrappers);
          })
        : await runHandler(call, entry, ctx, abort, timeoutMs, wrappers);
    } catch (err) {
      error = toError(err);
    }
    if (deferred) {
      // Not started: back to the front, still holding its key (or dropped by a close that gave up).
      if (this.abandoned) {
        this.release(entry.id);
        this.deps.onDropped(entry.id);
      } else {
        this.ready.unshift(entry);
        this.lookAgain();
      }
      return;
    }
    const retryMs = error && this.deps.keyed && !this.abandoned ? this.deps.keyed.retryDelay(entry, error) : undefined;
    if (retryMs !== undefined) return this.park(entry, retryMs);
    this.release(entry.id);
    this.deps.onOutcome(entry, error ? 'failed' : 'ok', result, error, performance.now() - started);
  }

  private release(id: string): void {
    this.held.delete(id);
    this.deps.gate?.release(id);
    this.deps.onReleased();
  }
}
