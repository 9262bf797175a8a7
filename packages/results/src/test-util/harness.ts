// Test helpers for @sluice/results: the shared harness plus a `results()` factory.
import type { RedisClient } from '@sluice/core';
import { type Harness as BaseHarness, harness as baseHarness } from '@sluice/testing/vitest';
import { Results, type ResultsOptions } from '../results.js';

export { sleep, until } from '@sluice/testing';

export interface Harness extends BaseHarness {
  results(opts?: Partial<ResultsOptions>): Results;
}

export async function harness(label: string): Promise<Harness> {
  const h = await baseHarness(label);
  return {
    ...h,
    results: (opts = {}) =>
      h.track(new Results({ url: h.url, prefix: h.prefix, stream: 'jobs', blockMs: 200, ...opts })),
  };
}

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** XINFO STREAM's entries-added: everything ever written to a stream, trimmed or not. */
export async function entriesAdded(redis: RedisClient, key: string): Promise<number> {
  const info = await redis.sendCommand<unknown[]>(['XINFO', 'STREAM', key]).catch(() => [] as unknown[]);
  const i = info.indexOf('entries-added');
  return i < 0 ? 0 : Number(info[i + 1]);
}
