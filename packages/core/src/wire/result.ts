// The result entry (wire format v1, docs/wire-format.md "Result entry"): one per outcome,
// written by the settle script in the same call as the XACK.
import { errorMessage } from '../errors.js';
import { RESULT_FIELDS as F } from './fields.js';
import type { Outcome, Status } from './outcome.js';
import { type Codec, fieldsToObject, type RawEntry } from './task.js';

/** A decoded result entry. */
export interface ResultEntry<R = unknown> {
  /** This entry's own id in the `:results` stream. */
  resultId: string;
  /** The task entry the outcome is for. */
  id: string;
  /** The first entry of the task (`id` itself on a first attempt); `waitFor` matches on it. */
  origin: string;
  status: Status;
  /** False when another attempt follows (a retry was scheduled, or the entry stays pending). */
  final: boolean;
  attempt: number;
  /** Handler run time in ms. */
  ms: number;
  consumer: string;
  group: string;
  /** The handler's return value (status `ok`), decoded with the codec. */
  result?: R;
  /** The error as `Name: message` (status `failed` / `dead`, or a result that could not be stored). */
  error?: string;
  /** Why it was dead-lettered (status `dead`). */
  reason?: string;
  /** When the retry is due, ms since the epoch (retried outcomes). */
  retryAt?: number;
}

/** An outcome is final when it is acked and no retry follows. */
export function isFinal(outcome: Outcome): boolean {
  return outcome.ack && outcome.retryAt === undefined;
}

/**
 * The field/value list for an outcome. A result the codec cannot encode, or one over
 * `maxResultBytes`, is left out and explained in `error` (the outcome itself stays `ok`).
 */
export function resultFields(outcome: Outcome, group: string, codec: Codec, maxResultBytes: number): string[] {
  const { entry } = outcome;
  // biome-ignore format: field/value pairs read best one pair a line
  const out: string[] = [
    F.id, entry.id,
    F.status, outcome.status,
    F.final, isFinal(outcome) ? '1' : '0',
    F.attempt, String(entry.attempt),
    F.ms, String(Math.round(outcome.durationMs * 1000) / 1000),
    F.consumer, outcome.consumer,
    F.group, group,
  ];
  // Like a task entry, `origin` is only there on retries and replays: absent means `id`.
  if (entry.origin !== undefined && entry.origin !== entry.id) out.push(F.origin, entry.origin);
  if (outcome.status === 'ok' && outcome.result !== undefined) {
    let text: string | undefined;
    let problem: string | undefined;
    try {
      text = codec.encode(outcome.result);
    } catch (err) {
      problem = `result not stored: ${errorMessage(err)}`;
    }
    if (text !== undefined && Buffer.byteLength(text) > maxResultBytes) {
      problem = `result not stored: ${Buffer.byteLength(text)} bytes, over maxResultBytes=${maxResultBytes}`;
      text = undefined;
    }
    if (text !== undefined) out.push(F.result, text);
    if (problem !== undefined) out.push(F.error, problem);
  }
  if (outcome.error !== undefined) out.push(F.error, errorMessage(outcome.error));
  if (outcome.reason !== undefined) out.push(F.reason, String(outcome.reason));
  if (outcome.retryAt !== undefined) out.push(F.retryAt, String(outcome.retryAt));
  return out;
}

/** Decode a `:results` entry; undefined when it is not one (missing `id` or `status`). */
export function parseResultEntry<R = unknown>(raw: RawEntry, codec: Codec): ResultEntry<R> | undefined {
  const f = raw.fields;
  if (!f) return undefined;
  const v = fieldsToObject(f);
  const id = v[F.id];
  const status = v[F.status];
  if (id === undefined || (status !== 'ok' && status !== 'failed' && status !== 'dead')) return undefined;
  const out: ResultEntry<R> = {
    resultId: raw.id,
    id,
    origin: v[F.origin] ?? id,
    status,
    final: v[F.final] !== '0',
    attempt: Number(v[F.attempt] ?? 1),
    ms: Number(v[F.ms] ?? 0),
    consumer: v[F.consumer] ?? '',
    group: v[F.group] ?? '',
  };
  const result = v[F.result];
  if (result !== undefined) {
    try {
      out.result = codec.decode(result) as R;
    } catch (err) {
      out.error = `result does not decode: ${errorMessage(err)}`;
    }
  }
  if (v[F.error] !== undefined) out.error = v[F.error];
  if (v[F.reason] !== undefined) out.reason = v[F.reason];
  if (v[F.retryAt] !== undefined) out.retryAt = Number(v[F.retryAt]);
  return out;
}
