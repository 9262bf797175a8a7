// The dead-letter entry: the original fields plus why, when and where it died.
import { errorMessage } from '../errors.js';
import { DLQ_FIELDS } from './fields.js';
import type { Outcome } from './outcome.js';

const replaced = new Set<string>(Object.values(DLQ_FIELDS));

export function deadLetterFields(outcome: Outcome, group: string): string[] {
  const { entry } = outcome;
  const out: string[] = [];
  for (let i = 0; i + 1 < entry.fields.length; i += 2) {
    const name = entry.fields[i] as string;
    if (!replaced.has(name)) out.push(name, entry.fields[i + 1] as string);
  }
  out.push(
    DLQ_FIELDS.origin,
    entry.origin ?? entry.id,
    DLQ_FIELDS.attempt,
    String(entry.attempt),
    DLQ_FIELDS.reason,
    outcome.reason ?? 'unknown',
    DLQ_FIELDS.error,
    outcome.error ? errorMessage(outcome.error) : '',
    DLQ_FIELDS.consumer,
    outcome.consumer,
    DLQ_FIELDS.group,
    group,
    DLQ_FIELDS.deadAt,
    String(Date.now()),
  );
  if (entry.deliveries !== undefined) out.push(DLQ_FIELDS.deliveries, String(entry.deliveries));
  return out;
}
