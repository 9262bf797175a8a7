// Counters on the hot path count into plain numbers; prom-client's counter (which hashes its
// labels on every inc) is brought up to date when a scrape collects it.
import { Counter, type Registry } from 'prom-client';

export interface Slot {
  n: number;
}

export class Tally<L extends string> {
  readonly counter: Counter<L>;
  private readonly slots = new Map<string, { labels: Record<L, string>; slot: Slot }>();

  constructor(m: { name: string; help: string; labels: readonly L[] }, register: Registry) {
    const flush = () => this.flush();
    this.counter = new Counter<L>({
      name: m.name,
      help: m.help,
      labelNames: m.labels,
      registers: [register],
      collect: flush,
    });
  }

  /** The slot for one label set: `slot.n++` is all an increment costs. */
  slot(labels: Record<L, string>): Slot {
    const key = JSON.stringify(labels);
    let entry = this.slots.get(key);
    if (!entry) {
      entry = { labels, slot: { n: 0 } };
      this.slots.set(key, entry);
    }
    return entry.slot;
  }

  private flush(): void {
    for (const { labels, slot } of this.slots.values()) {
      if (slot.n === 0) continue;
      this.counter.inc(labels, slot.n);
      slot.n = 0;
    }
  }
}

/** One label set of a HistogramTally: what an observation touches. */
export interface HistogramSlot {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

type Sample = {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
};

/**
 * A Prometheus histogram whose observations cost a bucket search and three additions.
 * prom-client's Histogram validates and hashes its labels on every observe (about 1.5 µs, two
 * per entry in the metrics plugin); this one keeps a slot per label set, made once, and is
 * registered as a metric of its own that prints the same exposition (`_bucket` with `le`,
 * `_sum`, `_count`), aggregates the same way across cluster workers (sum), and resets.
 */
export class HistogramTally {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly bounds: Float64Array;
  private readonly slots = new Map<string, HistogramSlot>();

  constructor(m: { name: string; help: string }, buckets: readonly number[], register: Registry) {
    if (
      buckets.length === 0 ||
      buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))
    )
      throw new TypeError(
        `${m.name}: buckets must be finite numbers in increasing order, got ${JSON.stringify(buckets)}`,
      );
    this.name = m.name;
    this.help = m.help;
    this.bounds = Float64Array.from(buckets);
    register.registerMetric(this as never);
  }

  slot(labels: Record<string, string>): HistogramSlot {
    const key = JSON.stringify(labels);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { labels, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.slots.set(key, slot);
    }
    return slot;
  }

  observe(slot: HistogramSlot, value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (slot.counts as Float64Array)[i] = ((slot.counts as Float64Array)[i] as number) + 1;
    slot.sum += value;
    slot.count++;
  }

  reset(): void {
    for (const slot of this.slots.values()) {
      slot.counts.fill(0);
      slot.sum = 0;
      slot.count = 0;
    }
  }

  /** The registry's text exposition reads this (labels shared by a series stay apart, as prom-client's do). */
  async getForPromString() {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.slots.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i] as number;
        values.push({
          labels: { le: this.bounds[i] as number },
          sharedLabels: s.labels,
          value: acc,
          metricName: bucket,
        });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** getMetricsAsJSON and cluster aggregation read this: every label on the sample. */
  async get() {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, value, metricName }) => ({
        labels: { ...labels, ...sharedLabels },
        value,
        metricName,
        ...('le' in labels && { exemplar: null }),
      })),
    };
  }
}
