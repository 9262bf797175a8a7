// @sluice/cli: the `sluice` command, also usable as a library.
export { main } from './main.js';
export { runDemo } from './demo.js';
export type { DemoOptions, DemoSummary } from './demo.js';
