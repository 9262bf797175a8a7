// The Producer: publishes made in the same tick are coalesced into one script call per stream.
import { EventEmitter } from 'eventemitter3';
import { type Codec, encodeFields, F as FIELDS, type Headers, jsonCodec, WIRE_VERSION } from './codec.js';
import { closeQuietly, openConnection, type RedisClient } from './connection.js';
import { ClosedError, ConfigError, PayloadError } from './errors.js';
import { DEFAULT_PREFIX, type StreamKeys, streamKeys, validateName } from './keys.js';
import type { Logger } from './log.js';
import { consoleLogger } from './log.js';
import { publishArgs, publishScript } from './lua/publish.js';
import { connectionOption, intOption } from './options.js';
import {
  type ProducerPlugin,
  validateProducerPlugins,
  type WaitOptions,
  withPluginHeaders,
} from './producer-plugin.js';
import { dueTime, type ScheduleOptions, Scheduler } from './scheduler.js';

export interface ProducerOptions {
  /** Redis URL; a client is created and closed by the producer. */
  url?: string;
  /** A node-redis client you own; the producer never closes it. */
  client?: RedisClient;
  /** Key prefix. @defaultValue "sluice" */
  prefix?: string;
  /** Largest encoded payload accepted. @defaultValue 1048576 (1 MiB) */
  maxEntryBytes?: number;
  /** Most entries in one script call. @defaultValue 500 */
  maxBatch?: number;
  /** Wait this long for more publishes before flushing; 0 flushes on the next tick. @defaultValue 0 */
  lingerMs?: number;
  /** Payload codec. @defaultValue JSON */
  codec?: Codec;
  log?: Logger;
  /** Plugins: trace headers (tracing()), metrics (sluiceMetrics()), waiting for outcomes (replies()). @defaultValue [] */
  use?: ProducerPlugin[];
}

/**
 * With `delayMs` or `at` in the future the task goes to the `:delayed` set and the promise
 * resolves with its schedule id (`d1:…`) instead of an entry id; consumers promote it when due.
 */
export interface PublishOptions extends ScheduleOptions {
  /** Ordering/partition key (wire field `key`). */
  key?: string;
  /** Headers (wire field `h`), e.g. `traceparent`. */
  headers?: Headers;
}

export const PRODUCER_DEFAULTS = {
  prefix: DEFAULT_PREFIX,
  maxEntryBytes: 1024 * 1024,
  maxBatch: 500,
  lingerMs: 0,
} as const;

export interface ProducerEvents {
  /** A batch was written: stream name and the new ids. */
  published: (stream: string, ids: string[]) => void;
  error: (err: Error) => void;
}

interface Pending {
  fields: string[];
  resolve(id: string): void;
  reject(err: unknown): void;
}

interface StreamQueue {
  keys: StreamKeys;
  items: Pending[];
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
}

const NO_OPTIONS: PublishOptions = Object.freeze({});

