// The Consumer wires the pipeline's stages together and runs its lifecycle:
//   sources (reader.ts, plugins' deliver) → intake.ts → slots.ts (handler) →
//   settle-stage.ts (plugins decide/record) → settler.ts (one script call per flush)
// It holds no per-entry logic of its own.
import { EventEmitter } from 'eventemitter3';
import { SluiceError } from '../errors.js';
import { type StreamKeys, streamKeys } from '../keys.js';
import { parseTouchReply, touchArgs, touchScript } from '../lua/touch.js';
import { closeQuietly, duplicateClient, openConnection, type RedisClient } from '../redis/connection.js';
import { ensureGroup } from '../redis/group.js';
import { hideUrl } from '../redis/redact.js';
import { Trimmer } from '../retention/trimmer.js';
import { Dispatcher } from '../schedule/dispatcher.js';
import { bounded, sleep, toError } from '../util.js';
import { DEAD_REASONS } from '../wire/fields.js';
import { newOutcome, type Outcome } from '../wire/outcome.js';
import type { RawEntry } from '../wire/task.js';
import type { ConsumerEvents } from './events.js';
import { Intake } from './intake.js';
import { type ConsumerInternals, inPlaceRetryDelay } from './internal.js';
import { type ConsumerOptions, type ResolvedConsumerOptions, resolveConsumerOptions } from './options.js';
import { pluginContext } from './plugin-context.js';
import { Promoter } from './promoter.js';
import { StreamReader } from './reader.js';
import { ResourceStage } from './resource-stage.js';
import { SettleStage } from './settle-stage.js';
import { Settler } from './settler.js';
import { HandlerSlots } from './slots.js';

type State = 'new' | 'starting' | 'running' | 'closing' | 'closed';

export class Consumer<T = unknown, R = unknown> extends EventEmitter<ConsumerEvents<R>> {
  readonly options: ResolvedConsumerOptions<T, R>;
  readonly keys: StreamKeys;
  private client: RedisClient | undefined;
  private ownsClient = false;
  private readerClient: RedisClient | undefined;
  private reader: StreamReader | undefined;
  private promoter: Promoter | undefined;
  private trimmer: Trimmer | undefined;
  private readonly slots: HandlerSlots<T, R>;
  private readonly intake: Intake<T>;
  private readonly settle: SettleStage;
  private wakeScheduled = false;
  private state: State = 'new';
  private closing: Promise<void> | undefined;
  private paused = false;
  /** With option `capacity`: the resource dispatch and the local weighted semaphore. */
  private readonly resources: ResourceStage | undefined;
  private dispatcher: Dispatcher | undefined;

  /** `internals`: wiring of an ordered shard (shard/consumer.ts), not for users. */
  constructor(
    options: ConsumerOptions<T, R>,
    private readonly internals: ConsumerInternals = {},
  ) {
    super();
    this.options = hideUrl(resolveConsumerOptions(options));
    this.keys = streamKeys(this.options.stream, this.options.prefix);
    const events = this as unknown as EventEmitter<ConsumerEvents>;
    const onError = (err: unknown) => this.reportError(err);
    const { group, use } = this.options;
    const forget = (id: string) => {
      this.intake.forget(id);
      this.slots.keyDone(id);
    };
    this.settle = new SettleStage({ group, plugins: use, events, forget, onError });
    const { placement } = this.options;
    this.resources = placement
      ? new ResourceStage({
          keys: this.keys,
          group,
          consumer: this.name,
          blockMs: this.options.blockMs,
          placement,
          events,
          finish: (outcome) => this.settle.finish(outcome),
          forget: (id) => this.intake.forget(id),
          onError,
        })
      : undefined;
    const { keyed } = internals;
    this.slots = new HandlerSlots<T, R>({
      ...this.options,
      wrappers: use.filter((p) => p.wrap),
      extend: this.extendEntry,
      onOutcome: (entry, status, result, error, ms) => {
        const outcome = newOutcome<R>(entry, status, this.name, ms, error);
        this.dispatcher?.observe(entry, ms);
        if (status === 'ok') outcome.result = result;
        else if (keyed && (error as { code?: unknown })?.code !== 'ERR_SLUICE_CLOSED') {
          // Ordered: a final failure is dead-lettered here, never retried through `:delayed` (out of order).
          outcome.status = 'dead';
          outcome.ack = true;
          outcome.reason =
            (error as { code?: unknown })?.code === 'ERR_SLUICE_NON_RETRYABLE'
              ? DEAD_REASONS.nonRetryable
              : DEAD_REASONS.attemptsExhausted;
        }
        this.settle.finish(outcome as Outcome);
      },
      onDropped: forget,
      keyed: keyed && {
        retryDelay: (entry, error) => inPlaceRetryDelay(keyed, entry.attempt, error),
        mayStart: keyed.mayStart,
      },
      onReleased: () => this.wakeReader(),
      gate: this.resources?.gate,
    });
    this.intake = new Intake<T>({
      redis: () => this.client as RedisClient,
      keys: this.keys,
      group,
      consumer: this.name,
      codec: this.options.codec,
      maxEntryBytes: this.options.maxEntryBytes,
      schema: this.options.schema,
      events,
      accept: (entry) => {
        if (!this.resources || this.resources.admit(entry)) this.slots.add(entry);
      },
      accepted: () => this.slots.startWaiting(),
      finish: (outcome) => this.settle.finish(outcome),
      onError,
    });
  }

  /** This consumer's name in the group. */
  get name(): string {
    return this.options.consumer;
  }

  /** Entries held in memory (running or queued for a handler slot). */
  get inFlight(): number {
    return this.slots.size;
  }

