// Consumer options, their defaults, and the one place they are validated.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Codec, Headers } from './codec.js';
import { jsonCodec } from './codec.js';
import type { RedisClient } from './connection.js';
import { ConfigError } from './errors.js';
import { DEFAULT_PREFIX, validateName } from './keys.js';
import type { Logger } from './log.js';
import { consoleLogger } from './log.js';
import { connectionOption, fnOption, intOption } from './options.js';
import type { ConsumerPlugin } from './plugin.js';

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
  log: Logger;
  /**
   * Reset this entry's idle time so no reclaimer takes it (long handlers). Resolves false
   * when another consumer already took the entry over: its outcome will be fenced.
   */
  extend(): Promise<boolean>;
}

export type Handler<T = unknown, R = unknown> = (payload: T, ctx: HandlerContext) => R | Promise<R>;

export interface ConsumerOptions<T = unknown, R = unknown> {
  /** Redis URL; a client is created and closed by the consumer. */
  url?: string;
  /** A node-redis client you own; the consumer never closes it. */
  client?: RedisClient;
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
  /** Entries read ahead beyond `concurrency`; memory holds at most concurrency + prefetch. @defaultValue same as concurrency */
  prefetch?: number;
  /** XREADGROUP BLOCK time. @defaultValue 2000 */
  blockMs?: number;
  /** Where a newly created group starts: "$" (new entries only) or "0" (whole history). @defaultValue "$" */
  startId?: string;
  /** Abort a handler (signal + failure) after this long; 0 means never. @defaultValue 0 */
  timeoutMs?: number;
  /** Check in the settle script that this consumer still owns each entry. @defaultValue true */
  fence?: boolean;
  /** Most outcomes in one settle script call. @defaultValue 500 */
  maxSettleBatch?: number;
  /**
   * Mean time between moves of due delayed tasks (retries, scheduled publishes) from the
   * `:delayed` set into the stream, jittered ±50%; 0 turns this consumer's promoter off.
   * @defaultValue 500
   */
  promoteIntervalMs?: number;
  /** Payload codec. @defaultValue JSON */
  codec?: Codec;
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
} as const;

export type ResolvedConsumerOptions<T, R> = Required<Omit<ConsumerOptions<T, R>, 'url' | 'client'>> &
  Pick<ConsumerOptions<T, R>, 'url' | 'client'>;

export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function resolveConsumerOptions<T, R>(opts: ConsumerOptions<T, R>): ResolvedConsumerOptions<T, R> {
  const owner = 'Consumer';
  if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
  connectionOption(owner, opts);
  validateName(`${owner}: option "stream"`, opts.stream);
  validateName(`${owner}: option "group"`, opts.group);
  fnOption(owner, 'handler', opts.handler);
  const d = CONSUMER_DEFAULTS;
  const concurrency = intOption(owner, 'concurrency', opts.concurrency ?? d.concurrency, 1, 100_000);
  const startId = opts.startId ?? d.startId;
  if (!/^(\$|\d+(-\d+)?)$/.test(startId))
    throw new ConfigError(`${owner}: option "startId" must be "$" or a stream id, got ${JSON.stringify(startId)}`);
  const use = opts.use ?? [];
  if (!Array.isArray(use) || use.some((p) => !p || typeof p.name !== 'string')) {
    throw new ConfigError(`${owner}: option "use" must be an array of plugins (objects with a name)`);
  }
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
    fence: opts.fence ?? d.fence,
    maxSettleBatch: intOption(owner, 'maxSettleBatch', opts.maxSettleBatch ?? d.maxSettleBatch, 1, 10_000),
    promoteIntervalMs: intOption(
      owner,
      'promoteIntervalMs',
      opts.promoteIntervalMs ?? d.promoteIntervalMs,
      0,
      3_600_000,
    ),
    codec: opts.codec ?? jsonCodec,
    use,
    log: opts.log ?? consoleLogger(),
  };
}
