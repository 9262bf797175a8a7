// The Consumer: a pipeline of sources → flow control → handler → batched settle.
import { EventEmitter } from 'eventemitter3';
import { decodeEntry, type Entry, type RawEntry, undecodedEntry } from './codec.js';
import { closeQuietly, duplicateClient, openConnection, type RedisClient } from './connection.js';
import type { ConsumerEvents } from './consumer-events.js';
import {
  type ConsumerOptions,
  type HandlerContext,
  type ResolvedConsumerOptions,
  resolveConsumerOptions,
} from './consumer-options.js';
import { deadLetterFields } from './deadletter.js';
import { EntryContext } from './entry-context.js';
import { ClosedError, type MalformedEntryError, SluiceError } from './errors.js';
import { ensureGroup } from './group.js';
import { type StreamKeys, streamKeys } from './keys.js';
import { LazyAbort } from './lazy-abort.js';
import { touchScript } from './lua/touch.js';
import type { DeadReason, Outcome } from './outcome.js';
import type { PluginContext } from './plugin.js';
import { Promoter } from './promoter.js';
import { StreamReader } from './reader.js';
import { runHandler } from './run-handler.js';
import type { Script } from './script.js';
import { Settler } from './settler.js';
import { safeDecode, sleep, toError } from './util.js';

export type { ConsumerEvents } from './consumer-events.js';

interface Held {
  entry: Entry;
  abort: LazyAbort;
}

export class Consumer<T = unknown, R = unknown> extends EventEmitter<ConsumerEvents<R>> {
  readonly options: ResolvedConsumerOptions<T, R>;
  readonly keys: StreamKeys;
  private client: RedisClient | undefined;
  private ownsClient = false;
  private readerClient: RedisClient | undefined;
  private reader: StreamReader | undefined;
  private settler: Settler | undefined;
  private promoter: Promoter | undefined;
  /** Handlers running now, and held entries waiting for a slot (FIFO). */
  private running = 0;
  private readonly ready: Entry<T>[] = [];
  /** Entries in this process: from dispatch until their outcome is written (or dropped). */
  private readonly known = new Set<string>();
  private readonly held = new Map<string, Held>();
  private wakeScheduled = false;
  private state: 'new' | 'starting' | 'running' | 'closing' | 'closed' = 'new';
  private closing: Promise<void> | undefined;
  private paused = false;
  private abandoned = false;
  /** Plugins that wrap the handler (tracing); none keeps the hot path as it was. */
  private readonly wrappers: ResolvedConsumerOptions<T, R>['use'];

  constructor(options: ConsumerOptions<T, R>) {
    super();
    this.options = resolveConsumerOptions(options);
    this.keys = streamKeys(this.options.stream, this.options.prefix);
    this.wrappers = this.options.use.filter((p) => p.wrap);
  }

  /** This consumer's name in the group. */
  get name(): string {
    return this.options.consumer;
  }

  /** Entries held in memory (running or queued for a handler slot). */
  get inFlight(): number {
    return this.held.size;
  }

  private get capacity(): number {
    return this.options.concurrency + this.options.prefetch;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new SluiceError('ERR_SLUICE_STATE', `Consumer.start(): already ${this.state}`);
    this.state = 'starting';
    const onError = (err: Error) => this.reportError(err);
    try {
      const conn = await openConnection(this.options, onError);
      this.client = conn.client;
      this.ownsClient = conn.owned;
      this.readerClient = await duplicateClient(conn.client, onError);
      await ensureGroup(this.client, this.keys.stream, this.options.group, this.options.startId);
      this.settler = new Settler({
        client: this.client,
        keys: this.keys,
        group: this.options.group,
        consumer: this.name,
        fence: this.options.fence,
        maxBatch: this.options.maxSettleBatch,
        onSettled: (applied, fenced) => this.onSettled(applied, fenced),
        onError,
      });
      const ctx = this.pluginContext();
      for (const plugin of this.options.use) await plugin.start?.(ctx);
    } catch (err) {
      await closeQuietly(this.readerClient);
      if (this.ownsClient) await closeQuietly(this.client);
      this.state = 'closed';
      throw err;
    }
    this.state = 'running';
    const { promoteIntervalMs: intervalMs } = this.options;
    const promoted = (n: number) => this.emit('promoted', n);
    this.promoter = new Promoter({
      client: this.client as RedisClient,
      keys: this.keys,
      intervalMs,
      onPromoted: promoted,
      onError,
    });
    this.promoter.start();
    this.reader = new StreamReader({
      reader: this.readerClient as RedisClient,
      client: this.client as RedisClient,
      keys: this.keys,
      group: this.options.group,
      consumer: this.name,
      blockMs: this.options.blockMs,
      startId: this.options.startId,
      // Read in batches: while prefetched entries still queue for a handler slot, new ones can wait in Redis.
      wanted: () => (this.paused || this.held.size > this.options.concurrency ? 0 : this.capacity - this.held.size),
      active: () => this.state === 'running',
      dispatch: (entries) => this.dispatch(entries),
      onError,
    });
    await this.reader.start();
    this.emit('started');
  }

