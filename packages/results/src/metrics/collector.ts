// The streams and groups whose gauges a registry reports, and the one cached round of reads
// per stream that a scrape shares between all gauges.
import type { RedisClient } from '@sluice/core';
import { type StreamKeys, withCommandTimeout } from '@sluice/core/plugin';
import { type SnapshotOptions, type StreamSnapshot, snapshotStream } from './snapshot.js';

interface Ref {
  client: RedisClient;
  keys: StreamKeys;
  group: string;
}

export interface CollectorOptions extends SnapshotOptions {
  cacheMs: number;
  /** A gauge read Redis has not answered within this long fails (the stream is left out of the scrape). */
  readTimeoutMs: number;
  onError(err: unknown): void;
}

export class Collector {
  private readonly refs = new Set<Ref>();
  private cache: { at: number; promise: Promise<StreamSnapshot[]> } | undefined;
  /** One bounded wrapper per client, so health checks PING each connection once. */
  private readonly bounded = new WeakMap<RedisClient, RedisClient>();

  constructor(private readonly opts: CollectorOptions) {}

  /** Report gauges for `group` on a stream, read through `client`; returns the undo. */
  add(client: RedisClient, keys: StreamKeys, group: string): () => void {
    // Bounded: a scrape during an outage answers without the stream instead of hanging.
    let wrapped = this.bounded.get(client);
    if (!wrapped) {
      wrapped = withCommandTimeout(client, this.opts.readTimeoutMs, 'sluice metrics');
      this.bounded.set(client, wrapped);
    }
    const ref: Ref = { client: wrapped, keys, group };
    this.refs.add(ref);
    this.cache = undefined;
    return () => {
      this.refs.delete(ref);
      this.cache = undefined;
    };
  }

  /** Every client gauges are read through (for health checks). */
  clients(): RedisClient[] {
    return [...new Set([...this.refs].map((r) => r.client))];
  }

  /** One snapshot per stream; reused by every gauge for `cacheMs`. A stream that fails is left out. */
  snapshots(): Promise<StreamSnapshot[]> {
    const now = Date.now();
    if (this.cache && now - this.cache.at < this.opts.cacheMs) return this.cache.promise;
    const promise = this.collect();
    this.cache = { at: now, promise };
    return promise;
  }

  private async collect(): Promise<StreamSnapshot[]> {
    const byStream = new Map<string, { client: RedisClient; keys: StreamKeys; groups: Set<string> }>();
    for (const r of this.refs) {
      const t = byStream.get(r.keys.stream);
      if (t) t.groups.add(r.group);
      else byStream.set(r.keys.stream, { client: r.client, keys: r.keys, groups: new Set([r.group]) });
    }
    const results = await Promise.allSettled([...byStream.values()].map((t) => snapshotStream(t, this.opts)));
    const out: StreamSnapshot[] = [];
    for (const r of results) {
      if (r.status === 'fulfilled') out.push(r.value);
      else this.opts.onError(r.reason);
    }
    return out;
  }
}
