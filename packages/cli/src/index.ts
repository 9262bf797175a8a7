// @sluice/cli: the `sluice` command, also usable as a library.

export { redactUrl } from '@sluice/core';
export type { Dashboard, DashboardOptions } from './dashboard/index.js';
export { DASHBOARD_DEFAULTS, startDashboard } from './dashboard/index.js';
export type { DemoOptions, DemoSummary } from './demo.js';
export { runDemo } from './demo.js';
export { main, version } from './main.js';
export { EXIT, UsageError } from './program/errors.js';
export type { ConsumerReport, GroupReport, StreamReport } from './report/stream-report.js';
export { readStream } from './report/stream-report.js';
export { listStreams } from './report/streams.js';
export type { TaskWhere } from './report/task-status.js';
export { taskStatus } from './report/task-status.js';
