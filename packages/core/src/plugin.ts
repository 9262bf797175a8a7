// @sluice/core/plugin — the surface for sibling packages (@sluice/claim, @sluice/results,
// @sluice/cli) and third-party plugins: the plugin seam, keys, the wire format, scripts,
// connections, ids and timers. Users call '@sluice/core' (index.ts) instead.

export { defaultConsumerName } from './consumer/options.js';
export type { ConsumerPlugin, PluginContext } from './consumer/plugin-types.js';
export { errorMessage } from './errors.js';
export type { KeyRole, StreamKeys } from './keys.js';
export { DEFAULT_PREFIX, KEY_ROLES, roleKeys, streamKeys, validateName } from './keys.js';
export { childLogger } from './log.js';
export { FENCE_TRUST_MS, registerClaimerScript } from './lua/fence.js';
export { LUA_ID_LESS } from './lua/fragments.js';
export {
  IDMP_LUA,
  type IdempotentItem,
  idempotencyMarker,
  parsePublishIdempotentReply,
  publishIdempotentArgs,
  publishIdempotentScript,
} from './lua/idempotency.js';
export { PROMOTE_BATCH, parsePromoteReply, promoteArgs, promoteScript } from './lua/promote.js';
export { parsePublishReply, publishArgs, publishScript } from './lua/publish.js';
export { type ResourceKeys, resourceKeys } from './lua/resources.js';
export { parseSettleReply, settleArgs, settleFlags, settleScript } from './lua/settle.js';
export { parseTouchReply, touchArgs, touchScript } from './lua/touch.js';
export { parseTrimReply, trimArgs, trimScript } from './lua/trim.js';
export { connectionOption, fnOption, intOption, knownOptions, stringOption, tlsOption } from './options.js';
export type { ProducerPlugin, WaitOptions } from './producer/plugin.js';
export { withPluginHeaders } from './producer/plugin.js';
export { dueTime } from './producer/schedule.js';
export { aclRule, SLUICE_COMMANDS } from './redis/acl.js';
export type { ClientOption, Connection, RedisClient } from './redis/connection.js';
export {
  closeQuietly,
  discardClient,
  duplicateClient,
  LazyConnection,
  openConnection,
  reconnectDelayMs,
} from './redis/connection.js';
export { withCommandTimeout } from './redis/deadline.js';
export { ensureGroup, readGroupCommand } from './redis/group.js';
export { compareIds, entryIdOption, idMs, isEntryId, isIdBound } from './redis/ids.js';
export { hideUrl, redactText, redactUrl } from './redis/redact.js';
export { parseRangeReply, parseReadReply, replyToObject } from './redis/reply.js';
export { Script } from './redis/script.js';
export { resolveRetention } from './retention/options.js';
export { trimStream } from './retention/trimmer.js';
export { type ResourceState, readResourceState } from './schedule/resource-state.js';
export { jittered, Repeating } from './timer.js';
export { sleep, toError } from './util.js';
export { deadLetterFields } from './wire/deadletter.js';
export type { DelayedTask } from './wire/delayed.js';
export { decodeDelayed, encodeDelayed, newDelayedId } from './wire/delayed.js';
export {
  DEAD_REASONS,
  DELAYED_TAG,
  DLQ_FIELDS,
  LIMIT_FIELDS,
  RESULT_FIELDS,
  TASK_FIELDS,
  WIRE_VERSION,
} from './wire/fields.js';
export type { DeadReason, Outcome, SettleWrite, Status } from './wire/outcome.js';
export { newOutcome, STATUS } from './wire/outcome.js';
export type { ResultEntry } from './wire/result.js';
export { isFinal, parseResultEntry, resultFields } from './wire/result.js';
export { MAX_ERROR_CHARS, retryFields } from './wire/retry.js';
export type { Codec, Entry, Headers, RawEntry, TaskFields } from './wire/task.js';
export {
  decodeEntry,
  encodeFields,
  fieldsToObject,
  fieldValue,
  jsonCodec,
  safeDecode,
  undecodedEntry,
} from './wire/task.js';
