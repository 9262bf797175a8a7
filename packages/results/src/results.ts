// The Results reader: wait for an outcome, ask where a task is, read and tail outcomes.
import {
  ClosedError,
  type Codec,
  ConfigError,
  closeQuietly,
  connectionOption,
  consoleLogger,
  DEFAULT_PREFIX,
  duplicateClient,
  intOption,
  jsonCodec,
  type Logger,
  openConnection,
  parseRangeReply,
  type RedisClient,
  type StreamKeys,
  streamKeys,
  validateName,
  type WaitOptions,
} from '@sluice/core';
import { parseResultEntry, type ResultEntry } from './entry.js';
import { entryIdOption, idMs } from './ids.js';
import { parseTaskState, type TaskState, taskStateScript } from './status.js';
import { type TailOptions, tailResults } from './tail.js';
import { Waiters } from './waiters.js';

export interface ResultsOptions {
  /** Redis URL; connections are created and closed by this instance. */
  url?: string;
  /** A node-redis client you own (never closed here); blocking reads use duplicates of it. */
  client?: RedisClient;
  /** Logical stream name whose outcomes to read. */
  stream: string;
  /** Key prefix. @defaultValue "sluice" */
  prefix?: string;
  /** Only this consumer group's outcomes (several groups may write results for one stream). @defaultValue every group */
  group?: string;
  /** XREAD BLOCK time of the shared waitFor reader and of tails. @defaultValue 5000 */
  blockMs?: number;
  /** Most result entries fetched per read. @defaultValue 1000 */
  readCount?: number;
  /** Codec of the `result` field. @defaultValue JSON */
  codec?: Codec;
  log?: Logger;
}

export const RESULTS_DEFAULTS = {
  prefix: DEFAULT_PREFIX,
  blockMs: 5000,
  readCount: 1000,
} as const;

export class Results {
  readonly keys: StreamKeys;
  readonly group: string | undefined;
  private readonly codec: Codec;
  private readonly log: Logger;
  private readonly blockMs: number;
  private readonly readCount: number;
  private command: Promise<{ client: RedisClient; owned: boolean }> | undefined;
  private blocking: Promise<RedisClient> | undefined;
  private readonly tails = new Set<RedisClient>();
  private readonly waiters: Waiters;
  private closed = false;

  constructor(private readonly opts: ResultsOptions) {
    const owner = 'Results';
    if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
    connectionOption(owner, opts);
    const d = RESULTS_DEFAULTS;
    validateName(`${owner}: option "stream"`, opts.stream);
    this.keys = streamKeys(opts.stream, validateName(`${owner}: option "prefix"`, opts.prefix ?? d.prefix));
    this.group = opts.group === undefined ? undefined : validateName(`${owner}: option "group"`, opts.group);
    this.blockMs = intOption(owner, 'blockMs', opts.blockMs ?? d.blockMs, 1, 3_600_000);
    this.readCount = intOption(owner, 'readCount', opts.readCount ?? d.readCount, 1, 100_000);
    this.codec = opts.codec ?? jsonCodec;
    this.log = opts.log ?? consoleLogger();
    this.waiters = new Waiters({
      key: this.keys.results,
      codec: this.codec,
      group: this.group,
      blockMs: this.blockMs,
      readCount: this.readCount,
      command: () => this.client(),
      blocking: () => this.blockingClient(),
      onError: (err) => this.log.warn(`results ${this.keys.name}: ${(err as Error)?.message ?? err}`),
    });
  }

