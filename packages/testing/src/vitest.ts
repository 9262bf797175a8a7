// Vitest wiring: one spawned server for the whole suite, a fresh key prefix per test.
import { inject } from 'vitest';
import { randomPrefix } from './prefix.js';
import { startRedis, type TestRedis } from './redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sluiceRedisUrl: string;
  }
}

interface GlobalSetupContext {
  provide(key: 'sluiceRedisUrl', value: string): void;
}

let shared: TestRedis | undefined;

/** Use as a vitest `globalSetup` file: starts one Redis and provides its URL to every worker. */
export async function setup(ctx: GlobalSetupContext): Promise<void> {
  shared = await startRedis();
  ctx.provide('sluiceRedisUrl', shared.url);
  // Child processes spawned by system tests find the same server through the environment.
  process.env.SLUICE_TEST_REDIS_URL = shared.url;
}

export async function teardown(): Promise<void> {
  await shared?.stop();
}

/** The suite's shared Redis URL and a key prefix nobody else uses. */
export function useRedis(label?: string): { url: string; prefix: string } {
  const url = inject('sluiceRedisUrl') ?? process.env.SLUICE_TEST_REDIS_URL;
  if (!url) throw new Error('No test Redis: add @sluice/testing/vitest as a vitest globalSetup');
  return { url, prefix: randomPrefix(label) };
}

export type { Closable, Harness } from './harness.js';
export { harness } from './harness.js';
