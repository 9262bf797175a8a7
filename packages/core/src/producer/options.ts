// Producer options, their defaults, and the one place they are validated.
import { ConfigError } from '../errors.js';
import { DEFAULT_PREFIX, validateName } from '../keys.js';
import { consoleLogger, type Logger } from '../log.js';
import { connectionOption, intOption, knownOptions, tlsOption } from '../options.js';
import type { ClientOption, TlsOptions } from '../redis/connection.js';
import { durabilityOption } from '../redis/wait.js';
import { resourceNamesOption } from '../schedule/capacity.js';
import { type StandardSchemaV1, schemaOption } from '../schema/validate.js';
import { shardsOption } from '../shard/route.js';
import { type Codec, jsonCodec } from '../wire/task.js';
import type { ProducerPlugin } from './plugin.js';

export interface ProducerOptions {
  /** Redis URL; a client is created and closed by the producer. */
  url?: string;
  /** A node-redis client (or `createCluster()` client) you own; the producer never closes it. */
  client?: ClientOption;
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
  /** Logger for errors nobody listens to (pino-compatible). @defaultValue console, level from SLUICE_LOG */
  log?: Logger;
  /** Plugins: trace headers (tracing()), metrics (sluiceMetrics()), waiting for outcomes (replies()). @defaultValue [] */
  use?: ProducerPlugin[];
  /** How long an `idempotencyKey` is remembered (like Redis 8.6 IDMP-DURATION). @defaultValue 120000 */
  idempotencyWindowMs?: number;
  /** Most idempotency keys remembered per stream; the oldest are forgotten first (like IDMP-MAXSIZE). @defaultValue 100000 */
  idempotencyMaxKeys?: number;
  /** Namespace of this producer's idempotency keys (like IDMP's producer id); producers sharing it dedupe each other. @defaultValue "" (one namespace per stream) */
  producerId?: string;
  /**
   * Payload schemas by stream name, any Standard Schema validator (zod, valibot, arktype):
   * publish rejects an invalid payload with a ValidationError (its `issues`) and writes nothing. @defaultValue {}
   */
  schemas?: Record<string, StandardSchemaV1>;
  /**
   * A publish Redis has not answered within this time (an outage: commands wait for the
   * reconnect) rejects with a TimeoutError; 0 waits for the reconnect however long. @defaultValue 10000
   */
  publishTimeoutMs?: number;
  /** TLS material for a `rediss://` URL: `{ ca, cert, key }` (PEM), passed to node-redis' socket. @defaultValue none (system CAs) */
  tls?: TlsOptions;
  /**
   * Sharded logical streams: stream name -> shard count. Entries go to N physical streams
   * (`<stream>:<i>`, each its own hash tag, so a Cluster spreads them over its masters) by a
   * stable hash of `key`, round-robin without one; consume them with `ShardedConsumer`.
   * Changing N re-routes keys: new shards start empty, old ones drain (docs/scaling.md). @defaultValue {}
   */
  shards?: Record<string, number>;
  /**
   * 'replicated': a publish resolves only once at least one replica has the batch (`WAIT 1`),
   * and rejects with a ReplicationError when none confirms in time. @defaultValue "leader"
   */
  durability?: 'leader' | 'replicated';
  /**
   * The resource names tasks may `require` (the names your consumers' `capacity` declares): a
   * publish requiring another name is a PayloadError. Without it any well-formed name is
   * accepted, and one no live consumer declares makes the task `unschedulable` (reported, kept
   * queued). @defaultValue none (names not checked)
   */
  resourceNames?: string[];
  /**
   * Most members of a stream's delayed set a scheduled publish (`delayMs`/`at`) may find: past
   * it the publish rejects with a DelayedFullError and writes nothing. Retries are not counted
   * against it (they are work already accepted); 0 = unbounded. @defaultValue 1000000
   */
  maxDelayed?: number;
}

export const PRODUCER_DEFAULTS = {
  prefix: DEFAULT_PREFIX,
  maxEntryBytes: 1024 * 1024,
  maxBatch: 500,
  lingerMs: 0,
  idempotencyWindowMs: 120_000,
  idempotencyMaxKeys: 100_000,
  producerId: '',
  publishTimeoutMs: 10_000,
  maxDelayed: 1_000_000,
} as const;

