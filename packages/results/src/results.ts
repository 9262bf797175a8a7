// The Results reader: wait for an outcome, ask where a task is, read and tail outcomes.
import {
  ClosedError,
  type Codec,
  ConfigError,
  consoleLogger,
  jsonCodec,
  type Logger,
  type RedisClient,
  type TlsOptions,
  type WaitOptions,
} from '@sluice/core';
import {
  type ClientOption,
  connectionOption,
  DEFAULT_PREFIX,
  discardClient,
  entryIdOption,
  idMs,
  intOption,
  knownOptions,
  LazyConnection,
  parseRangeReply,
  parseResultEntry,
  type ResultEntry,
  type StreamKeys,
  streamKeys,
  tlsOption,
  validateName,
  withCommandTimeout,
} from '@sluice/core/plugin';
import { parseTaskState, type TaskState, taskStateScript } from './status.js';
import { type TailOptions, tailResults } from './tail.js';
import { Waiters } from './waiters.js';

export interface ResultsOptions {
  /** Redis URL; connections are created and closed by this instance. */
  url?: string;
  /** A node-redis client you own (never closed here); blocking reads use duplicates of it. */
  client?: ClientOption;
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
  /**
   * How long `waitFor` waits when the call gives no `timeoutMs`: it then rejects with a
   * WaitTimeoutError naming the entry id. `Infinity` waits for as long as it takes. @defaultValue 30000
   */
  waitTimeoutMs?: number;
  /**
   * A command Redis has not answered within this time (an outage: node-redis queues commands
   * until it reconnects) rejects with a TimeoutError: `status()`, `read()` and backfills never
   * wait forever; blocking reads get their BLOCK time on top. @defaultValue 10000
   */
  commandTimeoutMs?: number;
  /** TLS material for a `rediss://` URL: `{ ca, cert, key }` (PEM). @defaultValue none (system CAs) */
  tls?: TlsOptions;
  log?: Logger;
}

export const RESULTS_DEFAULTS = {
  prefix: DEFAULT_PREFIX,
  blockMs: 5000,
  readCount: 1000,
  waitTimeoutMs: 30_000,
  commandTimeoutMs: 10_000,
} as const;

export const RESULTS_OPTIONS = [
  'url',
  'client',
  'tls',
  'stream',
  'prefix',
  'group',
  'blockMs',
  'readCount',
  'codec',
  'waitTimeoutMs',
  'commandTimeoutMs',
  'log',
] as const;

/** A wait timeout: a whole number of ms >= 1, or Infinity (never). */
export function waitTimeoutOption(owner: string, name: string, value: unknown): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 2_147_483_647) return value;
  throw new ConfigError(
    `${owner}: option "${name}" must be whole ms in [1, 2147483647] or Infinity, got ${String(value)}`,
  );
}

export class Results {
  readonly keys: StreamKeys;
  readonly group: string | undefined;
  private readonly codec: Codec;
  private readonly log: Logger;
  private readonly blockMs: number;
  private readonly readCount: number;
  private readonly waitTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly command: LazyConnection;
  private blocking: Promise<RedisClient> | undefined;
  /** The blocking connection from before its connect resolves, so close() can destroy it at once. */
  private blockingRaw: RedisClient | undefined;
  private readonly tails = new Set<RedisClient>();
  private readonly waiters: Waiters;
  private closed = false;

