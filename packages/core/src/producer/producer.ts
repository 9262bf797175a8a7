// The Producer: publishes made in the same tick are coalesced into one script call per
// stream (batcher.ts); scheduled ones into one ZADD per `:delayed` set.
import { EventEmitter } from 'eventemitter3';
import { ClosedError, ConfigError, DelayedFullError, PayloadError } from '../errors.js';
import { type StreamKeys, streamKeys } from '../keys.js';
import { backlogArgs, backlogKeys, backlogScript, parseBacklogReply } from '../lua/backlog.js';
import { parsePublishReply, publishArgs, publishScript } from '../lua/publish.js';
import { resourceKeys, resourcePublishArgs, resourcePublishKeys, resourcePublishScript } from '../lua/resources.js';
import { parseScheduleReply, scheduleScript } from '../lua/schedule.js';
import { LazyConnection, type RedisClient } from '../redis/connection.js';
import { hideUrl } from '../redis/redact.js';
import { waitForReplica } from '../redis/wait.js';
import { type Resources, taskRequires } from '../schedule/capacity.js';
import { isOrdered, type OrderOptions, type TaskOrder, taskOrder } from '../schedule/order.js';
import { type StandardSchemaV1, schemaOption, settle, validate, validateAll } from '../schema/validate.js';
import { ShardRouter } from '../shard/route.js';
import { encodeDelayed, newDelayedId } from '../wire/delayed.js';
import { TASK_FIELDS as F, ORDER_FIELDS, RESOURCE_FIELDS, WIRE_VERSION } from '../wire/fields.js';
import { encodeFields, type Headers } from '../wire/task.js';
import { Batcher } from './batcher.js';
import { type IdempotentPending, markerFor, sendIdempotent } from './idempotent.js';
import { type ProducerOptions, type ResolvedProducerOptions, resolveProducerOptions } from './options.js';
import { type WaitOptions, withPluginHeaders } from './plugin.js';
import { dueTime, type ScheduleOptions } from './schedule.js';
import { withPublishTimeout } from './timeout.js';

/**
 * With `delayMs` or `at` in the future the task goes to the `:delayed` set and the promise
 * resolves with its schedule id (`d1:…`) instead of an entry id; consumers promote it when due.
 */
export interface PublishOptions extends ScheduleOptions, OrderOptions {
  /** Ordering/partition key (wire field `key`). */
  key?: string | undefined;
  /** Headers (wire field `h`), e.g. `traceparent`. */
  headers?: Headers | undefined;
  /**
   * Publish at most once per key within the producer's `idempotencyWindowMs`: a repeat
   * resolves with the first publish's id (entry or schedule id) and writes nothing.
   */
  idempotencyKey?: string | undefined;
  /**
   * What the task needs to run, e.g. `{ gpu: 1, memMb: 2048 }`: it waits in Redis until a
   * consumer whose free `capacity` covers it takes it (docs/allocation.md, "Resources").
   * Combines with the orderings (priority among such tasks), not with `fairness`.
   */
  requires?: Resources | undefined;
}

export interface ProducerEvents {
  /** A batch was written: stream name and the new ids. */
  published: (stream: string, ids: string[]) => void;
  error: (err: Error) => void;
}

/** Payload types by stream name, e.g. `Producer<{ orders: Order; emails: Email }>`. */
export type StreamMap = Record<string, unknown>;

/** A producer bound to one stream and its payload type: `producer.stream<Order>('orders')`. */
export interface StreamProducer<T> {
  readonly stream: string;
  publish(payload: T, options?: PublishOptions): Promise<string>;
  publishMany(payloads: readonly T[], options?: PublishOptions): Promise<string[]>;
  publishAndWait<O = unknown>(payload: T, options?: PublishOptions & WaitOptions): Promise<O>;
}

interface Pending {
  fields: string[];
  resolve(id: string): void;
  reject(err: unknown): void;
}

interface Ordered {
  score: number | undefined;
  fairKey: string | undefined;
  /** Canonical requirement JSON: the task goes to its shape's resource queue. */
  requires?: string | undefined;
  fields: string[];
  resolve(id: string): void;
  reject(err: unknown): void;
}

