// @sluice/core — what users call: Producer, Consumer, their options and events, errors,
// the logger and codec seams. Plugin authors and sibling packages: '@sluice/core/plugin'.

export { Consumer } from './consumer/consumer.js';
export type { ConsumerEvents } from './consumer/events.js';
export type { ConsumerOptions, Handler, HandlerContext } from './consumer/options.js';
export { CONSUMER_DEFAULTS } from './consumer/options.js';
export type { ConsumerPlugin, PluginContext } from './consumer/plugin-types.js';
export {
  ClosedError,
  ConfigError,
  DelayedFullError,
  MalformedEntryError,
  NonRetryableError,
  PayloadError,
  SluiceError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export type { LogFn, Logger } from './log.js';
export { consoleLogger } from './log.js';
export type { UnfitShape } from './lua/resources.js';
export type { ProducerOptions } from './producer/options.js';
export { PRODUCER_DEFAULTS } from './producer/options.js';
export type { ProducerPlugin, WaitOptions } from './producer/plugin.js';
export type { ProducerEvents, PublishOptions, StreamMap, StreamProducer } from './producer/producer.js';
export { Producer } from './producer/producer.js';
export type { ScheduleOptions } from './producer/schedule.js';
export { aclRule } from './redis/acl.js';
export type { ClientOption, RedisClient, TlsOptions } from './redis/connection.js';
export { redactUrl } from './redis/redact.js';
export { ReplicationError } from './redis/wait.js';
export type { RetentionOptions } from './retention/options.js';
export { RETENTION_DEFAULTS } from './retention/options.js';
export type { TrimResult } from './retention/trimmer.js';
export type { PlacementOptions, Resources } from './schedule/capacity.js';
export { PLACEMENT_DEFAULTS } from './schedule/capacity.js';
export type { SchemaOutput, StandardSchemaV1 } from './schema/validate.js';
export type { ShardedConsumerOptions } from './shard/consumer.js';
export { ShardedConsumer } from './shard/consumer.js';
export type { OrderedOptions } from './shard/ordered-options.js';
export { ORDERED_DEFAULTS } from './shard/ordered-options.js';
export { shardNames, shardOf } from './shard/route.js';
export type { DeadReason, Outcome, Status } from './wire/outcome.js';
export type { Codec, Entry, Headers } from './wire/task.js';
export { jsonCodec } from './wire/task.js';
