// Test helpers for core and plugins: a client on the suite's Redis, polling, waiting.
import { createClient } from 'redis';
import { useRedis } from '@sluice/testing/vitest';
import type { RedisClient } from '../connection.js';

export interface Harness {
  url: string;
  prefix: string;
  /** A raw client for assertions (closed by `close()`). */
  redis: RedisClient;
  close(): Promise<void>;
}

export async function harness(label?: string): Promise<Harness> {
  const { url, prefix } = useRedis(label);
  const redis = createClient({ url }) as unknown as RedisClient;
  redis.on('error', () => {});
  await redis.connect();
  return { url, prefix, redis, close: () => redis.close() };
}

/** Poll `check` until it returns true (or throw after timeoutMs). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
