// The plugins row: what users run — recovery() + results() + sluiceMetrics() on one Consumer —
// against the bare Consumer (no plugins) measured right before or after it.
import { recovery } from '@sluice/claim';
import { results, sluiceMetrics } from '@sluice/results';
import { Registry } from 'prom-client';
import { sluiceConsume } from './consume.js';
import type { RowContext } from './row.js';
import type { Sample } from './sample.js';

export function sluiceWithPlugins(ctx: RowContext): Promise<Sample> {
  return sluiceConsume(ctx, {
    label: 'plug',
    // A registry per run: the global one would carry counters from run to run.
    use: () => [recovery(), results(), sluiceMetrics({ register: new Registry() })],
    writesResults: true,
  });
}

export function sluiceBare(ctx: RowContext): Promise<Sample> {
  return sluiceConsume(ctx, { label: 'bare' });
}