  constructor(readonly opts: ResultsOptions) {
    const owner = 'Results';
    if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
    knownOptions(owner, opts, RESULTS_OPTIONS);
    connectionOption(owner, opts);
    tlsOption(owner, opts.tls);
    const d = RESULTS_DEFAULTS;
    validateName(`${owner}: option "stream"`, opts.stream);
    this.keys = streamKeys(opts.stream, validateName(`${owner}: option "prefix"`, opts.prefix ?? d.prefix));
    this.group = opts.group === undefined ? undefined : validateName(`${owner}: option "group"`, opts.group);
    this.blockMs = intOption(owner, 'blockMs', opts.blockMs ?? d.blockMs, 1, 3_600_000);
    this.readCount = intOption(owner, 'readCount', opts.readCount ?? d.readCount, 1, 100_000);
    this.waitTimeoutMs = waitTimeoutOption(owner, 'waitTimeoutMs', opts.waitTimeoutMs ?? d.waitTimeoutMs);
    this.commandTimeoutMs = intOption(owner, 'commandTimeoutMs', opts.commandTimeoutMs ?? d.commandTimeoutMs, 1);
    this.codec = opts.codec ?? jsonCodec;
    this.log = opts.log ?? consoleLogger();
    this.command = new LazyConnection(opts, (err) =>
      this.log.warn({ err }, `results ${this.keys.name}: ${err.message}`),
    );
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
   * Rejects with WaitTimeoutError (naming the id) after `timeoutMs` (default: the
   * `waitTimeoutMs` option, 30 s; `Infinity` never gives up), with the signal's reason on abort.
   */
  waitFor<R = unknown>(entryId: string, opts: WaitOptions = {}): Promise<ResultEntry<R>> {
    let timeoutMs: number;
    try {
      entryIdOption('Results.waitFor', entryId);
      timeoutMs = waitTimeoutOption('Results.waitFor', 'timeoutMs', opts.timeoutMs ?? this.waitTimeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.waiters.wait(entryId, { signal: opts.signal, timeoutMs }) as Promise<ResultEntry<R>>;
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
        const dup = (await this.client()).duplicate();
        // Tracked before its connect resolves: close() destroys it even while Redis is silent.
        this.tails.add(dup);
        dup.on('error', (err) => this.log.warn(`results tail: ${err.message}`));
        try {
          await this.connectOwned(dup);
        } catch (err) {
          this.tails.delete(dup);
          throw err;
        }
        return dup;
      },
      release: (dup) => {
        if (this.tails.delete(dup)) discardClient(dup);
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
    for (const t of this.tails) discardClient(t);
    this.tails.clear();
    // Not awaited: its connect may never finish while Redis is silent.
    if (this.blockingRaw) discardClient(this.blockingRaw);
    await this.command.close();
  }

  private decode<R>(raws: ReturnType<typeof parseRangeReply>): ResultEntry<R>[] {
    const out: ResultEntry<R>[] = [];
    for (const raw of raws) {
      const r = parseResultEntry<R>(raw, this.codec);
      if (r && (this.group === undefined || r.group === this.group)) out.push(r);
    }
    return out;
  }

  /**
   * The task's latest result (scans from the entry's time on), as `final` when it is final.
   * The latest, not the first: after a replay the dead letter's `dead` is history.
   */
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
        latest = r;
      }
      const last = raws[raws.length - 1];
      if (!last || raws.length < this.readCount)
        return latest?.final ? { final: latest, latest } : latest ? { latest } : {};
      start = `(${last.id}`;
    }
  }

  /** The command connection, every command bounded by `commandTimeoutMs`. */
  private async client(): Promise<RedisClient> {
    if (this.closed) throw new ClosedError('Results is closed');
    return withCommandTimeout(await this.command.get(), this.commandTimeoutMs, `results ${this.keys.name}`);
  }

  private async blockingClient(): Promise<RedisClient> {
    this.blocking ??= this.client()
      .then(async (c) => {
        if (this.closed) throw new ClosedError('Results is closed');
        const dup = c.duplicate();
        this.blockingRaw = dup;
        dup.on('error', (err) => this.log.warn(`results ${this.keys.name}: ${err.message}`));
        await this.connectOwned(dup);
        return dup;
      })
      .catch((err) => {
        this.blocking = undefined;
        throw err;
      });
    return this.blocking;
  }

  /**
   * Connect a connection this instance owns. close() may run while it connects (waitFor resolved
   * by the backfill, then close): one that finishes connecting after that is destroyed here, or
   * its socket would keep the process alive.
   */
  private async connectOwned(dup: RedisClient): Promise<void> {
    try {
      await dup.connect();
    } catch (err) {
      discardClient(dup);
      throw err;
    }
    if (this.closed) {
      discardClient(dup);
      throw new ClosedError('Results is closed');
    }
  }
}
