// Consumer options, their defaults, and the one place they are validated.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError } from '../errors.js';
import { DEFAULT_PREFIX, validateName } from '../keys.js';
import { consoleLogger, type Logger } from '../log.js';
import { connectionOption, fnOption, intOption, knownOptions, tlsOption } from '../options.js';
import type { NodeRedisCluster } from '../redis/cluster.js';
import type { RedisClient, TlsOptions } from '../redis/connection.js';
import { isIdBound } from '../redis/ids.js';
import { type ResolvedRetention, type RetentionOptions, resolveRetention } from '../retention/options.js';
import {
  type PlacementOptions,
  type ResolvedPlacement,
  type Resources,
  resolvePlacement,
} from '../schedule/capacity.js';
import { type OrderingOptions, type ResolvedOrdering, resolveOrdering } from '../schedule/policy.js';
import { type StandardSchemaV1, schemaOption } from '../schema/validate.js';
import { type Codec, type Headers, jsonCodec } from '../wire/task.js';
import type { ConsumerPlugin } from './plugin-types.js';

/** What a handler receives besides the payload. */
export interface HandlerContext {
  /** Entry id in the stream. */
  id: string;
  /** Logical stream name. */
  stream: string;
  /** 1-based attempt number (retries count up). */
  attempt: number;
  /** Ordering/partition key, when the producer set one. */
  key: string | undefined;
  headers: Headers;
  /** First entry id of this task on retries and replays. */
  origin: string | undefined;
  /** Times Redis delivered this entry, when known (reclaimed entries). */
  deliveries: number | undefined;
  /** Aborted on handler timeout and on forced close. */
  signal: AbortSignal;
  /** The consumer's logger with this entry's `stream`, `id` and `attempt` bound (a pino child when it is pino). */
  log: Logger;
  /**
   * Reset this entry's idle time so no reclaimer takes it (long handlers). Resolves false
   * when another consumer already took the entry over: its outcome will be fenced.
   */
  extend(): Promise<boolean>;
}

/** Runs `fn` when a shared slot is free (p-limit's `LimitFunction` fits). */
export type SharedLimit = <X>(fn: () => Promise<X>) => Promise<X>;

export type Handler<T = unknown, R = unknown> = (payload: T, ctx: HandlerContext) => R | Promise<R>;

