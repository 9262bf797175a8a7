// @sluice/testing: throwaway real Redis servers for tests — ours and our users'.

export { findRedisServer, freePort, INSTALL_HINT } from './find.js';
export { randomPrefix } from './prefix.js';
export type { StartRedisOptions, TestRedis } from './redis.js';
export { startRedis } from './redis.js';
export type { SpawnOptions } from './spawn.js';
export { sleep, until } from './wait.js';