  /** Stop taking new entries (in-flight ones finish); `resume()` reads again. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.reader?.wake();
  }

  /**
   * Stop reading, let in-flight handlers finish (abort them at `timeoutMs`), flush
   * settles, stop plugins, close our connections. Idempotent.
   */
  close(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(opts.timeoutMs ?? 30_000);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    if (this.state === 'new' || this.state === 'closed') {
      this.state = 'closed';
      this.emit('closed');
      return;
    }
    while (this.state === 'starting') await sleep(10);
    this.state = 'closing';
    const deadline = Date.now() + timeoutMs;
    await this.promoter?.stop();
    await this.reader?.stop();
    if (!(await this.waitHeldEmpty(deadline))) {
      // Drain timed out: abort what runs, skip what has not started; entries stay pending.
      this.abandoned = true;
      const reason = new ClosedError(`consumer closed: in-flight handlers aborted after ${timeoutMs} ms`);
      for (const h of this.held.values()) h.abort.abort(reason);
      await this.waitHeldEmpty(Date.now() + 1000);
    }
    const settler = this.settler as Settler;
    // The timer is cleared afterwards: a pending one would hold the process open after close().
    let drainTimer: NodeJS.Timeout | undefined;
    const flushed = await Promise.race([
      settler.drain().then(() => true),
      new Promise<boolean>((resolve) => {
        drainTimer = setTimeout(() => resolve(false), Math.max(1000, deadline - Date.now()));
      }),
    ]);
    clearTimeout(drainTimer);
    if (!flushed) settler.abandon();
    for (const plugin of [...this.options.use].reverse()) {
      try {
        await plugin.close?.();
      } catch (err) {
        this.reportError(err);
      }
    }
    await closeQuietly(this.readerClient);
    if (this.ownsClient) await closeQuietly(this.client);
    this.state = 'closed';
    this.emit('closed');
  }

  // ---- dispatch and handlers -----------------------------------------------------------

  private dispatch(raws: RawEntry[], deliveries?: ReadonlyMap<string, number>): void {
    const deleted: string[] = [];
    for (const raw of raws) {
      if (this.known.has(raw.id)) continue;
      if (raw.fields === null) {
        deleted.push(raw.id);
        continue;
      }
      const count = deliveries?.get(raw.id);
      let entry: Entry<T>;
      try {
        entry = decodeEntry<T>(this.options.stream, raw, this.options.codec, count);
      } catch (err) {
        this.known.add(raw.id);
        const bad = undecodedEntry(this.options.stream, raw, count);
        this.emit('malformed', bad, err as MalformedEntryError);
        this.finish(this.outcome(bad, 'dead', err as Error, 0, 'malformed'));
        continue;
      }
      this.known.add(raw.id);
      this.held.set(raw.id, { entry, abort: new LazyAbort() });
      this.ready.push(entry);
    }
    this.startHandlers();
    if (deleted.length > 0) void this.ackDeleted(deleted);
  }

  private async ackDeleted(ids: string[]): Promise<void> {
    try {
      await (this.client as RedisClient).sendCommand(['XACK', this.keys.stream, this.options.group, ...ids]);
      this.emit('deleted', ids);
    } catch (err) {
      this.reportError(err);
    }
  }

  /** Start waiting entries while handler slots are free (the concurrency limit). */
  private startHandlers(): void {
    while (this.running < this.options.concurrency && this.ready.length > 0) {
      this.running++;
      this.run(this.ready.shift() as Entry<T>).then(this.slotFreed, this.slotFreed);
    }
  }

  private readonly slotFreed = (): void => {
    this.running--;
    this.startHandlers();
  };

  private async run(entry: Entry<T>): Promise<void> {
    const held = this.held.get(entry.id) as Held;
    if (this.abandoned) {
      // Close timed out before this prefetched entry started: leave it pending for later.
      this.release(entry.id);
      this.known.delete(entry.id);
      return;
    }
    const ctx = this.handlerContext(entry, held.abort);
    const started = performance.now();
    let outcome: Outcome<R>;
    try {
      const result = await runHandler(
        this.options.handler,
        entry,
        ctx,
        held.abort,
        this.options.timeoutMs,
        this.wrappers,
      );
      outcome = this.outcome(entry, 'ok', undefined, performance.now() - started);
      outcome.result = result;
    } catch (err) {
      outcome = this.outcome(entry, 'failed', toError(err), performance.now() - started);
    } finally {
      this.release(entry.id);
    }
    if (outcome.status === 'failed') this.emit('failed', outcome);
    this.finish(outcome);
  }

