// @sluice/testing: throwaway real Redis servers and clusters for tests — ours and our users' —
// and the test helpers written once: deferred, stream waits, Prometheus scrapes.

export type { AclUserOptions } from './acl.js';
export { aclUser } from './acl.js';
export { startCluster } from './cluster.js';
export type { ClusterNode, StartClusterOptions, TestCluster, WaitOptions } from './cluster-types.js';
export type { Deferred } from './deferred.js';
export { deferred } from './deferred.js';
export type { TestingErrorCode } from './errors.js';
export { TestingError } from './errors.js';
export { findRedisServer, freePort, INSTALL_HINT } from './find.js';
export { keySlot } from './key-slot.js';
export { randomPrefix } from './prefix.js';
export type { PromSample, PromScrape } from './prom.js';
export { httpGet, parsePrometheus, sample, scrape } from './prom.js';
export type { StartRedisOptions, TestRedis } from './redis.js';
export { startRedis } from './redis.js';
export type { SpawnOptions } from './spawn.js';
export type { CommandClient } from './streams.js';
export { entriesAdded, streamLength, waitForLength } from './streams.js';
export type { TlsMaterial } from './tls.js';
export { sleep, until } from './wait.js';
