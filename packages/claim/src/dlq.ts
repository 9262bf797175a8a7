// Reading the dead-letter stream: what died, when, why, and which ones a query selects.
// `replay()` (replay.ts) uses the same query to move dead letters back.
import { ConfigError, type RedisClient, shardNames } from '@sluice/core';
import {
  compareIds,
  DEFAULT_PREFIX,
  DLQ_FIELDS,
  TASK_FIELDS as FIELDS,
  fieldsToObject,
  intOption,
  isIdBound,
  parseRangeReply,
  type RawEntry,
  type StreamKeys,
  streamKeys,
} from '@sluice/core/plugin';

export interface DeadLetter {
  /** Id of the dead letter in the `:dlq` stream (its ms part is when it died). */
  id: string;
  /** The (physical) stream it died in: the stream asked for, or one of its shards (`orders:3`). */
  stream: string;
  reason: string;
  /** The last error, as `Name: message`. */
  error: string;
  /** The task's first entry id. */
  origin: string | undefined;
  /** The attempt that died. */
  attempt: number;
  consumer: string | undefined;
  group: string | undefined;
  /** Delivery count when known (max-deliveries). */
  deliveries: number | undefined;
  deadAt: number;
  /** The payload as written on the wire (JSON text by default). */
  data: string | undefined;
  key: string | undefined;
  /** All fields, raw. */
  fields: Record<string, string>;
}

/** Which dead letters: a DLQ id range or time range, narrowed by reason, group and error text. */
export interface DeadLetterQuery {
  /** Key prefix. @defaultValue "sluice" */
  prefix?: string;
  /** First dead letter: a DLQ id, or a time (Date or ms) it died at or after. @defaultValue oldest */
  from?: string | number | Date;
  /** Last dead letter: a DLQ id, or a time it died at or before. @defaultValue newest */
  to?: string | number | Date;
  /** Only dead letters whose error contains this text or matches this RegExp. */
  errorMatch?: string | RegExp;
  /** Only this reason (`attempts-exhausted`, `non-retryable`, `max-deliveries`, `malformed`). */
  reason?: string;
  /** Only dead letters written by this consumer group. */
  group?: string;
  /**
   * The stream is a sharded logical stream with this many shards (Producer `shards`): read
   * every shard's dead letters as one stream (`stream` on each says its shard). @defaultValue not sharded
   */
  shards?: number;
}

/** The physical streams a query reads: the stream itself, or its shards (validated). */
export function queryStreams(owner: string, stream: string, q: DeadLetterQuery): string[] {
  if (q.shards === undefined) return [stream];
  return shardNames(stream, intOption(owner, 'shards', q.shards, 1, 256));
}

export interface ListOptions extends DeadLetterQuery {
  /** Most dead letters returned. @defaultValue 100 */
  count?: number;
}

/** Range bound for XRANGE: an id as-is, a time as its ms (Redis fills in the sequence). */
export function rangeBound(value: string | number | Date | undefined, open: '-' | '+', field: string): string {
  if (value === undefined) return open;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms === 'number') {
    if (!Number.isInteger(ms) || ms < 0)
      throw new ConfigError(`option "${field}" must be a time in ms >= 0, got ${ms}`);
    return String(ms);
  }
  if (typeof ms !== 'string' || !isIdBound(ms)) {
    throw new ConfigError(`option "${field}" must be a stream id, a Date or ms, got ${JSON.stringify(value)}`);
  }
  return ms;
}

export function toDeadLetter(raw: RawEntry, stream: string): DeadLetter {
  const f = fieldsToObject(raw.fields ?? []);
  const deliveries = f[DLQ_FIELDS.deliveries];
  return {
    id: raw.id,
    stream,
    reason: f[DLQ_FIELDS.reason] ?? 'unknown',
    error: f[DLQ_FIELDS.error] ?? '',
    origin: f[DLQ_FIELDS.origin],
    attempt: Number(f[DLQ_FIELDS.attempt] ?? 1),
    consumer: f[DLQ_FIELDS.consumer],
    group: f[DLQ_FIELDS.group],
    deliveries: deliveries === undefined ? undefined : Number(deliveries),
    deadAt: Number(f[DLQ_FIELDS.deadAt] ?? raw.id.split('-')[0]),
    data: f[FIELDS.data],
    key: f[FIELDS.key],
    fields: f,
  };
}

/** A predicate for the query's reason / group / errorMatch filters. */
export function matcher(q: DeadLetterQuery): (d: DeadLetter) => boolean {
  const { errorMatch, reason, group } = q;
  if (errorMatch !== undefined && typeof errorMatch !== 'string' && !(errorMatch instanceof RegExp)) {
    throw new ConfigError(`option "errorMatch" must be a string or a RegExp, got ${typeof errorMatch}`);
  }
  return (d) =>
    (reason === undefined || d.reason === reason) &&
    (group === undefined || d.group === group) &&
    (errorMatch === undefined ||
      (typeof errorMatch === 'string' ? d.error.includes(errorMatch) : new RegExp(errorMatch).test(d.error)));
}

export function dlqKeys(stream: string, prefix: string | undefined): StreamKeys {
  return streamKeys(stream, prefix ?? DEFAULT_PREFIX);
}

/**
 * Walk the DLQ from `from` to `to` in pages, yielding dead letters the query selects.
 * Paging is by id (exclusive start), so entries deleted meanwhile (replayed) are harmless.
 */
export async function* scanDeadLetters(
  client: RedisClient,
  keys: StreamKeys,
  q: DeadLetterQuery,
  pageSize: number,
): AsyncGenerator<DeadLetter> {
  const dlqKey = keys.dlq;
  const keep = matcher(q);
  let start = rangeBound(q.from, '-', 'from');
  const end = rangeBound(q.to, '+', 'to');
  for (;;) {
    const page = parseRangeReply(await client.sendCommand(['XRANGE', dlqKey, start, end, 'COUNT', String(pageSize)]));
    for (const raw of page) {
      const d = toDeadLetter(raw, keys.name);
      if (keep(d)) yield d;
    }
    if (page.length < pageSize) return;
    start = `(${(page[page.length - 1] as RawEntry).id}`;
  }
}

/** Dead letters of `stream` (with `shards`: of all its shards), oldest first, filtered by the query. */
export async function listDeadLetters(
  client: RedisClient,
  stream: string,
  opts: ListOptions = {},
): Promise<DeadLetter[]> {
  const count = intOption('listDeadLetters', 'count', opts.count ?? 100, 1, 1_000_000);
  const out: DeadLetter[] = [];
  for (const name of queryStreams('listDeadLetters', stream, opts)) {
    let n = 0;
    for await (const d of scanDeadLetters(client, dlqKeys(name, opts.prefix), opts, Math.min(count, 500))) {
      out.push(d);
      if (++n >= count) break;
    }
  }
  // Shards' dead letters merged by when they died (DLQ ids are times).
  if (opts.shards !== undefined) out.sort((a, b) => compareIds(a.id, b.id));
  return out.slice(0, count);
}
