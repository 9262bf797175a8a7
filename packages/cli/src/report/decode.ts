// Entries of the task, result and dead-letter streams decoded for display: one JSON-ready
// object each, plus a one-line text form. Payloads stay as written when they are not JSON.
import { jsonCodec } from '@sluice/core';
import { DLQ_FIELDS, TASK_FIELDS as FIELDS, fieldsToObject, type RawEntry } from '@sluice/core/plugin';
import type { parseResultEntry } from '@sluice/results';
import { clip, printable } from '../output/units.js';
import { loadResults } from './lazy.js';

export type Kind = 'tasks' | 'results' | 'dlq';

export interface Decoded {
  id: string;
  /** Consumer group that wrote it (results and dead letters). */
  group?: string | undefined;
  json: Record<string, unknown>;
  line: string;
}

function payload(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const show = (v: unknown) => printable(typeof v === 'string' ? v : JSON.stringify(v));

export function decodeTask(raw: RawEntry): Decoded {
  const f = fieldsToObject(raw.fields ?? []);
  const json = {
    id: raw.id,
    key: f[FIELDS.key],
    attempt: Number(f[FIELDS.attempt] ?? 1),
    origin: f[FIELDS.origin],
    data: payload(f[FIELDS.data]),
    headers: payload(f[FIELDS.headers]),
    err: f[FIELDS.error],
  };
  const parts = [raw.id];
  if (json.key !== undefined) parts.push(`key=${show(json.key)}`);
  if (json.attempt > 1) parts.push(`attempt=${json.attempt}`);
  if (json.origin !== undefined) parts.push(`origin=${json.origin}`);
  parts.push(f[FIELDS.data] === undefined ? '(no data field)' : show(f[FIELDS.data]));
  return { id: raw.id, json, line: parts.join('  ') };
}

export function decodeResult(raw: RawEntry, parse: typeof parseResultEntry): Decoded {
  const r = parse(raw, jsonCodec);
  if (!r) return { id: raw.id, json: { resultId: raw.id, malformed: true }, line: `${raw.id}  (not a result entry)` };
  const outcome = r.status === 'ok' ? (r.result === undefined ? '' : show(r.result)) : show(r.error ?? '');
  const retry = r.retryAt !== undefined ? `  retry at ${new Date(r.retryAt).toISOString()}` : '';
  return {
    id: raw.id,
    group: r.group,
    json: { ...r },
    line: `${raw.id}  ${r.status.padEnd(6)}  task ${r.id}  attempt ${r.attempt}  ${show(r.consumer)}  ${r.ms}ms  ${outcome}${retry}`,
  };
}

export function decodeDeadLetter(raw: RawEntry): Decoded {
  const f = fieldsToObject(raw.fields ?? []);
  const json = {
    id: raw.id,
    reason: f[DLQ_FIELDS.reason],
    error: f[DLQ_FIELDS.error],
    origin: f[DLQ_FIELDS.origin],
    attempt: Number(f[DLQ_FIELDS.attempt] ?? 1),
    consumer: f[DLQ_FIELDS.consumer],
    group: f[DLQ_FIELDS.group],
    key: f[FIELDS.key],
    data: payload(f[FIELDS.data]),
  };
  return {
    id: raw.id,
    group: json.group,
    json,
    line: `${raw.id}  ${show(json.reason ?? 'unknown')}  attempt ${json.attempt}  origin ${json.origin ?? '-'}  ${show(clip(json.error ?? '', 80))}  ${show(clip(f[FIELDS.data] ?? '', 80))}`,
  };
}

/** The decoder for a kind of stream (results need @sluice/results, loaded on first use). */
export async function decoderFor(kind: Kind): Promise<(raw: RawEntry) => Decoded> {
  if (kind === 'tasks') return decodeTask;
  if (kind === 'dlq') return decodeDeadLetter;
  const { parseResultEntry } = await loadResults();
  return (raw) => decodeResult(raw, parseResultEntry);
}
