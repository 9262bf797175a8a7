// Outcomes of a sharded logical stream (Producer `shards`) read as one stream: one `Results` per
// shard over one shared connection; waits and status go to the shard a task's key routes to,
// reads and tails merge every shard's results by when they were written.
import { ConfigError, type RedisClient, shardNames, shardOf } from '@sluice/core';
import {
  compareIds,
  intOption,
  knownOptions,
  LazyConnection,
  type ResultEntry,
  type WaitOptions,
} from '@sluice/core/plugin';
import { RESULTS_OPTIONS, Results, type ResultsOptions } from './results.js';
import type { TaskState } from './status.js';
import type { TailOptions } from './tail.js';

export interface ShardedResultsOptions extends ResultsOptions {
  /** Shard count of the logical stream `stream` (the Producer's `shards` for it). */
  shards: number;
}

/** A result entry with the shard it was written in. */
export type ShardResultEntry<R = unknown> = ResultEntry<R> & { stream: string };

/** Which shard a task is on: its `key` (the shard it routes to), or the shard's index or name. */
export type ShardOf = { key: string } | { shard: number | string };

export class ShardedResults {
  /** The physical streams, in shard order. */
  readonly shards: readonly string[];
  private readonly parts = new Map<number, Results>();
  private readonly command: LazyConnection;
  private closed = false;

  constructor(private readonly opts: ShardedResultsOptions) {
    const owner = 'ShardedResults';
    if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
    knownOptions(owner, opts, [...RESULTS_OPTIONS, 'shards']);
    this.shards = shardNames(opts.stream, intOption(owner, 'shards', opts.shards, 1, 256));
    // Checks every other option now, as a Results would.
    new Results({ ...this.partOptions(), stream: this.shards[0] as string });
    this.command = new LazyConnection(opts, (err) => opts.log?.warn({ err }, `results ${opts.stream}: ${err.message}`));
  }

  /** The shard index a task is on. */
  indexOf(where: ShardOf): number {
    if ('key' in where) return shardOf(where.key, this.shards.length);
    const i = typeof where.shard === 'number' ? where.shard : this.shards.indexOf(where.shard);
    if (!Number.isInteger(i) || i < 0 || i >= this.shards.length)
      throw new ConfigError(`ShardedResults: no shard ${JSON.stringify(where.shard)} in ${this.opts.stream}`);
    return i;
  }

  /** The `Results` of one shard (created on first use, over the shared connection). */
  async shard(where: ShardOf): Promise<Results> {
    const i = this.indexOf(where);
    let part = this.parts.get(i);
    if (!part) {
      if (this.closed) throw new ConfigError('ShardedResults is closed');
      const client: RedisClient = await this.command.get();
      part = this.parts.get(i) ?? new Results({ ...this.partOptions(client), stream: this.shards[i] as string });
      this.parts.set(i, part);
    }
    return part;
  }

  /** The final outcome of the task published as `entryId`, on the shard its key (or `shard`) names. */
  async waitFor<R = unknown>(entryId: string, opts: WaitOptions & ShardOf): Promise<ShardResultEntry<R>> {
    const i = this.indexOf(opts);
    const { key: _k, shard: _s, ...wait } = opts as WaitOptions & { key?: string; shard?: number | string };
    const entry = await (await this.shard({ shard: i })).waitFor<R>(entryId, wait);
    return { ...entry, stream: this.shards[i] as string };
  }

  /** Where a task is now, on the shard its key (or `shard`) names. */
  async status<R = unknown>(entryId: string, where: ShardOf): Promise<TaskState<R>> {
    return (await this.shard(where)).status<R>(entryId);
  }

  /**
   * Result entries of every shard from `from` (a results id or a time in ms; inclusive), oldest
   * first by when they were written. Shards number their ids on their own, so entries of one
   * millisecond from two shards are in shard order, and an id `from` is applied as its time.
   */
  async read<R = unknown>(opts: { from?: string | number; count?: number } = {}): Promise<ShardResultEntry<R>[]> {
    const count = intOption('ShardedResults.read', 'count', opts.count ?? 100, 1, 100_000);
    const from = opts.from === undefined ? undefined : String(opts.from);
    const all: ShardResultEntry<R>[] = [];
    for (const [i, stream] of this.shards.entries()) {
      const entries = await (await this.shard({ shard: i })).read<R>({ ...(from ? { from } : {}), count });
      for (const e of entries) all.push({ ...e, stream });
    }
    all.sort((a, b) => compareIds(a.resultId, b.resultId));
    return all.slice(0, count);
  }

  /** Outcomes of every shard as they are written (from now unless `from`), merged as they arrive. */
  async *tail<R = unknown>(opts: TailOptions = {}): AsyncIterableIterator<ShardResultEntry<R>> {
    // One abort for every shard's tail: ending the merged tail ends their blocked reads at once.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const tails: Array<AsyncIterableIterator<ResultEntry<R>>> = [];
    for (let i = 0; i < this.shards.length; i++)
      tails.push((await this.shard({ shard: i })).tail<R>({ ...opts, signal: stop.signal }));
    const next = (i: number) => (tails[i] as AsyncIterableIterator<ResultEntry<R>>).next().then((r) => ({ i, r }));
    const waiting = new Map(tails.map((_, i) => [i, next(i)]));
    try {
      while (waiting.size > 0) {
        const { i, r } = await Promise.race(waiting.values());
        if (r.done) {
          waiting.delete(i);
          continue;
        }
        waiting.set(i, next(i));
        yield { ...r.value, stream: this.shards[i] as string };
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      stop.abort();
      await Promise.all(tails.map((t) => t.return?.()));
    }
  }

  /** Close every shard's Results, then our connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.parts.values()].map((p) => p.close()));
    await this.command.close();
  }

  /** A shard's Results options: ours, over `shared` (our one connection) once there is one. */
  private partOptions(shared?: RedisClient): ResultsOptions {
    const { shards: _n, url, client, ...rest } = this.opts;
    if (shared) return { ...rest, client: shared };
    return { ...rest, ...(url !== undefined ? { url } : {}), ...(client !== undefined ? { client } : {}) };
  }
}
