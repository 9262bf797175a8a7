// Test helpers for core: the shared harness of @sluice/testing (suite Redis, fresh prefix, raw client).

export { sleep, until } from '@sluice/testing';
export { type Harness, harness } from '@sluice/testing/vitest';
