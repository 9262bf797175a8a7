// @sluice/core: streams, wire codec, keys, Lua scripts, Producer and Consumer.
export { Producer, PRODUCER_DEFAULTS } from './producer.js';
export type { ProducerOptions, PublishOptions, ProducerEvents } from './producer.js';
export { Consumer } from './consumer.js';
export type { ConsumerEvents } from './consumer.js';
export { CONSUMER_DEFAULTS, defaultConsumerName } from './consumer-options.js';
export type { ConsumerOptions, Handler, HandlerContext } from './consumer-options.js';
export type { ConsumerPlugin, PluginContext } from './plugin.js';
export { STATUS } from './outcome.js';
export type { Outcome, Status, DeadReason, SettleWrite } from './outcome.js';
export { streamKeys, roleKeys, validateName, DEFAULT_PREFIX, KEY_ROLES } from './keys.js';
export type { StreamKeys, KeyRole } from './keys.js';
export { jsonCodec, encodeFields, decodeEntry, undecodedEntry, fieldValue, WIRE_VERSION, F as FIELDS } from './codec.js';
export type { Codec, Entry, RawEntry, Headers, TaskFields } from './codec.js';
export { DLQ_FIELDS, deadLetterFields } from './deadletter.js';
export { Script } from './script.js';
export { publishScript } from './lua/publish.js';
export { settleScript } from './lua/settle.js';
export { settleArgs } from './settler.js';
export { openConnection, closeQuietly, duplicateClient, reconnectDelayMs } from './connection.js';
export type { RedisClient, Connection } from './connection.js';
export { ensureGroup } from './group.js';
export { parseReadReply, parseRangeReply, parseAutoClaimReply, fieldsToObject } from './reply.js';
export { intOption, fnOption, stringOption, connectionOption } from './options.js';
export { consoleLogger } from './log.js';
export type { Logger } from './log.js';
export {
  SluiceError,
  ConfigError,
  PayloadError,
  MalformedEntryError,
  NonRetryableError,
  TimeoutError,
  ClosedError,
  errorMessage,
} from './errors.js';
