// The next attempt of a failed task: the same wire fields with attempt + 1, `origin` kept
// and `err` set. Written into `:delayed` by the retry policy (@sluice/claim).
import { errorMessage } from '../errors.js';
import { TASK_FIELDS as F } from './fields.js';
import type { Entry } from './task.js';

/** Longest `err` text carried to the next attempt (a handler may throw a huge message). */
export const MAX_ERROR_CHARS = 4096;

/**
 * The next attempt's wire fields: the entry's own fields (data, key, headers and any
 * unknown ones, untouched) with `attempt` + 1, `origin` kept (or set to this entry's id on
 * the first retry) and `err` set to the error that caused the retry.
 */
export function retryFields(entry: Entry, error: Error | undefined): string[] {
  const out: string[] = [];
  const { fields } = entry;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] as string;
    if (name !== F.attempt && name !== F.origin && name !== F.error) out.push(name, fields[i + 1] as string);
  }
  const err = error ? errorMessage(error).slice(0, MAX_ERROR_CHARS) : 'failed';
  out.push(F.attempt, String(entry.attempt + 1), F.origin, entry.origin ?? entry.id, F.error, err);
  return out;
}
