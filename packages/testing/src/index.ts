// @sluice/testing: throwaway real Redis servers for tests — ours and our users'.
export { randomPrefix } from './prefix.js';
export { startRedis } from './redis.js';
export type { StartRedisOptions, TestRedis } from './redis.js';
export { findRedisServer, freePort, INSTALL_HINT } from './find.js';
export type { SpawnOptions } from './spawn.js';
export { until, sleep } from './wait.js';
