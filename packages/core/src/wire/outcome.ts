// What happened to one entry, and the writes that go with its ack in the settle script.
import type { KeyRole } from '../keys.js';
import type { DEAD_REASONS } from './fields.js';
import type { Entry } from './task.js';

export const STATUS = { ok: 'ok', failed: 'failed', dead: 'dead' } as const;
export type Status = (typeof STATUS)[keyof typeof STATUS];

/** Why an entry was dead-lettered. */
export type DeadReason = (typeof DEAD_REASONS)[keyof typeof DEAD_REASONS] | (string & {});

/** A write applied in the same script call as the ack, only if the owner check passes. */
export type SettleWrite =
  | {
      op: 'xadd';
      key: KeyRole;
      fields: string[];
      /** Approximate trim applied with the XADD. */
      trim?: { kind: 'MAXLEN' | 'MINID'; value: string } | undefined;
    }
  | { op: 'zadd'; key: KeyRole; score: number; member: string };

export interface Outcome<R = unknown> {
  entry: Entry;
  /** `ok` handler resolved · `failed` it threw or timed out · `dead` it goes to the DLQ. */
  status: Status;
  result?: R;
  error?: Error | undefined;
  /** Set when status is `dead`. */
  reason?: DeadReason | undefined;
  /** Handler run time (0 when the handler did not run). */
  durationMs: number;
  /** Consumer that produced the outcome. */
  consumer: string;
  /** Whether the settle script acks the entry. Defaults: ok → true, failed → false, dead → true. */
  ack: boolean;
  /** When a plugin scheduled a retry: its due time in ms since the epoch. */
  retryAt?: number | undefined;
  /** Extra writes in the same script call, added by core and plugins. */
  writes: SettleWrite[];
}

/** A fresh outcome: acked unless it failed (a retry policy may change that), no writes yet. */
export function newOutcome<R>(
  entry: Entry,
  status: Status,
  consumer: string,
  durationMs: number,
  error?: Error,
  reason?: DeadReason,
): Outcome<R> {
  return { entry, status, error, reason, durationMs, consumer, ack: status !== 'failed', writes: [] };
}