  private release(id: string): void {
    this.held.delete(id);
    if (!this.reader?.waiting || this.wakeScheduled) return;
    // Wake the reader after every handler finishing in this tick is done: one bigger read, not many small ones.
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.reader?.wake();
    });
  }

  private handlerContext(entry: Entry<T>, abort: LazyAbort): HandlerContext {
    return new EntryContext(entry, this.options.log, abort, this.extendEntry);
  }

  /** `ctx.extend()`: only while we still own the entry, so a paused consumer never steals back a reclaimed one. */
  private readonly extendEntry = async (id: string): Promise<boolean> => {
    const args = [this.options.group, this.name, id];
    const touched = await touchScript.run<string[]>(this.client as RedisClient, [this.keys.stream], args);
    return touched.length === 1;
  };

  private outcome(
    entry: Entry,
    status: Outcome['status'],
    error: Error | undefined,
    durationMs: number,
    reason?: DeadReason,
  ): Outcome<R> {
    return { entry, status, error, reason, durationMs, consumer: this.name, ack: status !== 'failed', writes: [] };
  }

  // ---- settling ------------------------------------------------------------------------

  /** Plugins decide and record; dead outcomes get their dead letter; then the batch settles. */
  private finish(outcome: Outcome<R>): void {
    const plugins = this.options.use;
    for (const p of plugins) if (p.decide) this.guard(p.name, () => p.decide?.(outcome as Outcome));
    if (outcome.status === 'dead') {
      outcome.ack = true;
      outcome.writes.push({ op: 'xadd', key: 'dlq', fields: deadLetterFields(outcome as Outcome, this.options.group) });
    }
    for (const p of plugins) if (p.record) this.guard(p.name, () => p.record?.(outcome as Outcome));
    if (!outcome.ack && outcome.writes.length === 0) {
      // Failed and left pending (no retry policy): nothing to write; recovery or a restart re-delivers it.
      this.known.delete(outcome.entry.id);
      return;
    }
    (this.settler as Settler).add(outcome as Outcome);
  }

  private onSettled(applied: Outcome[], fenced: Outcome[]): void {
    for (const o of applied) {
      this.known.delete(o.entry.id);
      this.emit('settled', o as Outcome<R>);
      if (o.status === 'dead') this.emit('deadLettered', o as Outcome<R>);
    }
    for (const o of fenced) {
      this.known.delete(o.entry.id);
      this.emit('fenced', o as Outcome<R>);
    }
    for (const p of this.options.use) {
      try {
        p.settled?.(applied, fenced);
      } catch (err) {
        this.reportError(err);
      }
    }
  }

  // ---- plugins ---------------------------------------------------------------------------

  private pluginContext(): PluginContext {
    const self = this;
    return {
      redis: this.client as RedisClient,
      keys: this.keys,
      group: this.options.group,
      consumer: this.name,
      codec: this.options.codec,
      log: this.options.log,
      freeSlots: () => (this.state === 'running' && !this.paused ? Math.max(0, this.capacity - this.held.size) : 0),
      heldIds: () => [...this.held.keys()],
      deliver: (entries, opts = {}) => {
        if (this.state !== 'running') return;
        this.dispatch(entries, opts.deliveries);
        if (opts.source === 'reclaimed' && entries.length > 0)
          this.emit(
            'reclaimed',
            entries.map((e) => e.id),
          );
      },
      deadLetter: (raw: RawEntry, reason: DeadReason, error: Error, deliveries?: number) => {
        if (this.known.has(raw.id)) return;
        this.known.add(raw.id);
        const entry = safeDecode(this.options.stream, raw, this.options.codec, deliveries);
        this.finish(this.outcome(entry, 'dead', error, 0, reason));
      },
      flush: () => (this.settler as Settler).drain(),
      run: <X>(script: Script, keys: readonly string[], args: readonly string[]) =>
        script.run<X>(this.client as RedisClient, keys, args),
      reportError: (err: unknown) => this.reportError(err),
      on: (event, listener) => {
        this.on(event, listener as never);
      },
      get closing() {
        return self.state !== 'running';
      },
    };
  }

  /** A plugin hook that throws is reported; the outcome still settles (a bug in a plugin must not stall the consumer). */
  private guard(plugin: string, hook: () => void): void {
    try {
      hook();
    } catch (err) {
      this.reportError(
        new SluiceError('ERR_SLUICE_PLUGIN', `plugin ${plugin} threw: ${toError(err).message}`, { cause: err }),
      );
    }
  }

  /** eventemitter3 does not throw on an unheard `error`: log it so it never vanishes. */
  private reportError(err: unknown): void {
    const error = toError(err);
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.options.log.error(`consumer ${this.name}: ${error.message}`, { stream: this.options.stream });
  }

  private async waitHeldEmpty(deadline: number): Promise<boolean> {
    while (this.held.size > 0) {
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
    }
    return true;
  }
}
