// A consumer of a sharded logical stream: one Consumer per shard over one shared command
// connection, each with its own blocking reader on the node that owns its shard. Redis
// Cluster refuses one XREADGROUP across slots (CROSSSLOT), even on one node, so a consumer
// holds one blocking read per shard; `concurrency` caps handlers across all shards.
// With `ordered`, it consumes only the shards whose lease it holds (leases.ts), one entry
// per key at a time (docs/scaling.md, "Per-key ordering").
import { Consumer } from '../consumer/consumer.js';
import type { ConsumerEvents } from '../consumer/events.js';
import type { ConsumerInternals } from '../consumer/internal.js';
import { type ConsumerOptions, defaultConsumerName, resolveConsumerOptions } from '../consumer/options.js';
import type { ConsumerPlugin } from '../consumer/plugin-types.js';
import { ConfigError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { consoleLogger } from '../log.js';
import { type Connection, closeQuietly, openConnection } from '../redis/connection.js';
import { ShardLeases } from './leases.js';
import { sharedSlots } from './limit.js';
import { type OrderedOptions, type ResolvedOrderedOptions, resolveOrdered } from './ordered-options.js';
import { type PoisonGuard, poisonGuard, suspectQueue } from './poison.js';
import { shardNames } from './route.js';

export interface ShardedConsumerOptions<T = unknown, R = unknown> extends Omit<ConsumerOptions<T, R>, 'use'> {
  /** Shard count of the logical stream; must match the producer's `shards` for it. */
  shards: number;
  /** Plugins for each shard's consumer (a plugin instance belongs to one consumer). @defaultValue none */
  use?: (shard: string) => ConsumerPlugin[];
  /**
   * Per-key ordering: entries with the same `key` are handled one at a time, in publish order,
   * across the fleet and across crashes (shard leases; failures retried in place). Every
   * consumer of the group must set it. @defaultValue false
   */
  ordered?: boolean | OrderedOptions;
}

type Listener = (...args: never[]) => void;

export class ShardedConsumer<T = unknown, R = unknown> {
  /** The physical stream names, in shard order. */
  readonly shards: readonly string[];
  /** This consumer's name in the group (the same on every shard). */
  readonly name: string;
  private readonly consumers = new Map<number, Consumer<T, R>>();
  private readonly listeners: Array<[string, Listener]> = [];
  private readonly ordered: ResolvedOrderedOptions | undefined;
  private connection: Connection | undefined;
  private leases: ShardLeases | undefined;
  private closing: Promise<void> | undefined;
  private drainMs: number;

  constructor(private readonly opts: ShardedConsumerOptions<T, R>) {
    const owner = 'ShardedConsumer';
    if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
    if (opts.use !== undefined && typeof opts.use !== 'function')
      throw new ConfigError(`${owner}: option "use" must be a function (shard) => plugins`);
    this.shards = shardNames(opts.stream, opts.shards);
    this.ordered = resolveOrdered(owner, opts.ordered);
    if (this.ordered && opts.ordering !== undefined)
      throw new ConfigError(
        `${owner}: options "ordered" and "ordering" cannot be combined (ordered shards are read in publish order)`,
      );
    // One pool per shard consumer would let a process run shards × capacity at once.
    if (opts.capacity !== undefined)
      throw new ConfigError(`${owner}: option "capacity" (resources) is not supported on sharded streams yet`);
    this.drainMs = this.ordered?.drainTimeoutMs ?? 30_000;
    this.name = opts.consumer ?? defaultConsumerName();
    // Shard consumers are made at start (ordered: when a lease comes): check their options now.
    resolveConsumerOptions(this.shardOptions(this.shards[0] as string, undefined));
  }

  /** Subscribe to an event of every shard's consumer (before or after start). */
  on<E extends keyof ConsumerEvents<R>>(event: E, listener: ConsumerEvents<R>[E] & Listener): this {
    this.listeners.push([event as string, listener]);
    for (const c of this.consumers.values()) c.on(event, listener as never);
    return this;
  }

  /** Entries held in memory across shards. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.consumers.values()) n += c.inFlight;
    return n;
  }

  /** The shards this consumer reads now: all of them, or (ordered) those whose lease it holds. */
  get held(): string[] {
    const held = this.leases ? this.leases.shards : [...this.consumers.keys()];
    return held.map((i) => this.shards[i] as string);
  }

  async start(): Promise<void> {
    if (this.connection) throw new ConfigError('ShardedConsumer.start(): already started');
    const { url, client } = this.opts;
    this.connection = await openConnection({ url, client, tls: this.opts.tls }, this.onError);
    const limit = this.opts.sharedLimit ?? sharedSlots(this.opts.concurrency ?? 10);
    if (this.ordered) return this.startOrdered(this.ordered, limit);
    try {
      await Promise.all(this.shards.map((_, i) => this.spawn(i, limit, {})));
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Close every shard's consumer (draining; ordered: then give its lease back), then our connection. Idempotent. */
  close(opts: { timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(opts);
    return this.closing;
  }

  private async shutdown(opts: { timeoutMs?: number }): Promise<void> {
    if (opts.timeoutMs !== undefined) this.drainMs = opts.timeoutMs;
    if (this.leases) await this.leases.close();
    await Promise.all([...this.consumers.values()].map((c) => c.close(opts)));
    this.consumers.clear();
    const conn = this.connection;
    if (conn?.owned) await closeQuietly(conn.client);
  }

  private startOrdered(ordered: ResolvedOrderedOptions, limit: ReturnType<typeof sharedSlots>): void {
    const prefix = this.opts.prefix;
    const blockMs = this.opts.blockMs ?? 2000;
    // Inherited entries run one at a time in this process, whatever their shard (shard/poison.ts).
    const suspects = suspectQueue();
    const leases: ShardLeases = new ShardLeases({
      client: (this.connection as Connection).client,
      shards: this.shards.map((s) => streamKeys(s, prefix)),
      members: streamKeys(this.opts.stream, prefix).members(this.opts.group),
      group: this.opts.group,
      consumer: this.name,
      leaseMs: ordered.leaseMs,
      acquired: (i, token): Promise<void> => {
        const guard = poisonGuard(ordered.maxRuns, suspects);
        const read = leases.reader(i, token, blockMs);
        return this.spawn(
          i,
          limit,
          {
            // Inherited entries first, alone (shard/poison.ts); new ones after.
            read: async (reader, count) => ((await guard.clear(blockMs)) ? read(reader, count) : []),
            keyed: { attempts: ordered.attempts, backoffMs: ordered.backoffMs, mayStart: () => leases.valid(i, token) },
          },
          guard,
        );
      },
      revoke: (i) => this.retire(i, this.drainMs),
      lost: (i) => void this.retire(i, 0).catch(this.onError),
      onError: this.onError,
    });
    this.leases = leases;
    leases.start();
  }

  private shardOptions(
    stream: string,
    limit: ReturnType<typeof sharedSlots> | undefined,
    guard?: PoisonGuard,
  ): ConsumerOptions<T, R> {
    const { shards: _n, use, url, client, ordered: _o, ...rest } = this.opts;
    return {
      ...rest,
      stream,
      consumer: this.name,
      ...(this.connection ? { client: this.connection.client } : url !== undefined ? { url } : { client }),
      ...(limit ? { sharedLimit: limit } : {}),
      // Ordered: a holder that lost its shard must never settle entries the new holder took over.
      ...(this.ordered ? { fence: 'strict' as const } : {}),
      use: limit ? [...(guard ? [guard] : []), ...(use?.(stream) ?? [])] : [],
    };
  }

  private async spawn(
    i: number,
    limit: ReturnType<typeof sharedSlots>,
    internals: ConsumerInternals,
    guard?: PoisonGuard,
  ): Promise<void> {
    const c = new Consumer<T, R>(this.shardOptions(this.shards[i] as string, limit, guard), internals);
    for (const [event, l] of this.listeners) c.on(event as never, l as never);
    this.consumers.set(i, c);
    await c.start();
  }

  private async retire(i: number, timeoutMs: number): Promise<void> {
    const c = this.consumers.get(i);
    this.consumers.delete(i);
    await c?.close({ timeoutMs });
  }

  private readonly onError = (err: Error | unknown): void => {
    for (const c of this.consumers.values())
      if (c.listenerCount('error') > 0) return void c.emit('error', err as Error);
    const error = this.listeners.find(([event]) => event === 'error');
    if (error) (error[1] as (e: unknown) => void)(err);
    else
      (this.opts.log ?? consoleLogger()).error(
        { err },
        `sharded consumer ${this.name}: ${String((err as Error)?.message ?? err)}`,
      );
  };
}
