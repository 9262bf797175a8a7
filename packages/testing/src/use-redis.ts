// The suite's shared Redis as seen from a test worker; its own module so that both the vitest
// wiring and the harness can use it without importing each other.
import { inject } from 'vitest';
import { randomPrefix } from './prefix.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sluiceRedisUrl: string;
  }
}

/** Environment variable through which child processes of a test find the suite's Redis. */
export const SHARED_URL_ENV = 'SLUICE_TEST_REDIS_URL';

/** The suite's shared Redis URL and a key prefix nobody else uses. */
export function useRedis(label?: string): { url: string; prefix: string } {
  const url = inject('sluiceRedisUrl') ?? process.env[SHARED_URL_ENV];
  if (!url) throw new Error('No test Redis: add @sluice/testing/vitest as a vitest globalSetup');
  return { url, prefix: randomPrefix(label) };
}