export interface ConsumerOptions<T = unknown, R = unknown> {
  /** Redis URL; a client is created and closed by the consumer. */
  url?: string;
  /** A node-redis client you own; the consumer never closes it. */
  client?: RedisClient | NodeRedisCluster;
  /** Logical stream name. */
  stream: string;
  /** Consumer group name. */
  group: string;
  /** This consumer's name in the group. @defaultValue `<hostname>-<pid>-<random>` */
  consumer?: string;
  /** Key prefix. @defaultValue "sluice" */
  prefix?: string;
  handler: Handler<T, R>;
  /** Handlers running at once. @defaultValue 10 */
  concurrency?: number;
  /**
   * A limit shared with other consumers in this process, e.g. one `pLimit(20)` from
   * p-limit for a worker hosting many streams: a handler runs only inside it, on top of
   * this consumer's own `concurrency`. @defaultValue none
   */
  sharedLimit?: SharedLimit;
  /** Entries read ahead beyond `concurrency`; memory holds at most concurrency + prefetch. @defaultValue same as concurrency */
  prefetch?: number;
  /** XREADGROUP BLOCK time. @defaultValue 2000 */
  blockMs?: number;
  /** Where a newly created group starts: "$" (new entries only) or "0" (whole history). @defaultValue "$" */
  startId?: string;
  /** Abort a handler (signal + failure) after this long; 0 means never. @defaultValue 0 */
  timeoutMs?: number;
  /**
   * Check in the settle script that this consumer still owns each entry. `true` skips the
   * check for entries read so recently (Redis time) that no reclaimer can have taken them
   * (docs/recovery.md, "Fencing"); `'strict'` checks every batch, for fleets where something
   * else claims entries with a small min idle time (a manual XCLAIM). @defaultValue true
   */
  fence?: boolean | 'strict';
  /** Most outcomes in one settle script call. @defaultValue 500 */
  maxSettleBatch?: number;
  /**
   * Mean time between moves of due delayed tasks (retries, scheduled publishes) from the
   * `:delayed` set into the stream, jittered ±50%; 0 turns this consumer's promoter off.
   * @defaultValue 500
   */
  promoteIntervalMs?: number;
  /**
   * Dispatch from the stream's ordered backlog (tasks published with `priority`, `lifo`,
   * `deadline` or `estimatedMs`; docs/ordering.md) before each read. Every consumer of a
   * stream that gets ordered publishes needs it. @defaultValue none (FIFO only)
   */
  ordering?: OrderingOptions;
  /**
   * What this consumer can run at once, e.g. `{ cpu: 8, memMb: 16384, gpu: 1 }` (any names,
   * positive numbers): it takes tasks published with `requires` only while its free capacity
   * covers them, and never one it could never fit (docs/allocation.md, "Resources").
   * @defaultValue none (takes no task with `requires`)
   */
  capacity?: Resources;
  /** Tuning of the resource dispatch (needs `capacity`). @defaultValue PLACEMENT_DEFAULTS */
  placement?: PlacementOptions;
  /** Payload codec. @defaultValue JSON */
  codec?: Codec;
  /**
   * Payload schema, any Standard Schema validator (zod, valibot, arktype): the handler gets the
   * schema's output (and its type); an invalid entry is dead-lettered as `invalid`, never retried. @defaultValue none
   */
  schema?: StandardSchemaV1<unknown, T>;
  /** Entries whose `data` is larger are dead-lettered as `malformed`. @defaultValue 1048576 (1 MiB) */
  maxEntryBytes?: number;
  /**
   * Trimming of the stream (acked entries beyond `keepAcked`, never one a group has not
   * processed unless `hardCap`) and of its dead letters, run by this consumer every
   * `intervalMs`; `false` turns it off here. @defaultValue RETENTION_DEFAULTS (keepAcked 10000, dlqMaxLen 100000, dlqMaxAgeMs 14 days)
   */
  retention?: RetentionOptions | false;
  /** TLS material for a `rediss://` URL: `{ ca, cert, key }` (PEM), passed to node-redis' socket. @defaultValue none (system CAs) */
  tls?: TlsOptions;
  /** Plugins: recovery(), results(), sluiceMetrics(), ... */
  use?: ConsumerPlugin[];
  /** Logger for handlers and unhandled errors. @defaultValue console, level from SLUICE_LOG (warn) */
  log?: Logger;
}

export const CONSUMER_DEFAULTS = {
  prefix: DEFAULT_PREFIX,
  concurrency: 10,
  blockMs: 2000,
  startId: '$',
  timeoutMs: 0,
  fence: true,
  maxSettleBatch: 500,
  promoteIntervalMs: 500,
  maxEntryBytes: 1024 * 1024,
} as const;

const CONSUMER_OPTION_NAMES = [
  'url',
  'client',
  'stream',
  'group',
  'consumer',
  'prefix',
  'handler',
  'concurrency',
  'sharedLimit',
  'prefetch',
  'blockMs',
  'startId',
  'timeoutMs',
  'fence',
  'maxSettleBatch',
  'promoteIntervalMs',
  'codec',
  'schema',
  'maxEntryBytes',
  'retention',
  'tls',
  'use',
  'log',
  'ordering',
  'capacity',
  'placement',
] as const;

export type ResolvedConsumerOptions<T, R> = Required<
  Omit<
    ConsumerOptions<T, R>,
    'url' | 'client' | 'sharedLimit' | 'ordering' | 'schema' | 'retention' | 'tls' | 'capacity' | 'placement'
  >
