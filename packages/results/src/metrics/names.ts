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
  trimmedUnprocessed: {
    name: 'sluice_trimmed_unprocessed_total',
    type: 'counter',
    labels: ['stream', 'group'],
    help: 'Entries retention.hardCap trimmed before every group had processed them (lost; counted by the consumer that trimmed).',
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
  groupLagSeconds: {
    name: 'sluice_group_lag_seconds',
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Age (from its id) of the oldest entry not yet delivered to the group; 0 when none is waiting.',
  },
  pendingMaxIdle: {
    name: 'sluice_pending_max_idle_seconds',
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Longest time since delivery (or keepalive) among the oldest pending entries: a stuck or orphaned entry.',
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
  backlogLength: {
    name: 'sluice_backlog_length',
    type: 'gauge',
    labels: ['stream', 'order'],
    help: 'Ordered tasks waiting in the backlog for dispatch: order="lifo", or "ranked" (priority, deadline, estimate).',
  },
  keyRunning: {
    name: 'sluice_key_running',
    type: 'gauge',
    labels: ['stream', 'kind'],
    help: 'Key concurrency (ordering.keyConcurrency): tasks holding a slot of their key, kind="tasks", and the distinct keys they hold, kind="keys".',
  },
  rateLimited: {
    name: 'sluice_rate_limited_total',
    type: 'counter',
    labels: ['stream'],
    help: 'Dispatches that held waiting tasks back for a rate limit: once per call at the stream limit, once per key skipped at its own.',
  },
  unschedulable: {
    name: 'sluice_unschedulable',
    type: 'gauge',
    labels: ['stream'],
    help: 'Tasks waiting for resources that no live consumer could ever run: their requires exceed every live capacity (kept queued).',
  },
  buildInfo: {
    name: 'sluice_build_info',
    type: 'gauge',
    labels: ['version'],
    help: 'Always 1; the @sluice/results version of the process in the label.',
  },
} as const;

export type MetricKey = keyof typeof METRICS;

/** Default buckets (seconds) of sluice_handler_duration_seconds. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Default buckets (seconds) of sluice_end_to_end_latency_seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
