// Wire format v1 (docs/wire-format.md): how a task becomes stream fields and back.
import { MalformedEntryError, PayloadError } from '../errors.js';
import { TASK_FIELDS as F, WIRE_VERSION } from './fields.js';
import { parseJson } from './json.js';

/** Turns payloads into the `data` field and back. JSON unless you plug in another. */
export interface Codec {
  encode(value: unknown): string;
  decode(text: string): unknown;
}

export const jsonCodec: Codec = {
  encode(value) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (err) {
      throw new PayloadError(`payload is not JSON-serializable: ${(err as Error).message}`, { cause: err });
    }
    if (text === undefined) throw new PayloadError(`payload of type ${typeof value} is not JSON-serializable`);
    return text;
  },
  decode: parseJson,
};

export type Headers = Record<string, string>;

/** What a producer writes for one task (the payload already encoded). */
export interface TaskFields {
  data: string;
  key?: string | undefined;
  attempt?: number | undefined;
  origin?: string | undefined;
  headers?: Headers | undefined;
  err?: string | undefined;
}

/** Field/value list for XADD, in wire order. */
export function encodeFields(task: TaskFields): string[] {
  const out = [F.version, WIRE_VERSION, F.data, task.data];
  if (task.key !== undefined) out.push(F.key, task.key);
  if (task.attempt !== undefined && task.attempt !== 1) out.push(F.attempt, String(task.attempt));
  if (task.origin !== undefined) out.push(F.origin, task.origin);
  if (task.headers !== undefined && Object.keys(task.headers).length > 0)
    out.push(F.headers, JSON.stringify(task.headers));
  if (task.err !== undefined) out.push(F.error, task.err);
  return out;
}

/** An entry as read from Redis: id plus the raw field/value list (null when it was deleted). */
export interface RawEntry {
  id: string;
  fields: string[] | null;
}

/** A decoded task handed to a handler. */
export interface Entry<T = unknown> {
  id: string;
  /** Logical stream name. */
  stream: string;
  payload: T;
  key: string | undefined;
  /** 1-based attempt number. */
  attempt: number;
  /** Id of the first entry of this task (retries and replays), else undefined. */
  origin: string | undefined;
  headers: Headers;
  /** The previous attempt's error, on retries. */
  err: string | undefined;
  /** How many times Redis delivered this entry, when the source knows it. */
  deliveries: number | undefined;
  /** Raw field/value list, kept for dead letters and unknown fields. */
  fields: string[];
}

/** Last value of a field (duplicates are legal in streams; the last one wins). */
export function fieldValue(fields: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) found = fields[i + 1];
  return found;
}

/** Field/value list → object (last duplicate wins). */
export function fieldsToObject(fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
  return out;
}

/** Decode one entry; throws MalformedEntryError with the reason when it is not wire format v1. */
export function decodeEntry<T>(
  stream: string,
  raw: RawEntry,
  codec: Codec,
  deliveries?: number,
  maxEntryBytes = Number.POSITIVE_INFINITY,
): Entry<T> {
  const fields = raw.fields ?? [];
  let version: string | undefined;
  let data: string | undefined;
  let key: string | undefined;
  let attemptText: string | undefined;
  let origin: string | undefined;
  let h: string | undefined;
  let err: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    switch (fields[i]) {
      case F.version:
        version = value;
        break;
      case F.data:
        data = value;
        break;
      case F.key:
        key = value;
        break;
      case F.attempt:
        attemptText = value;
        break;
      case F.origin:
        origin = value;
        break;
      case F.headers:
        h = value;
        break;
      case F.error:
        err = value;
        break;
    }
  }
  if (version !== WIRE_VERSION)
    throw new MalformedEntryError(`unsupported wire version ${JSON.stringify(version)} (expected "1")`);
  if (data === undefined) throw new MalformedEntryError('missing field "data"');
  // A UTF-16 code unit is at most 3 UTF-8 bytes: count bytes only when the text could be too big.
  if (data.length * 3 > maxEntryBytes && Buffer.byteLength(data) > maxEntryBytes)
    throw new MalformedEntryError(
      `field "data" is ${Buffer.byteLength(data)} bytes, over maxEntryBytes=${maxEntryBytes}`,
    );
  let payload: T;
  try {
    payload = codec.decode(data) as T;
  } catch (cause) {
    throw new MalformedEntryError(`field "data" does not decode: ${(cause as Error).message}`, { cause });
  }
  let attempt = 1;
  if (attemptText !== undefined) {
    attempt = Number(attemptText);
    if (!Number.isInteger(attempt) || attempt < 1)
      throw new MalformedEntryError(`field "attempt" must be a positive integer, got ${JSON.stringify(attemptText)}`);
  }
  let headers: Headers = {};
  if (h !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseJson(h);
    } catch (cause) {
      throw new MalformedEntryError(`field "h" is not JSON: ${(cause as Error).message}`, { cause });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new MalformedEntryError('field "h" must be a JSON object');
    for (const name in parsed) {
      if (typeof (parsed as Record<string, unknown>)[name] !== 'string')
        throw new MalformedEntryError(`header ${JSON.stringify(name)} must be a string`);
    }
    headers = parsed as Headers;
  }
  return { id: raw.id, stream, payload, key, attempt, origin, headers, err, deliveries, fields };
}

/** A stand-in entry for one that could not be decoded, so it can still be dead-lettered. */
export function undecodedEntry(stream: string, raw: RawEntry, deliveries?: number): Entry<undefined> {
  const fields = raw.fields ?? [];
  return {
    id: raw.id,
    stream,
    payload: undefined,
    key: fieldValue(fields, F.key),
    attempt: 1,
    origin: fieldValue(fields, F.origin),
    headers: {},
    err: undefined,
    deliveries,
    fields,
  };
}

/** Decode when possible, else a stand-in that can still be dead-lettered. */
export function safeDecode(stream: string, raw: RawEntry, codec: Codec, deliveries?: number): Entry {
  try {
    return decodeEntry(stream, raw, codec, deliveries);
  } catch {
    return undecodedEntry(stream, raw, deliveries);
  }
}