> &
  Pick<ConsumerOptions<T, R>, 'url' | 'client' | 'sharedLimit' | 'schema' | 'tls'> & {
    retention: ResolvedRetention | undefined;
    ordering: ResolvedOrdering | undefined;
    placement: ResolvedPlacement | undefined;
  };

export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function resolveConsumerOptions<T, R>(opts: ConsumerOptions<T, R>): ResolvedConsumerOptions<T, R> {
  const owner = 'Consumer';
  if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
  knownOptions(owner, opts, CONSUMER_OPTION_NAMES);
  connectionOption(owner, opts);
  validateName(`${owner}: option "stream"`, opts.stream);
  validateName(`${owner}: option "group"`, opts.group);
  fnOption(owner, 'handler', opts.handler);
  const d = CONSUMER_DEFAULTS;
  const concurrency = intOption(owner, 'concurrency', opts.concurrency ?? d.concurrency, 1, 100_000);
  const startId = opts.startId ?? d.startId;
  if (startId !== '$' && !isIdBound(startId))
    throw new ConfigError(`${owner}: option "startId" must be "$" or a stream id, got ${JSON.stringify(startId)}`);
  const use = opts.use ?? [];
  if (!Array.isArray(use) || use.some((p) => !p || typeof p.name !== 'string')) {
    throw new ConfigError(`${owner}: option "use" must be an array of plugins (objects with a name)`);
  }
  const placement = resolvePlacement(owner, opts.capacity, opts.placement);
  if (placement && opts.ordering !== undefined)
    throw new ConfigError(
      `${owner}: options "capacity" and "ordering" do not combine yet: tasks published with "requires" keep their publish order (priority, deadline, ...) among themselves`,
    );
  return {
    url: opts.url,
    client: opts.client,
    stream: opts.stream,
    group: opts.group,
    consumer:
      opts.consumer === undefined ? defaultConsumerName() : validateName(`${owner}: option "consumer"`, opts.consumer),
    prefix: validateName(`${owner}: option "prefix"`, opts.prefix ?? d.prefix),
    handler: opts.handler,
    concurrency,
    prefetch: intOption(owner, 'prefetch', opts.prefetch ?? concurrency, 0, 100_000),
    blockMs: intOption(owner, 'blockMs', opts.blockMs ?? d.blockMs, 1, 3_600_000),
    startId,
    timeoutMs: intOption(owner, 'timeoutMs', opts.timeoutMs ?? d.timeoutMs, 0),
    fence: fenceOption(owner, opts.fence ?? d.fence),
    maxSettleBatch: intOption(owner, 'maxSettleBatch', opts.maxSettleBatch ?? d.maxSettleBatch, 1, 10_000),
    promoteIntervalMs: intOption(
      owner,
      'promoteIntervalMs',
      opts.promoteIntervalMs ?? d.promoteIntervalMs,
      0,
      3_600_000,
    ),
    codec: opts.codec ?? jsonCodec,
    schema:
      opts.schema === undefined
        ? undefined
        : (schemaOption(owner, 'schema', opts.schema) as StandardSchemaV1<unknown, T>),
    maxEntryBytes: intOption(owner, 'maxEntryBytes', opts.maxEntryBytes ?? d.maxEntryBytes, 1, 512 * 1024 * 1024),
    retention: resolveRetention(owner, opts.retention),
    tls: tlsOption(owner, opts.tls),
    use,
    sharedLimit:
      opts.sharedLimit === undefined ? undefined : fnOption<SharedLimit>(owner, 'sharedLimit', opts.sharedLimit),
    log: opts.log ?? consoleLogger(),
    ordering: resolveOrdering(owner, opts.ordering),
    placement,
  };
}

function fenceOption(owner: string, value: unknown): boolean | 'strict' {
  if (value === true || value === false || value === 'strict') return value;
  throw new ConfigError(`${owner}: option "fence" must be true, false or "strict", got ${JSON.stringify(value)}`);
}
