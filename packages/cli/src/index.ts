// @sluice/cli: the `sluice` command, also usable as a library.

export type { DemoOptions, DemoSummary } from './demo.js';
export { runDemo } from './demo.js';
export { parseBound, runDlqList, runReplay, runRewind } from './dlq.js';
export type { GroupInfo, StreamReport } from './inspect.js';
export { formatReport, inspectStream } from './inspect.js';
export { main } from './main.js';
