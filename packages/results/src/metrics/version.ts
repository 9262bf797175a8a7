// The version of @sluice/results, for sluice_build_info: read from its package.json, which sits
// two folders up from both src/metrics and dist/metrics.
import { createRequire } from 'node:module';

export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
