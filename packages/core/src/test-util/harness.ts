// Test helpers for core: a raw client on the suite's Redis for assertions.
import { useRedis } from '@sluice/testing/vitest';
import { createClient } from 'redis';
import type { RedisClient } from '../connection.js';

export { sleep, until } from '@sluice/testing';

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