/** The settle functions of the promise created last (see publish()). */
const captured: { resolve: (id: string) => void; reject: (err: unknown) => void } = {
  resolve: () => {},
  reject: () => {},
};
function captureSettlers(resolve: (id: string) => void, reject: (err: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

export class Producer extends EventEmitter<ProducerEvents> {
  readonly prefix: string;
  private readonly maxEntryBytes: number;
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private readonly codec: Codec;
  private readonly log: Logger;
  private connecting: Promise<RedisClient> | undefined;
  private ownsClient = false;
  private readonly queues = new Map<string, StreamQueue>();
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;
  private readonly plugins: ProducerPlugin[];
  private readonly scheduler: Scheduler;

  constructor(private readonly opts: ProducerOptions) {
    super();
    const owner = 'Producer';
    if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
    connectionOption(owner, opts);
    const d = PRODUCER_DEFAULTS;
    this.prefix = validateName(`${owner}: option "prefix"`, opts.prefix ?? d.prefix);
    this.maxEntryBytes = intOption(owner, 'maxEntryBytes', opts.maxEntryBytes ?? d.maxEntryBytes, 1, 512 * 1024 * 1024);
    this.maxBatch = intOption(owner, 'maxBatch', opts.maxBatch ?? d.maxBatch, 1, 10_000);
    this.lingerMs = intOption(owner, 'lingerMs', opts.lingerMs ?? d.lingerMs, 0, 60_000);
    this.codec = opts.codec ?? jsonCodec;
    this.log = opts.log ?? consoleLogger();
    this.plugins = validateProducerPlugins(owner, opts.use);
    this.scheduler = new Scheduler(() => this.connect(), this.maxBatch);
  }

  /** Connect now (publish() connects lazily otherwise). */
  async connect(): Promise<RedisClient> {
    if (this.closed) throw new ClosedError('Producer is closed');
    this.connecting ??= openConnection(this.opts, (err) => this.reportError(err)).then((c) => {
      this.ownsClient = c.owned;
      return c.client;
    });
    return this.connecting;
  }

  /** Publish one task; resolves with its entry id. Calls in the same tick share one round trip. */
  publish(stream: string, payload: unknown, options: PublishOptions = NO_OPTIONS): Promise<string> {
    let fields: string[];
    let queue: StreamQueue;
    let due: number | undefined;
    try {
      if (this.closed) throw new ClosedError('Producer is closed');
      queue = this.queueFor(stream);
      fields = this.encode(payload, this.withHeaders(stream, options));
      due = options.delayMs === undefined && options.at === undefined ? undefined : dueTime(options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (due !== undefined) return this.scheduler.add(queue.keys.delayed, due, fields);
    // One shared executor instead of a closure per call: this is the per-entry hot path.
    const promise = new Promise<string>(captureSettlers);
    queue.items.push({ fields, resolve: captured.resolve, reject: captured.reject });
    this.schedule(stream, queue);
    return promise;
  }

  /** Publish many tasks to one stream; all are validated before anything is written. */
  publishMany(stream: string, payloads: readonly unknown[], options: PublishOptions = {}): Promise<string[]> {
    if (!Array.isArray(payloads)) return Promise.reject(new PayloadError('publishMany: payloads must be an array'));
    let encoded: string[][];
    let due: number | undefined;
    try {
      if (this.closed) throw new ClosedError('Producer is closed');
      this.queueFor(stream);
      due = dueTime(options);
      const withHeaders = this.withHeaders(stream, options);
      encoded = payloads.map((p, i) => {
        try {
          return this.encode(p, withHeaders);
        } catch (err) {
          throw new PayloadError(`publishMany: payload [${i}]: ${(err as Error).message}`, { cause: err });
        }
      });
    } catch (err) {
      return Promise.reject(err);
    }
    const queue = this.queueFor(stream);
    if (due !== undefined) return Promise.all(encoded.map((f) => this.scheduler.add(queue.keys.delayed, due, f)));
    const promises = encoded.map(
      (fields) => new Promise<string>((resolve, reject) => queue.items.push({ fields, resolve, reject })),
    );
    this.schedule(stream, queue);
    return Promise.all(promises);
  }

  /**
   * Publish one task and wait for its final outcome (request/reply). Needs a plugin that can
   * wait, e.g. `replies()` from @sluice/results; resolves with what that plugin resolves.
   */
  async publishAndWait<O = unknown>(
    stream: string,
    payload: unknown,
    options: PublishOptions & WaitOptions = {},
  ): Promise<O> {
    const waiter = this.plugins.find((p) => p.waitFor);
    if (!waiter?.waitFor) {
      throw new ConfigError(
        'Producer.publishAndWait() needs a plugin that waits in option "use", e.g. replies() from @sluice/results',
      );
    }
    const { timeoutMs, signal, ...publishOptions } = options;
    const id = await this.publish(stream, payload, publishOptions);
    return (await waiter.waitFor(stream, id, { timeoutMs, signal })) as O;
  }

  /** Flush what is queued, wait for in-flight writes, close our connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushAll();
    this.closed = true;
    for (const p of [...this.plugins].reverse()) {
      await Promise.resolve()
        .then(() => p.close?.())
        .catch((err) => this.reportError(err as Error));
    }
    if (this.connecting && this.ownsClient) await closeQuietly(await this.connecting.catch(() => undefined));
  }

  /** Send everything queued now and wait for it. */
  async flushAll(): Promise<void> {
    for (const [stream, q] of this.queues) {
      clearTimeout(q.timer as NodeJS.Timeout);
      clearImmediate(q.timer as NodeJS.Immediate);
      q.timer = undefined;
      while (q.items.length > 0) this.send(stream, q);
    }
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.scheduler.flush();
  }

  private encode(payload: unknown, options: PublishOptions): string[] {
    const data = this.codec.encode(payload);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: count bytes only when the text could be too big.
    const bytes = data.length * 3 <= this.maxEntryBytes ? 0 : Buffer.byteLength(data);
    if (bytes > this.maxEntryBytes) {
      throw new PayloadError(`payload is ${bytes} bytes, over maxEntryBytes=${this.maxEntryBytes}`);
    }
    if (options.key !== undefined && typeof options.key !== 'string')
      throw new PayloadError('option "key" must be a string');
    if (
      options.headers !== undefined &&
      (options.headers === null || typeof options.headers !== 'object' || Array.isArray(options.headers))
    ) {
      throw new PayloadError('option "headers" must be an object of strings');
    }
    // The usual task (no key, no headers) without building a TaskFields object first.
    if (options.key === undefined && options.headers === undefined)
      return [FIELDS.version, WIRE_VERSION, FIELDS.data, data];
    return encodeFields({ data, key: options.key, headers: options.headers });
  }

  /** The caller's options plus headers from plugins (trace context); the same object when none add any. */
  private withHeaders(stream: string, options: PublishOptions): PublishOptions {
    if (this.plugins.length === 0) return options;
    const headers = withPluginHeaders(this.plugins, stream, options.headers);
    return headers === options.headers ? options : { ...options, headers };
  }

  private queueFor(stream: string): StreamQueue {
    let q = this.queues.get(stream);
    if (!q) {
      q = { keys: streamKeys(stream, this.prefix), items: [], timer: undefined };
      this.queues.set(stream, q);
    }
    return q;
  }

  private schedule(stream: string, q: StreamQueue): void {
    while (q.items.length >= this.maxBatch) this.send(stream, q);
    if (q.items.length === 0 || q.timer) return;
    const fire = () => {
      q.timer = undefined;
      while (q.items.length > 0) this.send(stream, q);
    };
    q.timer = this.lingerMs > 0 ? setTimeout(fire, this.lingerMs) : setImmediate(fire);
  }

  private send(stream: string, q: StreamQueue): void {
    const batch = q.items.splice(0, this.maxBatch);
    const args = publishArgs(batch.map((item) => item.fields));
    const p = this.connect()
      .then((client) => publishScript.run<string[]>(client, [q.keys.stream], args))
      .then(
        (ids) => {
          for (let i = 0; i < batch.length; i++) (batch[i] as Pending).resolve(ids[i] as string);
          this.emit('published', stream, ids);
          for (const p of this.plugins) {
            try {
              p.published?.(stream, ids);
            } catch (err) {
              this.reportError(err as Error);
            }
          }
        },
        (err) => {
          for (const item of batch) item.reject(err);
        },
      )
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private reportError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.log.error(`producer: ${err.message}`);
  }
}
