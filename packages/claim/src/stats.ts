// Counters a recovery() plugin keeps for its consumer (metrics plugins read the consumer's
// events; these are for tests, logs and quick looks).

export interface RecoveryStats {
  /** Entries taken over from other consumers and handed to handlers. */
  reclaimed: number;
  /** Pending entries found deleted (trimmed) while pending; acked. */
  deleted: number;
  /** Entries dead-lettered with reason `max-deliveries` (by the reclaimer or at start). */
  poisoned: number;
  /** Retries written to the delayed set (applied settles only). */
  retried: number;
  /** Outcomes written as dead letters, by reason (applied settles only). */
  deadLettered: Record<string, number>;
  /** Outcomes dropped by the fence: another consumer owned the entry by then. */
  fenced: number;
  /** Idle-time refreshes of held entries. */
  touched: number;
  /** Held entries the keepalive found owned by someone else (they will be fenced). */
  lost: number;
  /** Consumers removed from the group by this consumer (idle, nothing pending). */
  removedConsumers: number;
}

export function emptyStats(): RecoveryStats {
  return {
    reclaimed: 0,
    deleted: 0,
    poisoned: 0,
    retried: 0,
    deadLettered: {},
    fenced: 0,
    touched: 0,
    lost: 0,
    removedConsumers: 0,
  };
}
