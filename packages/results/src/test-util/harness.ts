// Test helpers for @sluice/results: the shared harness plus a `results()` factory.
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
