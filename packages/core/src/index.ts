// @sluice/core: streams, wire codec, keys, Lua scripts, Producer and Consumer.

export type { Codec, Entry, Headers, RawEntry, TaskFields } from './codec.js';
export {
  decodeEntry,
  encodeFields,
  F as FIELDS,
  fieldValue,
  jsonCodec,
  undecodedEntry,
  WIRE_VERSION,
} from './codec.js';
export type { Connection, RedisClient } from './connection.js';
export { closeQuietly, duplicateClient, openConnection, reconnectDelayMs } from './connection.js';
export type { ConsumerEvents } from './consumer.js';
export { Consumer } from './consumer.js';
export type { ConsumerOptions, Handler, HandlerContext } from './consumer-options.js';
export { CONSUMER_DEFAULTS, defaultConsumerName } from './consumer-options.js';
export { DLQ_FIELDS, deadLetterFields } from './deadletter.js';
export type { DelayedTask } from './delayed.js';
export { DELAYED_TAG, decodeDelayed, encodeDelayed, newDelayedId } from './delayed.js';
export {
  ClosedError,
  ConfigError,
  errorMessage,
  MalformedEntryError,
  NonRetryableError,
  PayloadError,
  SluiceError,
  TimeoutError,
} from './errors.js';
export { ensureGroup } from './group.js';
export type { KeyRole, StreamKeys } from './keys.js';
export { DEFAULT_PREFIX, KEY_ROLES, roleKeys, streamKeys, validateName } from './keys.js';
export type { Logger } from './log.js';
export { consoleLogger } from './log.js';
export { promoteScript } from './lua/promote.js';
export { publishScript } from './lua/publish.js';
export { settleScript } from './lua/settle.js';
export { touchScript } from './lua/touch.js';
export { connectionOption, fnOption, intOption, stringOption } from './options.js';
export type { DeadReason, Outcome, SettleWrite, Status } from './outcome.js';
export { STATUS } from './outcome.js';
export type { ConsumerPlugin, PluginContext } from './plugin.js';
export type { ProducerEvents, ProducerOptions, PublishOptions } from './producer.js';
export { PRODUCER_DEFAULTS, Producer } from './producer.js';
export type { ProducerPlugin, WaitOptions } from './producer-plugin.js';
export { validateProducerPlugins, withPluginHeaders } from './producer-plugin.js';
export { jittered, PROMOTE_BATCH, Promoter } from './promoter.js';
export { fieldsToObject, parseAutoClaimReply, parseRangeReply, parseReadReply, replyToObject } from './reply.js';
export type { ScheduleOptions } from './scheduler.js';
export { dueTime } from './scheduler.js';
export { Script } from './script.js';
export { settleArgs } from './settler.js';
