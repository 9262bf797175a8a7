// Reads every stream's state on a timer, keeps a short history per stream for the charts
// (entries in and outcomes out per second, lag, pending), and hands each snapshot to the
// open pages. Streams are rediscovered (SCAN) less often than they are read.
import type { RedisClient } from '@sluice/core';
import { listStreams } from '../report/streams.js';
import { readStreamView, type StreamView } from './state.js';

/** Points per chart: two minutes at the default 1 s interval. */
export const HISTORY = 120;
/** Most streams shown; the rest are counted, not read. */
export const MAX_STREAMS = 50;
const DISCOVER_EVERY = 10;

export interface History {
  t: number[];
  inRate: number[];
  outRate: number[];
  lag: number[];
  pending: number[];
}

export interface Snapshot {
  at: number;
  /** Sampling interval and points kept: the page's charts span intervalMs × history. */
  intervalMs: number;
  history: number;
  streams: Array<StreamView & { history: History }>;
  /** Streams beyond MAX_STREAMS, not shown. */
  hidden: number;
  error?: string;
}

export class Sampler {
  private names: string[] = [];
  private hidden = 0;
  private ticks = 0;
  private readonly history = new Map<string, History & { last?: { at: number; added: number; outcomes: number } }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  latest: Snapshot;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly intervalMs: number,
    private readonly onSnapshot: (s: Snapshot) => void,
  ) {
    this.latest = { at: 0, intervalMs, history: HISTORY, streams: [], hidden: 0 };
  }

  start(): Promise<void> {
    const first = this.sample();
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.sample().finally(() => (this.running = undefined));
    }, this.intervalMs);
    return first;
  }

  /** Stop sampling; an in-flight read is waited for at most `timeoutMs` (Redis may be gone). */
  async stop(timeoutMs = 1000): Promise<void> {
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Read now (after an action, so the page shows its effect at once). */
  async refresh(): Promise<Snapshot> {
    await this.running;
    await this.sample(true);
    return this.latest;
  }

  private async sample(discover = false): Promise<void> {
    try {
      if (discover || this.ticks++ % DISCOVER_EVERY === 0) {
        const all = await listStreams(this.client, this.prefix);
        this.names = all.slice(0, MAX_STREAMS);
        this.hidden = all.length - this.names.length;
        for (const name of this.history.keys()) if (!this.names.includes(name)) this.history.delete(name);
      }
      const views = await Promise.all(this.names.map((n) => readStreamView(this.client, n, this.prefix)));
      const at = Date.now();
      const streams = views.map((v) => ({ ...v, history: this.record(v, at) }));
      this.latest = { at, intervalMs: this.intervalMs, history: HISTORY, hidden: this.hidden, streams };
    } catch (err) {
      this.latest = { ...this.latest, at: Date.now(), error: (err as Error)?.message ?? String(err) };
    }
    this.onSnapshot(this.latest);
  }

  private record(v: StreamView, at: number): History {
    let h = this.history.get(v.name);
    if (!h) {
      h = { t: [], inRate: [], outRate: [], lag: [], pending: [] };
      this.history.set(v.name, h);
    }
    const last = h.last;
    const secs = last ? (at - last.at) / 1000 : 0;
    const rate = (now: number, before: number | undefined) =>
      secs > 0 && before !== undefined ? Math.max(0, (now - before) / secs) : 0;
    h.t.push(at);
    h.inRate.push(rate(v.added, last?.added));
    h.outRate.push(rate(v.outcomes, last?.outcomes));
    h.lag.push(v.lag);
    h.pending.push(v.pending);
    for (const series of [h.t, h.inRate, h.outRate, h.lag, h.pending]) if (series.length > HISTORY) series.shift();
    h.last = { at, added: v.added, outcomes: v.outcomes };
    const { t, inRate, outRate, lag, pending } = h;
    return { t, inRate, outRate, lag, pending };
  }
}
