// Vitest wiring: one spawned server for the whole suite, a fresh key prefix per test.
import { startCluster } from './cluster.js';
import { startRedis, type TestRedis } from './redis.js';
import { SHARED_URL_ENV } from './use-redis.js';

interface GlobalSetupContext {
  provide(key: 'sluiceRedisUrl', value: string): void;
}

let shared: Pick<TestRedis, 'url' | 'stop'> | undefined;

/** `SLUICE_TEST_TOPOLOGY=cluster`: the suite runs against a 3-master Redis Cluster instead. */
export const TOPOLOGY_ENV = 'SLUICE_TEST_TOPOLOGY';

async function startShared(): Promise<Pick<TestRedis, 'url' | 'stop'>> {
  if (process.env[TOPOLOGY_ENV] !== 'cluster') return startRedis();
  const cluster = await startCluster({ masters: 3 });
  const nodes = cluster.masters.map((m) => `127.0.0.1:${m.port}`).join(',');
  return { url: `redis+cluster://${nodes}`, stop: () => cluster.stop() };
}

/** Use as a vitest `globalSetup` file: starts one Redis and provides its URL to every worker. */
export async function setup(ctx: GlobalSetupContext): Promise<void> {
  shared = await startShared();
  ctx.provide('sluiceRedisUrl', shared.url);
  // Child processes spawned by system tests find the same server through the environment.
  process.env[SHARED_URL_ENV] = shared.url;
}

export async function teardown(): Promise<void> {
  await shared?.stop();
}

export type { Closable, Harness } from './harness.js';
export { harness } from './harness.js';
export { useRedis } from './use-redis.js';
