// Members of a stream's `:delayed` sorted set (score = due time in ms): a task's wire fields
// waiting to be promoted into the stream. Written by scheduled publishes and by retries,
// read by the promote script (lua/promote.ts), which decodes the same JSON with cjson.
//
// Format v1: a JSON array `["d1:<nonce>", field, value, field, value, ...]`. The nonce makes
// every member unique, so two identical tasks due at the same time are two members.
import { randomBytes } from 'node:crypto';
import { MalformedEntryError } from '../errors.js';
import { DELAYED_TAG } from './fields.js';

export interface DelayedTask {
  /** `d1:<16 hex>`: the schedule id a delayed publish resolves with. */
  id: string;
  /** Wire-format field/value list the promoted entry will carry. */
  fields: string[];
}

/** A fresh schedule id (`d1:` + 64 random bits in hex). */
export function newDelayedId(): string {
  return DELAYED_TAG + randomBytes(8).toString('hex');
}

/** The sorted-set member for a task; pass `id` to reuse a schedule id. */
export function encodeDelayed(fields: readonly string[], id: string = newDelayedId()): string {
  if (fields.length === 0 || fields.length % 2 !== 0) {
    throw new MalformedEntryError(`delayed task needs field/value pairs, got ${fields.length} strings`);
  }
  return JSON.stringify([id, ...fields]);
}

/** Decode a member; throws MalformedEntryError when it is not format v1. */
export function decodeDelayed(member: string): DelayedTask {
  let parsed: unknown;
  try {
    parsed = JSON.parse(member);
  } catch (cause) {
    throw new MalformedEntryError(`delayed member is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length < 3 ||
    parsed.length % 2 !== 1 ||
    !parsed.every((x) => typeof x === 'string') ||
    !(parsed[0] as string).startsWith(DELAYED_TAG)
  ) {
    throw new MalformedEntryError('delayed member must be a JSON array ["d1:<nonce>", field, value, ...] of strings');
  }
  const [id, ...fields] = parsed as string[];
  return { id: id as string, fields };
}