const KNOWN = [
  'url',
  'client',
  'prefix',
  'maxEntryBytes',
  'maxBatch',
  'lingerMs',
  'codec',
  'log',
  'use',
  'idempotencyWindowMs',
  'idempotencyMaxKeys',
  'producerId',
  'schemas',
  'publishTimeoutMs',
  'tls',
  'shards',
  'durability',
  'resourceNames',
  'maxDelayed',
] as const;

export interface ResolvedProducerOptions {
  url: string | undefined;
  client: ClientOption | undefined;
  prefix: string;
  maxEntryBytes: number;
  maxBatch: number;
  lingerMs: number;
  codec: Codec;
  log: Logger;
  use: ProducerPlugin[];
  idempotencyWindowMs: number;
  idempotencyMaxKeys: number;
  producerId: string;
  schemas: Record<string, StandardSchemaV1>;
  publishTimeoutMs: number;
  tls: TlsOptions | undefined;
  shards: Record<string, number> | undefined;
  durability: 'leader' | 'replicated';
  resourceNames: string[] | undefined;
  maxDelayed: number;
}

export function resolveProducerOptions(opts: ProducerOptions): ResolvedProducerOptions {
  const owner = 'Producer';
  if (opts === null || typeof opts !== 'object') throw new ConfigError(`${owner}: options object required`);
  knownOptions(owner, opts, KNOWN);
  connectionOption(owner, opts);
  const d = PRODUCER_DEFAULTS;
  return {
    url: opts.url,
    client: opts.client,
    prefix: validateName(`${owner}: option "prefix"`, opts.prefix ?? d.prefix),
    maxEntryBytes: intOption(owner, 'maxEntryBytes', opts.maxEntryBytes ?? d.maxEntryBytes, 1, 512 * 1024 * 1024),
    maxBatch: intOption(owner, 'maxBatch', opts.maxBatch ?? d.maxBatch, 1, 10_000),
    lingerMs: intOption(owner, 'lingerMs', opts.lingerMs ?? d.lingerMs, 0, 60_000),
    codec: opts.codec ?? jsonCodec,
    log: opts.log ?? consoleLogger(),
    use: validateProducerPlugins(owner, opts.use),
    idempotencyWindowMs: intOption(
      owner,
      'idempotencyWindowMs',
      opts.idempotencyWindowMs ?? d.idempotencyWindowMs,
      1,
      7 * 86_400_000,
    ),
    idempotencyMaxKeys: intOption(
      owner,
      'idempotencyMaxKeys',
      opts.idempotencyMaxKeys ?? d.idempotencyMaxKeys,
      1,
      10_000_000,
    ),
    producerId: producerIdOption(owner, opts.producerId ?? d.producerId),
    schemas: schemasOption(owner, opts.schemas),
    publishTimeoutMs: intOption(owner, 'publishTimeoutMs', opts.publishTimeoutMs ?? d.publishTimeoutMs, 0, 3_600_000),
    tls: tlsOption(owner, opts.tls),
    shards: shardsOption(owner, opts.shards),
    durability: durabilityOption(owner, opts.durability),
    resourceNames: resourceNamesOption(owner, opts.resourceNames),
    maxDelayed: intOption(owner, 'maxDelayed', opts.maxDelayed ?? d.maxDelayed, 0),
  };
}

function validateProducerPlugins(owner: string, use: unknown): ProducerPlugin[] {
  const list = use ?? [];
  if (!Array.isArray(list) || list.some((p) => !p || typeof p.name !== 'string')) {
    throw new ConfigError(
      `${owner}: option "use" must be an array of plugins (objects with a name), got ${typeof use}`,
    );
  }
  return list as ProducerPlugin[];
}

function producerIdOption(owner: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new ConfigError(`${owner}: option "producerId" must be a string, got ${typeof value}`);
  return value;
}

function schemasOption(owner: string, value: unknown): Record<string, StandardSchemaV1> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${owner}: option "schemas" must be an object of schemas by stream name`);
  for (const [stream, schema] of Object.entries(value)) schemaOption(owner, `schemas.${stream}`, schema);
  return value as Record<string, StandardSchemaV1>;
}