interface Scheduled {
  score: number;
  member: string;
  resolve(id: string): void;
  reject(err: unknown): void;
  id: string;
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

export class Producer<Streams extends StreamMap = StreamMap> extends EventEmitter<ProducerEvents> {
  readonly options: Readonly<ResolvedProducerOptions>;
  private readonly connection: LazyConnection;
  private readonly keys = new Map<string, StreamKeys>();
  private readonly entries: Batcher<Pending>;
  private readonly scheduled: Batcher<Scheduled>;
  private readonly ordered: Batcher<Ordered>;
  private readonly idempotent: Batcher<IdempotentPending>;
  private closed = false;
  /** Payload schemas by stream; undefined when none, so publish() pays one check. */
  private schemas: Map<string, StandardSchemaV1> | undefined;
  /** Sharded streams (option `shards`); undefined when none, so publish() pays one check. */
  private readonly router: ShardRouter | undefined;

  constructor(opts: ProducerOptions) {
    super();
    this.options = hideUrl(resolveProducerOptions(opts));
    this.router = this.options.shards ? new ShardRouter(this.options.shards) : undefined;
    for (const [stream, schema] of Object.entries(this.options.schemas)) this.addSchema(stream, schema);
    this.connection = new LazyConnection(this.options, (err) => this.reportError(err));
    const { maxBatch, lingerMs } = this.options;
    const t = this.options.publishTimeoutMs;
    this.entries = new Batcher({ maxBatch, lingerMs, send: withPublishTimeout(t, (s, b) => this.sendEntries(s, b)) });
    this.scheduled = new Batcher({
      maxBatch,
      lingerMs: 0,
      send: withPublishTimeout(t, (s, b) => this.sendScheduled(s, b)),
    });
    this.ordered = new Batcher({ maxBatch, lingerMs, send: withPublishTimeout(t, (s, b) => this.sendOrdered(s, b)) });
    this.idempotent = new Batcher({
      maxBatch,
      lingerMs,
      send: withPublishTimeout(t, (s, b) => this.sendIdempotent(s, b)),
    });
  }

  get prefix(): string {
    return this.options.prefix;
  }

  /** Connect now (publish() connects lazily otherwise). */
  connect(): Promise<RedisClient> {
    if (this.closed) return Promise.reject(new ClosedError('Producer is closed'));
    return this.connection.get();
  }

  /** Publish one task; resolves with its entry id. Calls in the same tick share one round trip. */
  publish<S extends keyof Streams & string>(
    stream: S,
    payload: Streams[S],
    options: PublishOptions = NO_OPTIONS,
  ): Promise<string> {
    if (this.schemas?.has(stream)) {
      const schema = this.schemas.get(stream) as StandardSchemaV1;
      return settle(
        () => validate(schema, payload, `payload for stream "${stream}"`),
        (v) => this.publishNow(stream, v, options),
      );
    }
    return this.publishNow(stream, payload, options);
  }

