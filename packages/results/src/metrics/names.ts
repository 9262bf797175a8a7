// Every metric Sluice exports: name, type, labels and meaning. The docs table, the Grafana
// dashboard and the alert rules are checked against this list.

export const METRICS = {
  published: {
    name: 'sluice_published_total',
    type: 'counter',
    labels: ['stream'],
    help: 'Entries written to the stream by producers.',
  },
  processed: {
    name: 'sluice_processed_total',
    type: 'counter',
    labels: ['stream', 'group', 'status'],
    help: 'Outcomes recorded, by status (ok, failed, dead); a retried task counts once per attempt.',
  },
  retries: {
    name: 'sluice_retries_total',
    type: 'counter',
    labels: ['stream', 'group'],
    help: 'Failed attempts scheduled for another attempt.',
  },
  deadLettered: {
    name: 'sluice_dead_lettered_total',
    type: 'counter',
    labels: ['stream', 'group', 'reason'],
    help: 'Entries written to the dead-letter stream, by reason.',
  },
  reclaimed: {
    name: 'sluice_reclaimed_total',
    type: 'counter',
    labels: ['stream', 'group'],
    help: 'Entries taken over from dead or stalled consumers.',
  },
  fenced: {
    name: 'sluice_fenced_total',
    type: 'counter',
    labels: ['stream', 'group'],
    help: 'Outcomes dropped because another consumer owned the entry by then.',
  },
  malformed: {
    name: 'sluice_malformed_total',
    type: 'counter',
    labels: ['stream', 'group'],
    help: 'Entries that did not decode (dead-lettered with reason malformed).',
  },
  deletedPending: {
    name: 'sluice_deleted_pending_total',
    type: 'counter',
    labels: ['stream', 'group'],
    help: 'Pending entries found deleted (trimmed) from the stream: acked and counted, never handled.',
  },
  handlerDuration: {
    name: 'sluice_handler_duration_seconds',
    type: 'histogram',
    labels: ['stream', 'group'],
    help: 'Handler run time.',
  },
  endToEnd: {
    name: 'sluice_end_to_end_latency_seconds',
    type: 'histogram',
    labels: ['stream', 'group'],
    help: 'From first publish (entry id time) to the final outcome being settled.',
  },
  streamLength: {
    name: 'sluice_stream_length',
    type: 'gauge',
    labels: ['stream'],
    help: 'Entries in the stream (XLEN).',
  },
  groupLag: {
    name: 'sluice_group_lag',
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Entries in the stream not yet delivered to the group.',
  },
  groupPending: {
    name: 'sluice_group_pending',
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Entries delivered to the group and not acked yet (its PEL).',
  },
  oldestPendingAge: {
    name: 'sluice_oldest_pending_age_seconds',
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Age (since publish) of the oldest entry in the PEL; 0 when none is pending.',
  },
  consumers: {
    name: 'sluice_consumers',
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Consumers of the group that read within consumerIdleMs.',
  },
  dlqLength: {
    name: 'sluice_dlq_length',
    type: 'gauge',
    labels: ['stream'],
    help: 'Entries in the dead-letter stream.',
  },
  delayedLength: {
    name: 'sluice_delayed_length',
    type: 'gauge',
    labels: ['stream'],
    help: 'Retries and scheduled tasks waiting in the delayed set.',
  },
} as const;

export type MetricKey = keyof typeof METRICS;

/** Default buckets (seconds) of sluice_handler_duration_seconds. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Default buckets (seconds) of sluice_end_to_end_latency_seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