  private get capacity(): number {
    return this.options.concurrency + this.options.prefetch;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new SluiceError('ERR_SLUICE_STATE', `Consumer.start(): already ${this.state}`);
    this.state = 'starting';
    const onError = (err: unknown) => this.reportError(err);
    const { group, startId, use } = this.options;
    try {
      const conn = await openConnection(this.options, onError);
      this.client = conn.client;
      this.ownsClient = conn.owned;
      this.readerClient = await duplicateClient(conn.client, onError);
      await ensureGroup(this.client, this.keys.stream, group, startId);
      const settler = new Settler({
        client: this.client,
        keys: this.keys,
        group,
        consumer: this.name,
        fence: this.options.fence,
        maxBatch: this.options.maxSettleBatch,
        readAt: (id) => this.intake.readAt(id),
        distrust: (id) => this.intake.distrust(id),
        onSettled: (applied, fenced) => this.settle.settled(applied, fenced),
        onError,
        releaseKeys: this.options.ordering?.keyConcurrency !== undefined,
      });
      this.settle.settler = settler;
      const ctx = pluginContext({
        ...this.options,
        client: this.client,
        keys: this.keys,
        consumer: this.name,
        events: this as unknown as EventEmitter<ConsumerEvents>,
        intake: this.intake as Intake<unknown>,
        settler,
        freeSlots: () => (this.state === 'running' && !this.paused ? Math.max(0, this.capacity - this.slots.size) : 0),
        heldIds: () => this.slots.ids(),
        running: () => this.state === 'running',
        reportError: onError,
      });
      for (const plugin of use) await plugin.start?.(ctx);
    } catch (err) {
      await closeQuietly(this.readerClient);
      if (this.ownsClient) await closeQuietly(this.client);
      this.state = 'closed';
      throw err;
    }
    this.state = 'running';
    this.promoter = new Promoter({
      client: this.client as RedisClient,
      keys: this.keys,
      intervalMs: this.options.promoteIntervalMs,
      onPromoted: (n) => this.emit('promoted', n),
      onError,
    });
    this.promoter.start();
    const { retention } = this.options;
    if (retention) {
      this.trimmer = new Trimmer(
        this.client as RedisClient,
        this.keys,
        retention,
        (r) => this.emit('trimmed', r),
        onError,
      );
      this.trimmer.start();
    }
    // The capacity record exists before the first dispatch (unschedulable counts see this consumer).
    await this.resources?.start(this.client as RedisClient);
    this.reader = new StreamReader({
      reader: this.readerClient as RedisClient,
      client: this.client as RedisClient,
      keys: this.keys,
      group,
      consumer: this.name,
      blockMs: this.options.blockMs,
      startId,
      // Read in batches: while prefetched entries still queue for a handler slot, new ones can wait in Redis.
      wanted: () => (this.paused || this.slots.size > this.options.concurrency ? 0 : this.capacity - this.slots.size),
      active: () => this.state === 'running',
      dispatch: (entries, readAt) => this.intake.dispatch(entries, undefined, readAt),
      onError,
      ordered: this.internals.read ?? this.orderedRead(),
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
    // Bounded: a Redis that stopped answering must not hold close() forever.
    await bounded(this.promoter?.stop(), Math.max(1000, deadline - Date.now()));
    await bounded(this.trimmer?.stop(), Math.max(1000, deadline - Date.now()));
    await bounded(this.reader?.stop(), Math.max(1000, deadline - Date.now()));
    await bounded(this.resources?.stop(), Math.max(1000, deadline - Date.now()));
    if (!(await this.slots.waitEmpty(deadline))) {
      // Drain timed out: abort what runs, skip what has not started; entries stay pending.
      this.slots.abandon(timeoutMs);
      await this.slots.waitEmpty(Date.now() + 1000);
    }
    const settler = this.settle.settler as Settler;
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
        await bounded(
          Promise.resolve().then(() => plugin.close?.()),
          Math.max(1000, deadline - Date.now()),
        );
      } catch (err) {
        this.reportError(err);
      }
    }
    await closeQuietly(this.readerClient);
    if (this.ownsClient) await closeQuietly(this.client);
    this.state = 'closed';
    this.emit('closed');
  }

  /** The ordered read when option `ordering` is set; FIFO consumers keep the plain XREADGROUP. */
  private orderedRead(): ((reader: RedisClient, count: number) => Promise<RawEntry[]>) | undefined {
    if (this.resources) return this.resources.read;
    const { ordering, group, blockMs } = this.options;
    if (!ordering) return undefined;
    const dispatcher = new Dispatcher({
      keys: this.keys,
      group,
      consumer: this.name,
      blockMs,
      ordering,
      onDeadLettered: (expired, malformed) => this.emit('backlogDeadLettered', expired, malformed),
      onRateLimited: (times) => this.emit('rateLimited', times),
    });
    this.dispatcher = dispatcher;
    return (reader, count) => dispatcher.read(reader, count);
  }

  /** Wake the reader after every handler finishing in this tick is done: one bigger read, not many small ones. */
  private wakeReader(): void {
    if (!this.reader?.waiting || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.reader?.wake();
    });
  }

  /** `ctx.extend()`: only while we still own the entry, so a paused consumer never steals back a reclaimed one. */
  private readonly extendEntry = async (id: string): Promise<boolean> => {
    const reply = await touchScript.run(
      this.client as RedisClient,
      [this.keys.stream],
      touchArgs(this.options.group, this.name, [id]),
    );
    return parseTouchReply(reply).length === 1;
  };

  /** eventemitter3 does not throw on an unheard `error`: log it so it never vanishes. */
  private reportError(err: unknown): void {
    const error = toError(err);
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else
      this.options.log.error(
        { err: error, stream: this.options.stream, consumer: this.name },
        `consumer ${this.name}: ${error.message}`,
      );
  }
}