  private publishNow(logical: string, payload: unknown, options: PublishOptions): Promise<string> {
    const stream = this.router ? this.router.route(logical, options.key) : logical;
    let fields: string[];
    let due: number | undefined;
    let order: TaskOrder | undefined;
    try {
      if (this.closed) throw new ClosedError('Producer is closed');
      this.keysFor(stream);
      fields = this.encode(payload, this.withHeaders(stream, options));
      due = options.delayMs === undefined && options.at === undefined ? undefined : dueTime(options);
      if (options !== NO_OPTIONS && (isOrdered(options) || options.requires !== undefined)) {
        if (options.idempotencyKey !== undefined)
          throw new PayloadError('option "idempotencyKey" does not combine with an ordering option yet');
        order = this.orderOf(options);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (order) return this.enqueueOrdered(stream, order, fields, due);
    if (options.idempotencyKey !== undefined) return this.publishOnce(stream, options.idempotencyKey, fields, due);
    if (due !== undefined) return this.schedule(stream, due, fields);
    // One shared executor instead of a closure per call: this is the per-entry hot path.
    const promise = new Promise<string>(captureSettlers);
    this.entries.add(stream, { fields, resolve: captured.resolve, reject: captured.reject });
    return promise;
  }

  /** Publish many tasks to one stream; all are validated before anything is written. */
  publishMany<S extends keyof Streams & string>(
    stream: S,
    payloads: readonly Streams[S][],
    options: PublishOptions = NO_OPTIONS,
  ): Promise<string[]> {
    if (this.schemas?.has(stream) && Array.isArray(payloads)) {
      const schema = this.schemas.get(stream) as StandardSchemaV1;
      return settle(
        () => validateAll(schema, payloads, `publishMany to stream "${stream}"`),
        (v) => this.publishManyNow(stream, v, options),
      );
    }
    return this.publishManyNow(stream, payloads, options);
  }

  private publishManyNow(stream: string, payloads: readonly unknown[], options: PublishOptions): Promise<string[]> {
    if (!Array.isArray(payloads)) return Promise.reject(new PayloadError('publishMany: payloads must be an array'));
    let encoded: string[][];
    let due: number | undefined;
    let order: TaskOrder | undefined;
    try {
      if (this.closed) throw new ClosedError('Producer is closed');
      if (options.idempotencyKey !== undefined)
        throw new PayloadError('publishMany: option "idempotencyKey" names one publish; call publish() per key');
      this.keysFor(stream);
      due = dueTime(options);
      if (isOrdered(options) || options.requires !== undefined) order = this.orderOf(options);
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
    // Sharded: each entry to its own shard (round-robin without a key).
    const to = (): string => (this.router ? this.router.route(stream, options.key) : stream);
    if (order) return Promise.all(encoded.map((f) => this.enqueueOrdered(to(), order, f, due)));
    if (due !== undefined) return Promise.all(encoded.map((f) => this.schedule(to(), due, f)));
    return Promise.all(
      encoded.map(
        (fields) => new Promise<string>((resolve, reject) => this.entries.add(to(), { fields, resolve, reject })),
      ),
    );
  }

  /**
   * Publish one task and wait for its final outcome (request/reply). Needs a plugin that can
   * wait, e.g. `replies()` from @sluice/results; resolves with what that plugin resolves.
   */
  async publishAndWait<O = unknown, S extends keyof Streams & string = keyof Streams & string>(
    stream: S,
    payload: Streams[S],
    options: PublishOptions & WaitOptions = {},
  ): Promise<O> {
    const waiter = this.options.use.find((p) => p.waitFor);
    if (!waiter?.waitFor) {
      throw new ConfigError(
        'Producer.publishAndWait() needs a plugin that waits in option "use", e.g. replies() from @sluice/results',
      );
    }
    const { timeoutMs, signal, ...publishOptions } = options;
    const id = await this.publish(stream, payload, publishOptions);
    return (await waiter.waitFor(stream, id, { timeoutMs, signal })) as O;
  }

  /** A handle bound to one stream, typed by its payload: `producer.stream<Order>('orders').publish(order)`. */
  stream<S extends StandardSchemaV1>(
    name: string,
    options: { schema: S },
  ): StreamProducer<StandardSchemaV1.InferInput<S>>;
  stream<T = Streams[string]>(name: string, options?: { schema?: StandardSchemaV1<T> }): StreamProducer<T>;
  stream<T = Streams[string]>(name: string, options?: { schema?: StandardSchemaV1<T> }): StreamProducer<T> {
    this.keysFor(name);
    if (options?.schema !== undefined) this.addSchema(name, options.schema);
    const self = this as unknown as Producer<Record<string, T>>;
    return {
      stream: name,
      publish: (payload, options) => self.publish(name, payload, options),
      publishMany: (payloads, options) => self.publishMany(name, payloads, options),
      publishAndWait: (payload, options) => self.publishAndWait(name, payload, options),
    };
  }

  /** Flush what is queued, wait for in-flight writes, close our connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushAll();
    this.closed = true;
    for (const p of [...this.options.use].reverse()) {
      await Promise.resolve()
        .then(() => p.close?.())
        .catch((err) => this.reportError(err as Error));
    }
    await this.connection.close();
  }

  /** Send everything queued now and wait for it. */
  async flushAll(): Promise<void> {
    await Promise.all([this.entries.flush(), this.scheduled.flush(), this.idempotent.flush(), this.ordered.flush()]);
  }

  private addSchema(stream: string, schema: unknown): void {
    const checked = schemaOption('Producer.stream()', 'schema', schema);
    this.schemas ??= new Map();
    const known = this.schemas.get(stream);
    if (known !== undefined && known !== checked)
      throw new ConfigError(`Producer: stream "${stream}" already has a different schema`);
    this.schemas.set(stream, checked);
  }

  private keysFor(stream: string): StreamKeys {
    let keys = this.keys.get(stream);
    if (!keys) {
      keys = streamKeys(stream, this.options.prefix);
      this.keys.set(stream, keys);
    }
    return keys;
  }

  private encode(payload: unknown, options: PublishOptions): string[] {
    const { codec, maxEntryBytes } = this.options;
    const data = codec.encode(payload);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: count bytes only when the text could be too big.
    const bytes = data.length * 3 <= maxEntryBytes ? 0 : Buffer.byteLength(data);
    if (bytes > maxEntryBytes) throw new PayloadError(`payload is ${bytes} bytes, over maxEntryBytes=${maxEntryBytes}`);
    if (options.key !== undefined && typeof options.key !== 'string')
      throw new PayloadError('option "key" must be a string');
    if (
      options.headers !== undefined &&
      (options.headers === null || typeof options.headers !== 'object' || Array.isArray(options.headers))
    ) {
      throw new PayloadError('option "headers" must be an object of strings');
    }
    // The usual task (no key, no headers) without building a TaskFields object first.
    if (options.key === undefined && options.headers === undefined) return [F.version, WIRE_VERSION, F.data, data];
    return encodeFields({ data, key: options.key, headers: options.headers });
  }

  /** The caller's options plus headers from plugins (trace context); the same object when none add any. */
  private withHeaders(stream: string, options: PublishOptions): PublishOptions {
    if (this.options.use.length === 0) return options;
    const headers = withPluginHeaders(this.options.use, stream, options.headers);
    return headers === options.headers ? options : { ...options, headers };
  }

  private schedule(stream: string, due: number, fields: string[]): Promise<string> {
    const id = newDelayedId();
    const member = encodeDelayed(fields, id);
    return new Promise<string>((resolve, reject) =>
      this.scheduled.add(stream, { score: due, member, id, resolve, reject }),
    );
  }

  private async sendEntries(stream: string, batch: Pending[]): Promise<void> {
    try {
      const client = await this.connection.get();
      const keys = this.keysFor(stream);
      const ids = parsePublishReply(
        await publishScript.run(client, [keys.stream], publishArgs(batch.map((b) => b.fields))),
      );
      if (this.options.durability === 'replicated') await waitForReplica(client, keys.stream);
      for (let i = 0; i < batch.length; i++) (batch[i] as Pending).resolve(ids[i] as string);
      this.announce(stream, ids);
    } catch (err) {
      for (const item of batch) item.reject(err);
    }
  }

  /** Tell listeners and plugins about new entry ids. */
  private announce(stream: string, ids: string[]): void {
    this.emit('published', stream, ids);
    for (const p of this.options.use) {
      try {
        p.published?.(stream, ids);
      } catch (err) {
        this.reportError(err as Error);
      }
    }
  }

  /** An idempotent publish (entry or scheduled): queued in its own batches, see idempotent.ts. */
  private publishOnce(stream: string, key: string, fields: string[], due: number | undefined): Promise<string> {
    let marker: string;
    try {
      marker = markerFor(this.options.producerId, key);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<string>((resolve, reject) => {
      if (due === undefined) return this.idempotent.add(stream, { marker, fields, resolve, reject });
      const id = newDelayedId();
      this.idempotent.add(stream, { marker, score: due, member: encodeDelayed(fields, id), id, resolve, reject });
    });
  }

  private async sendIdempotent(stream: string, batch: IdempotentPending[]): Promise<void> {
    let client: RedisClient;
    try {
      client = await this.connection.get();
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    const { idempotencyWindowMs: windowMs, idempotencyMaxKeys: maxKeys } = this.options;
    const { maxDelayed } = this.options;
    const fresh = await sendIdempotent(client, this.keysFor(stream), { windowMs, maxKeys, maxDelayed }, batch);
    if (fresh.length > 0) this.announce(stream, fresh);
  }

  /** The ordering (and `requires`) of a publish; throws PayloadError on bad input. */
  private orderOf(options: PublishOptions): TaskOrder & { requires?: string } {
    const order: TaskOrder & { requires?: string } = taskOrder(options);
    if (options.requires === undefined) return order;
    if (order.fairKey !== undefined)
      throw new PayloadError('options "requires" and "fairness" do not combine yet: pick one');
    order.requires = taskRequires(options.requires, this.options.resourceNames);
    return order;
  }

  /**
   * An ordered task goes to the backlog (with `requires`: to its resource queue); delayed, it
   * waits in `:delayed` carrying its score.
   */
  private enqueueOrdered(
    stream: string,
    order: TaskOrder & { requires?: string },
    fields: string[],
    due: number | undefined,
  ): Promise<string> {
    let all = order.fields.length > 0 ? fields.concat(order.fields) : fields;
    const { requires } = order;
    if (requires !== undefined) all = all.concat(RESOURCE_FIELDS.requires, requires);
    if (due !== undefined)
      return this.schedule(stream, due, all.concat(ORDER_FIELDS.order, String(order.score ?? 'lifo')));
    return new Promise<string>((resolve, reject) =>
      this.ordered.add(stream, { score: order.score, fairKey: order.fairKey, requires, fields: all, resolve, reject }),
    );
  }

  private async sendOrdered(stream: string, batch: Ordered[]): Promise<void> {
    try {
      const client = await this.connection.get();
      const keys = this.keysFor(stream);
      // Tasks with `requires` go to their resource queues, the rest to the backlog: one script each.
      const withReq = batch.filter((t) => t.requires !== undefined);
      const plain = withReq.length === 0 ? batch : batch.filter((t) => t.requires === undefined);
      const rk = resourceKeys(keys);
      const [a, b] = await Promise.all([
        plain.length === 0 ? [] : backlogScript.run(client, backlogKeys(keys), backlogArgs(keys, plain)),
        withReq.length === 0
          ? []
          : resourcePublishScript.run(
              client,
              resourcePublishKeys(rk),
              resourcePublishArgs(
                rk,
                withReq.map((t) => ({ score: t.score, requires: t.requires as string, fields: t.fields })),
              ),
            ),
      ]);
      const plainIds = parseBacklogReply(a);
      const reqIds = parseBacklogReply(b);
      for (let i = 0; i < plain.length; i++) (plain[i] as Ordered).resolve(plainIds[i] as string);
      for (let i = 0; i < withReq.length; i++) (withReq[i] as Ordered).resolve(reqIds[i] as string);
      this.announce(stream, withReq.length === 0 ? plainIds : plainIds.concat(reqIds));
    } catch (err) {
      for (const item of batch) item.reject(err);
    }
  }

  private async sendScheduled(stream: string, batch: Scheduled[]): Promise<void> {
    try {
      const client = await this.connection.get();
      const keys = this.keysFor(stream);
      const max = this.options.maxDelayed;
      const args = [String(max)];
      for (const item of batch) args.push(String(item.score), item.member);
      const { added, size } = parseScheduleReply(await scheduleScript.run(client, [keys.delayed, keys.limits], args));
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i] as Scheduled;
        if (i < added) item.resolve(item.id);
        else item.reject(new DelayedFullError(keys.delayed, size + added, max));
      }
    } catch (err) {
      for (const item of batch) item.reject(err);
    }
  }

  private reportError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.options.log.error({ err }, `producer: ${err.message}`);
  }
}
