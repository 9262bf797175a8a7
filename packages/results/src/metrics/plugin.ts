// sluiceMetrics(): Prometheus metrics for Consumers (a plugin) and Producers (a plugin too).
// Counters move on outcomes and events; gauges are read from Redis at scrape time.
import {
  type ConsumerPlugin,
  consoleLogger,
  type Logger,
  type Outcome,
  type PluginContext,
  type ProducerPlugin,
  type RedisClient,
} from '@sluice/core';
import { idMs, intOption, knownOptions, streamKeys } from '@sluice/core/plugin';
import { register as globalRegister, type Registry } from 'prom-client';
import { DURATION_BUCKETS, LATENCY_BUCKETS } from './names.js';
import { type MetricSet, metricSet } from './registry.js';
import type { HistogramSlot, Slot } from './tally.js';

export interface SluiceMetricsOptions {
  /** Registry the metrics are registered in. @defaultValue prom-client's global `register` */
  register?: Registry;
  /** One round of reads per stream serves every gauge of scrapes within this long. @defaultValue 1000 */
  cacheMs?: number;
  /** A consumer counts in `sluice_consumers` if it read (or claimed) within this long. @defaultValue 60000 */
  consumerIdleMs?: number;
  /**
   * Most entries one lag count may scan when XINFO cannot tell the lag (about 90 ms of Redis time
   * per 100,000); past it the lag is XINFO's figure held within the bounds the scan found.
   * @defaultValue 100000
   */
  lagScanLimit?: number;
  /**
   * A gauge's Redis read that gets no reply within this long fails: the scrape answers without
   * that stream's gauges (and logs why) instead of hanging during an outage. @defaultValue 5000
   */
  readTimeoutMs?: number;
  /** Buckets of sluice_handler_duration_seconds. @defaultValue DURATION_BUCKETS (1 ms … 60 s) */
  durationBuckets?: number[];
  /** Buckets of sluice_end_to_end_latency_seconds. @defaultValue LATENCY_BUCKETS (5 ms … 1 h) */
  latencyBuckets?: number[];
  log?: Logger;
}

export const METRICS_DEFAULTS = {
  cacheMs: 1000,
  consumerIdleMs: 60_000,
  lagScanLimit: 100_000,
  readTimeoutMs: 5000,
} as const;

type Labels = { stream: string; group: string };

/** One consumer's counter slots, made once: counting an outcome touches no labels. */
interface Bound {
  labels: Labels;
  processed: Record<Outcome['status'], Slot>;
  retries: Slot;
  fenced: Slot;
  reclaimed: Slot;
  malformed: Slot;
  deleted: Slot;
  trimmedUnprocessed: Slot;
  rateLimited: Slot;
  dead: Map<string, Slot>;
  duration: HistogramSlot;
  latency: HistogramSlot;
}

export interface Health {
  ok: boolean;
  /** `none` when nothing is watched yet. */
  redis: 'up' | 'down' | 'none';
  error?: string;
}

/** The `bound` key of a consumer of a stream. */
const boundKey = (stream: string, consumer: string) => `${stream}\u0000${consumer}`;

/** Sources that never ran the handler: their duration is not a handler duration. */
const NOT_RUN = new Set(['malformed', 'max-deliveries']);

export class SluiceMetrics implements ConsumerPlugin, ProducerPlugin {
  readonly name = 'sluiceMetrics';
  readonly register: Registry;
  private readonly set: MetricSet;
  /**
   * Stream + consumer name → its slots (one instance may serve several consumers, e.g. every
   * shard of a ShardedConsumer, whose consumers share one name).
   */
  private readonly bound = new Map<string, Bound>();
  private readonly publishedSlots = new Map<string, Slot>();
  private readonly started = new Map<PluginContext, () => void>();
  private last: { stream: string; consumer: string; bound: Bound } | undefined;

  constructor(opts: SluiceMetricsOptions = {}) {
    const owner = 'sluiceMetrics()';
    knownOptions(owner, opts, [
      'register',
      'cacheMs',
      'consumerIdleMs',
      'lagScanLimit',
      'readTimeoutMs',
      'durationBuckets',
      'latencyBuckets',
      'log',
    ]);
    const d = METRICS_DEFAULTS;
    this.register = opts.register ?? globalRegister;
    const log = opts.log ?? consoleLogger();
    this.set = metricSet(this.register, {
      cacheMs: intOption(owner, 'cacheMs', opts.cacheMs ?? d.cacheMs, 0),
      consumerIdleMs: intOption(owner, 'consumerIdleMs', opts.consumerIdleMs ?? d.consumerIdleMs, 1),
      lagScanLimit: intOption(owner, 'lagScanLimit', opts.lagScanLimit ?? d.lagScanLimit, 1),
      readTimeoutMs: intOption(owner, 'readTimeoutMs', opts.readTimeoutMs ?? d.readTimeoutMs, 1),
      durationBuckets: opts.durationBuckets ?? DURATION_BUCKETS,
      latencyBuckets: opts.latencyBuckets ?? LATENCY_BUCKETS,
      onError: (err) => log.warn(`sluice metrics: ${(err as Error)?.message ?? err}`),
    });
  }

  // ---- Consumer plugin --------------------------------------------------------------------

