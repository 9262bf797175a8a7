// The metric objects of one prom-client registry, created once: several sluiceMetrics()
// (one per consumer, say) on the same registry share them, and so do their gauges' targets.
import { Gauge, type Registry } from 'prom-client';
import { Collector, type CollectorOptions } from './collector.js';
import { METRICS } from './names.js';
import type { StreamSnapshot } from './snapshot.js';
import { HistogramTally, Tally } from './tally.js';
import { VERSION } from './version.js';

export interface MetricSet {
  published: Tally<'stream'>;
  processed: Tally<'stream' | 'group' | 'status'>;
  retries: Tally<'stream' | 'group'>;
  deadLettered: Tally<'stream' | 'group' | 'reason'>;
  reclaimed: Tally<'stream' | 'group'>;
  fenced: Tally<'stream' | 'group'>;
  malformed: Tally<'stream' | 'group'>;
  deletedPending: Tally<'stream' | 'group'>;
  trimmedUnprocessed: Tally<'stream' | 'group'>;
  rateLimited: Tally<'stream'>;
  handlerDuration: HistogramTally;
  endToEnd: HistogramTally;
  /** The streams and groups the gauges report. */
  collector: Collector;
}

export interface MetricSetOptions extends CollectorOptions {
  durationBuckets: number[];
  latencyBuckets: number[];
}

const sets = new WeakMap<Registry, MetricSet>();

/** The registry's metric set; the options of the first call for a registry win. */
export function metricSet(register: Registry, opts: MetricSetOptions): MetricSet {
  const existing = sets.get(register);
  if (existing) return existing;
  const registers = [register];
  const counter = <L extends string>(m: { name: string; help: string; labels: readonly L[] }) =>
    new Tally<L>(m, register);
  const histogram = (m: { name: string; help: string }, b: number[]) => new HistogramTally(m, b, register);
  const set: MetricSet = {
    published: counter(METRICS.published),
    processed: counter(METRICS.processed),
    retries: counter(METRICS.retries),
    deadLettered: counter(METRICS.deadLettered),
    reclaimed: counter(METRICS.reclaimed),
    fenced: counter(METRICS.fenced),
    malformed: counter(METRICS.malformed),
    deletedPending: counter(METRICS.deletedPending),
    trimmedUnprocessed: counter(METRICS.trimmedUnprocessed),
    rateLimited: counter(METRICS.rateLimited),
    handlerDuration: histogram(METRICS.handlerDuration, opts.durationBuckets),
    endToEnd: histogram(METRICS.endToEnd, opts.latencyBuckets),
    collector: new Collector(opts),
  };
  const perStream = (m: { name: string; help: string }, value: (s: StreamSnapshot) => number) =>
    new Gauge<'stream'>({
      name: m.name,
      help: m.help,
      labelNames: ['stream'],
      registers,
      async collect() {
        const snaps = await set.collector.snapshots();
        this.reset();
        for (const s of snaps) this.set({ stream: s.stream }, value(s));
      },
    });
  type G = StreamSnapshot['groups'][number];
  const perGroup = (m: { name: string; help: string }, value: (g: G) => number | undefined) =>
    new Gauge<'stream' | 'group'>({
      name: m.name,
      help: m.help,
      labelNames: ['stream', 'group'],
      registers,
      async collect() {
        const snaps = await set.collector.snapshots();
        this.reset();
        for (const s of snaps) {
          for (const g of s.groups) {
            const v = value(g);
            if (v !== undefined) this.set({ stream: s.stream, group: g.group }, v);
          }
        }
      },
    });
  perStream(METRICS.streamLength, (s) => s.length);
  perStream(METRICS.dlqLength, (s) => s.dlqLength);
  perStream(METRICS.delayedLength, (s) => s.delayedLength);
  new Gauge<'stream' | 'order'>({
    name: METRICS.backlogLength.name,
    help: METRICS.backlogLength.help,
    labelNames: ['stream', 'order'],
    registers,
    async collect() {
      const snaps = await set.collector.snapshots();
      this.reset();
      for (const s of snaps)
        for (const [order, n] of Object.entries(s.backlog)) this.set({ stream: s.stream, order }, n);
    },
  });
  new Gauge<'stream' | 'kind'>({
    name: METRICS.keyRunning.name,
    help: METRICS.keyRunning.help,
    labelNames: ['stream', 'kind'],
    registers,
    async collect() {
      const snaps = await set.collector.snapshots();
      this.reset();
      for (const s of snaps)
        for (const [kind, n] of Object.entries(s.keyRunning)) this.set({ stream: s.stream, kind }, n);
    },
  });
  perStream(METRICS.unschedulable, (s) => s.unschedulable);
  perGroup(METRICS.groupLag, (g) => g.lag);
  perGroup(METRICS.groupPending, (g) => g.pending);
  perGroup(METRICS.oldestPendingAge, (g) => g.oldestPendingAgeSeconds);
  perGroup(METRICS.groupLagSeconds, (g) => g.lagSeconds);
  perGroup(METRICS.pendingMaxIdle, (g) => g.pendingMaxIdleSeconds);
  perGroup(METRICS.consumers, (g) => g.consumers);
  new Gauge<'version'>({
    name: METRICS.buildInfo.name,
    help: METRICS.buildInfo.help,
    labelNames: ['version'],
    registers,
  }).set({ version: VERSION }, 1);
  sets.set(register, set);
  return set;
}
