// @sluice/results: result entries written with the ack, waiting for and reading outcomes,
// Prometheus metrics with a /metrics server, and trace propagation.

export type { ResultEntry } from '@sluice/core/plugin';
export { isFinal, parseResultEntry, RESULT_FIELDS, resultFields } from '@sluice/core/plugin';
export { WaitTimeoutError } from './errors.js';
export type { LagInputs } from './metrics/lag.js';
export { countAfterScript, groupLag, lagFromInfo } from './metrics/lag.js';
export type { MetricKey } from './metrics/names.js';
export { DURATION_BUCKETS, LATENCY_BUCKETS, METRICS } from './metrics/names.js';
export type { Health, SluiceMetrics, SluiceMetricsOptions } from './metrics/plugin.js';
export { METRICS_DEFAULTS, sluiceMetrics } from './metrics/plugin.js';
export type { MetricsServer, ServeMetricsOptions } from './metrics/server.js';
export { metricsHandler, SERVE_METRICS_DEFAULTS, serveMetrics } from './metrics/server.js';
export type { ResultsPluginOptions } from './plugin.js';
export { RESULTS_PLUGIN_DEFAULTS, results } from './plugin.js';
export type { RepliesOptions } from './replies.js';
export { replies } from './replies.js';
export type { ResultsOptions } from './results.js';
export { RESULTS_DEFAULTS, Results } from './results.js';
export type { ShardedResultsOptions, ShardOf, ShardResultEntry } from './sharded.js';
export { ShardedResults } from './sharded.js';
export type { TaskState, TaskStatus } from './status.js';
export type { TailOptions } from './tail.js';
export type { TraceParent } from './traceparent.js';
export { formatTraceparent, parseTraceparent } from './traceparent.js';
export type { TracingOptions, TracingPlugin } from './tracing.js';
export { loadOtelApi, tracing } from './tracing.js';
