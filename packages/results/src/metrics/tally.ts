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