  start(ctx: PluginContext): void {
    const labels = { stream: ctx.keys.name, group: ctx.group };
    const { processed, retries, fenced, reclaimed, malformed, deletedPending } = this.set;
    const b: Bound = {
      labels,
      processed: {
        ok: processed.slot({ ...labels, status: 'ok' }),
        failed: processed.slot({ ...labels, status: 'failed' }),
        dead: processed.slot({ ...labels, status: 'dead' }),
      },
      retries: retries.slot(labels),
      fenced: fenced.slot(labels),
      reclaimed: reclaimed.slot(labels),
      malformed: malformed.slot(labels),
      deleted: deletedPending.slot(labels),
      trimmedUnprocessed: this.set.trimmedUnprocessed.slot(labels),
      rateLimited: this.set.rateLimited.slot({ stream: labels.stream }),
      dead: new Map(),
      duration: this.set.handlerDuration.slot(labels),
      latency: this.set.endToEnd.slot(labels),
    };
    this.bound.set(boundKey(ctx.keys.name, ctx.consumer), b);
    this.last = undefined;
    this.started.set(ctx, this.set.collector.add(ctx.redis, ctx.keys, ctx.group));
    ctx.on('reclaimed', (ids) => {
      b.reclaimed.n += ids.length;
    });
    ctx.on('malformed', () => {
      b.malformed.n++;
    });
    ctx.on('deleted', (ids) => {
      b.deleted.n += ids.length;
    });
    ctx.on('trimmed', (r) => {
      b.trimmedUnprocessed.n += r.unprocessed;
    });
    ctx.on('rateLimited', (times) => {
      b.rateLimited.n += times;
    });
  }

  /** Every outcome once, when it is recorded (failures left pending are never settled). */
  record(o: Outcome): void {
    const b = this.boundOf(o);
    if (!b) return;
    b.processed[o.status].n++;
    if (o.status !== 'dead' || !NOT_RUN.has(String(o.reason))) {
      this.set.handlerDuration.observe(b.duration, o.durationMs / 1000);
    }
  }

  /** What the settle script actually wrote: retries, dead letters, final outcomes, fenced ones. */
  settled(applied: readonly Outcome[], fenced: readonly Outcome[]): void {
    const now = Date.now();
    for (const o of applied) {
      const b = this.boundOf(o);
      if (!b) continue;
      if (o.retryAt !== undefined) b.retries.n++;
      if (o.status === 'dead') this.deadSlot(b, String(o.reason ?? 'unknown')).n++;
      if (o.ack && o.retryAt === undefined) {
        this.set.endToEnd.observe(b.latency, Math.max(0, now - idMs(o.entry.origin ?? o.entry.id)) / 1000);
      }
    }
    for (const o of fenced) {
      const b = this.boundOf(o);
      if (b) b.fenced.n++;
    }
  }

  /** The outcome's consumer's slots. The last one found is kept: a plugin mostly serves one consumer. */
  private boundOf(o: Outcome): Bound | undefined {
    const last = this.last;
    if (last && last.stream === o.entry.stream && last.consumer === o.consumer) return last.bound;
    const bound = this.bound.get(boundKey(o.entry.stream, o.consumer));
    if (bound) this.last = { stream: o.entry.stream, consumer: o.consumer, bound };
    return bound;
  }

  /** Stop reporting gauges for the consumers that are closing. */
  close(): void {
    for (const [ctx, undo] of this.started) {
      if (!ctx.closing) continue;
      undo();
      this.started.delete(ctx);
      this.bound.delete(boundKey(ctx.keys.name, ctx.consumer));
      this.last = undefined;
    }
  }

  // ---- Producer plugin --------------------------------------------------------------------

  published(stream: string, ids: readonly string[]): void {
    let slot = this.publishedSlots.get(stream);
    if (!slot) {
      slot = this.set.published.slot({ stream });
      this.publishedSlots.set(stream, slot);
    }
    slot.n += ids.length;
  }

  private deadSlot(b: Bound, reason: string): Slot {
    let slot = b.dead.get(reason);
    if (!slot) {
      slot = this.set.deadLettered.slot({ ...b.labels, reason });
      b.dead.set(reason, slot);
    }
    return slot;
  }

  // ---- for exporters ----------------------------------------------------------------------

  /** Report gauges for a stream and group without running a consumer here; returns the undo. */
  watch(client: RedisClient, target: { stream: string; group: string; prefix?: string }): () => void {
    return this.set.collector.add(client, streamKeys(target.stream, target.prefix), target.group);
  }

  /** The registry's metrics in the Prometheus text format (for any HTTP framework). */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.register.contentType, body: await this.register.metrics() };
  }

  /** PING every connection the gauges read through. */
  async health(timeoutMs = 2000): Promise<Health> {
    const clients = this.set.collector.clients();
    if (clients.length === 0) return { ok: true, redis: 'none' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`PING timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all(clients.map((c) => c.sendCommand(['PING']))), timeout]);
      return { ok: true, redis: 'up' };
    } catch (err) {
      return { ok: false, redis: 'down', error: (err as Error)?.message ?? String(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Metrics for `new Consumer({ use: [m] })` and `new Producer({ use: [m] })`; one instance may serve many. */
export function sluiceMetrics(opts: SluiceMetricsOptions = {}): SluiceMetrics {
  return new SluiceMetrics(opts);
}
