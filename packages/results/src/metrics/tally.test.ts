import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HistogramTally } from './tally.js';

describe('HistogramTally', () => {
  const buckets = [0.005, 0.01, 0.1, 1, 10];
  const labels = [
    { stream: 'orders', group: 'billing' },
    { stream: 'mails "x"\n', group: 'g\\2' },
  ];
  // Edge values: on a bound, between bounds, below the first, past the last, zero.
  const values = [0, 0.005, 0.0051, 0.01, 0.5, 1, 9.99, 10, 10.01, 1e6, 0.001];

  function both() {
    const ours = new Registry();
    const theirs = new Registry();
    const tally = new HistogramTally({ name: 'h_seconds', help: 'a histogram' }, buckets, ours);
    const hist = new Histogram({
      name: 'h_seconds',
      help: 'a histogram',
      labelNames: ['stream', 'group'],
      buckets,
      registers: [theirs],
    });
    labels.forEach((l, k) => {
      const slot = tally.slot(l);
      for (const v of values.slice(k)) {
        tally.observe(slot, v);
        hist.observe(l, v);
      }
    });
    return { ours, theirs, tally, hist };
  }

  it("prints the same exposition and JSON as prom-client's Histogram for the same observations", async () => {
    const { ours, theirs } = both();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('aggregates across registries (cluster workers) like prom-client, and resets', async () => {
    const a = both();
    const b = both();
    const ours = AggregatorRegistry.aggregate([
      await a.ours.getMetricsAsJSON(),
      await b.ours.getMetricsAsJSON(),
    ] as never);
    const theirs = AggregatorRegistry.aggregate([
      await a.theirs.getMetricsAsJSON(),
      await b.theirs.getMetricsAsJSON(),
    ] as never);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    a.tally.reset();
    a.hist.reset();
    // prom-client drops its series on reset; ours keeps them at zero (slots are held by consumers).
    expect(await a.ours.metrics()).toMatch(/^h_seconds_count\{stream="orders",group="billing"\} 0$/m);
  });

  it('one slot per label set, and bad buckets are refused', () => {
    const { tally } = both();
    expect(tally.slot({ stream: 'orders', group: 'billing' })).toBe(tally.slot({ stream: 'orders', group: 'billing' }));
    expect(() => new HistogramTally({ name: 'x', help: 'x' }, [1, 1], new Registry())).toThrow(/increasing/);
    expect(() => new HistogramTally({ name: 'x', help: 'x' }, [], new Registry())).toThrow(/increasing/);
  });
});