  /**
   * Resolve with the final outcome of the task published as `entryId` (also when it finished
   * after retries, or before this call). All waiters of this instance share one connection.
   * Rejects with WaitTimeoutError after `timeoutMs`, with the signal's reason on abort.
   */
  waitFor<R = unknown>(entryId: string, opts: WaitOptions = {}): Promise<ResultEntry<R>> {
    try {
      entryIdOption('Results.waitFor', entryId);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.waiters.wait(entryId, opts) as Promise<ResultEntry<R>>;
  }

  /** Waiters not yet answered. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Where a task is now: pending · processing (with consumer and delivery count) · ok · failed · dead · unknown. */
  async status<R = unknown>(entryId: string): Promise<TaskState<R>> {
    entryIdOption('Results.status', entryId);
    const client = await this.client();
    const raw = parseTaskState(await taskStateScript.run(client, [this.keys.stream], [entryId, this.group ?? '']));
    if (raw.state === 'processing') {
      const { group, consumer, deliveries, idleMs } = raw;
      return { status: 'processing', group, consumer, deliveries, idleMs };
    }
    const { final, latest } = await this.findResults<R>(client, entryId);
    if (final) return { status: final.status, result: final };
    if (raw.state === 'pending') return { status: 'pending' };
    if (latest) {
      const next: TaskState<R> = { status: 'pending', attempt: latest.attempt + 1 };
      if (latest.retryAt !== undefined) next.retryAt = latest.retryAt;
      return next;
    }
    return { status: 'unknown' };
  }

  /** Result entries from `from` (inclusive; `(id` for exclusive), oldest first. */
  async read<R = unknown>(opts: { from?: string; count?: number } = {}): Promise<ResultEntry<R>[]> {
    const from = opts.from ?? '-';
    const count = intOption('Results.read', 'count', opts.count ?? 100, 1, 100_000);
    const reply = await (await this.client()).sendCommand([
      'XRANGE',
      this.keys.results,
      from,
      '+',
      'COUNT',
      String(count),
    ]);
    return this.decode<R>(parseRangeReply(reply));
  }

  /** Outcomes as they are written (from `$`, i.e. new ones, unless `from` says otherwise). */
  tail<R = unknown>(opts: TailOptions = {}): AsyncIterableIterator<ResultEntry<R>> {
    return tailResults<R>({
      key: this.keys.results,
      blockMs: opts.blockMs ?? this.blockMs,
      readCount: this.readCount,
      from: opts.from,
      signal: opts.signal,
      open: async () => {
        if (this.closed) throw new ClosedError('Results is closed');
        const dup = await duplicateClient(await this.client(), (err) => this.log.warn(`results tail: ${err.message}`));
        this.tails.add(dup);
        return dup;
      },
      release: (dup) => {
        if (this.tails.delete(dup)) dup.destroy();
      },
      decode: (raws) => this.decode<R>(raws),
    });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ResultEntry> {
    return this.tail();
  }

  /** Reject pending waiters, end tails, close the connections this instance created. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiters.close();
    for (const t of this.tails) t.destroy();
    this.tails.clear();
    const blocking = await this.blocking?.catch(() => undefined);
    blocking?.destroy();
    const command = await this.command?.catch(() => undefined);
    if (command?.owned) await closeQuietly(command.client);
  }

  private decode<R>(raws: ReturnType<typeof parseRangeReply>): ResultEntry<R>[] {
    const out: ResultEntry<R>[] = [];
    for (const raw of raws) {
      const r = parseResultEntry<R>(raw, this.codec);
      if (r && (this.group === undefined || r.group === this.group)) out.push(r);
    }
    return out;
  }

  /** The first final result for a task and its latest result of any kind (scans from the entry's time on). */
  private async findResults<R>(
    client: RedisClient,
    id: string,
  ): Promise<{ final?: ResultEntry<R>; latest?: ResultEntry<R> }> {
    let start = `${idMs(id)}-0`;
    let latest: ResultEntry<R> | undefined;
    for (;;) {
      const raws = parseRangeReply(
        await client.sendCommand(['XRANGE', this.keys.results, start, '+', 'COUNT', String(this.readCount)]),
      );
      for (const r of this.decode<R>(raws)) {
        if (r.origin !== id && r.id !== id) continue;
        if (r.final) return { final: r };
        latest = r;
      }
      const last = raws[raws.length - 1];
      if (!last || raws.length < this.readCount) return latest ? { latest } : {};
      start = `(${last.id}`;
    }
  }

  private async client(): Promise<RedisClient> {
    if (this.closed) throw new ClosedError('Results is closed');
    this.command ??= openConnection(this.opts, (err) =>
      this.log.warn(`results ${this.keys.name}: ${err.message}`),
    ).catch((err) => {
      this.command = undefined; // the next call tries again
      throw err;
    });
    return (await this.command).client;
  }

  private async blockingClient(): Promise<RedisClient> {
    this.blocking ??= this.client()
      .then((c) => duplicateClient(c, (err) => this.log.warn(`results ${this.keys.name}: ${err.message}`)))
      .catch((err) => {
        this.blocking = undefined;
        throw err;
      });
    return this.blocking;
  }
}
