// Every field name of wire format v1 (docs/wire-format.md), in one place. The Lua scripts
// take their field names from here too, so a rename cannot drift between TS and Lua.

/** The `v` field's value for wire format v1. */
export const WIRE_VERSION = '1';

/** Field names of a task entry (stream, delayed member, retry, replay). */
export const TASK_FIELDS = {
  version: 'v',
  data: 'data',
  key: 'key',
  attempt: 'attempt',
  origin: 'origin',
  headers: 'h',
  error: 'err',
} as const;

/**
 * Fields of the `:limits` hash: the bounds last applied to a stream, so `sluice inspect` can
 * say what each part will keep. Retention's are written by each trim, `delayedMax` by each
 * scheduled publish; `trimmedAt` is the ms of the last trim.
 */
export const LIMIT_FIELDS = {
  keepAcked: 'keepAcked',
  maxAgeMs: 'maxAgeMs',
  hardCap: 'hardCap',
  dlqMaxLen: 'dlqMaxLen',
  dlqMaxAgeMs: 'dlqMaxAgeMs',
  trimmedAt: 'trimmedAt',
  delayedMax: 'delayedMax',
} as const;

/** Fields a dead letter adds to the original entry's fields. */
export const DLQ_FIELDS = {
  reason: 'reason',
  error: 'err',
  origin: 'origin',
  attempt: 'attempt',
  consumer: 'consumer',
  group: 'group',
  deliveries: 'deliveries',
  deadAt: 'deadAt',
  /** The raw sorted-set member, on a delayed member that did not decode. */
  member: 'member',
} as const;

/** Field names of a result entry. */
export const RESULT_FIELDS = {
  id: 'id',
  origin: 'origin',
  status: 'status',
  final: 'final',
  attempt: 'attempt',
  ms: 'ms',
  consumer: 'consumer',
  group: 'group',
  result: 'result',
  error: 'error',
  reason: 'reason',
  retryAt: 'retryAt',
} as const;

/** Why an entry was dead-lettered. */
export const DEAD_REASONS = {
  malformed: 'malformed',
  maxDeliveries: 'max-deliveries',
  attemptsExhausted: 'attempts-exhausted',
  nonRetryable: 'non-retryable',
  /** The payload failed the consumer's schema. */
  invalid: 'invalid',
  /** An ordered task still waiting in the backlog past its deadline. */
  expired: 'expired',
} as const;

/** Fields an ordered task carries (docs/ordering.md): its backlog score and its deadline. */
export const ORDER_FIELDS = {
  /** The backlog score: a retry or delayed ordered task goes back to the backlog with it. */
  order: 'ord',
  /** Deadline, epoch ms: past it a waiting task is dead-lettered `expired`. */
  deadline: 'dl',
  /** Expected handler ms (publish option `estimatedMs`): the task's cost in cost-aware fair share. */
  estimate: 'est',
  /** The task's type (publish option `type`): cost-aware fair share learns handler time per type. */
  type: 'type',
} as const;

/** Field a task published with `requires` carries (docs/allocation.md, "Resources"). */
export const RESOURCE_FIELDS = {
  /** What the task needs, canonical JSON `{"cpu":2,"gpu":1}` (names sorted): also its shape's id. */
  requires: 'req',
} as const;

/** First characters of a backlog member's tag (`b1:<14 hex seq>`); equal scores sort by it, FIFO. */
export const BACKLOG_TAG = 'b1:';

/** First characters of a delayed member's id (delayed member format v1, see delayed.ts). */
export const DELAYED_TAG = 'd1:';
