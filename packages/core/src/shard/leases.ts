// Shard leases of an ordered consumer: each shard of a logical stream is consumed by one live
// consumer at a time. Consumers heartbeat into a membership zset; each takes a fair share of
// the shards (its quota, from its rank among the live members) and gives back only what is
// over it (cooperative rebalance: nothing else moves). A lease is renewed every leaseMs / 4;
// locally it counts as held only until 80% of leaseMs after the last renewal was sent, so a
// paused holder stops starting handlers before Redis lets the lease go to someone else.
import type { StreamKeys } from '../keys.js';
import {
  acquireLeaseScript,
  heartbeatScript,
  leasedReadScript,
  releaseLeaseScript,
  renewLeaseScript,
} from '../lua/lease.js';
import type { RedisClient } from '../redis/connection.js';
import { parseReadReply } from '../redis/reply.js';
import { Repeating } from '../timer.js';
import { sleep } from '../util.js';
import type { RawEntry } from '../wire/task.js';

/** Share of leaseMs after a renewal was sent during which the holder trusts its lease. */
const TRUST = 0.8;

export interface LeaseDeps {
  client: RedisClient;
  /** Keys of each shard, in shard order. */
  shards: readonly StreamKeys[];
  /** The group's membership zset (logical stream's hash tag). */
  members: string;
  group: string;
  consumer: string;
  leaseMs: number;
  /** A lease was granted (`claimed` pending entries taken over): start consuming the shard. */
  acquired(shard: number, token: string, claimed: number): Promise<void>;
  /** Over quota or leaving: stop consuming the shard, draining; the lease is released after. */
  revoke(shard: number): Promise<void>;
  /** The lease is gone (expired, or another holder's): stop the shard now. */
  lost(shard: number): void;
  onError(err: unknown): void;
}

interface Held {
  token: string;
  /** Local ms until which the lease is surely ours. */
  validUntil: number;
  revoking: boolean;
}

export class ShardLeases {
  private readonly held = new Map<number, Held>();
  private readonly job: Repeating;
  private leaving = false;
  private revokes = new Set<Promise<void>>();

  constructor(private readonly deps: LeaseDeps) {
    this.job = new Repeating(Math.max(50, Math.floor(deps.leaseMs / 4)), () => this.tick(), deps.onError);
  }

  /** Shards whose lease we hold, in shard order. */
  get shards(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /**
   * True while the lease on `shard` granted with `token` is surely ours: handlers may start.
   * By token, not by shard: the consumer of a lease we lost must stay stopped even when a new
   * lease on the same shard comes to us while it still closes.
   */
  valid(shard: number, token: string): boolean {
    const h = this.held.get(shard);
    return h !== undefined && h.token === token && Date.now() < h.validUntil;
  }

  start(): void {
    this.job.start(0);
  }

  /** Leave the group: give back every shard (draining each), then stop. */
  async close(): Promise<void> {
    this.leaving = true;
    await this.job.stop();
    try {
      await this.tick();
    } catch (err) {
      this.deps.onError(err);
    }
    // Keep renewing what still drains, so no one takes it over before we are done.
    const renewer = new Repeating(
      Math.max(50, Math.floor(this.deps.leaseMs / 4)),
      () => this.renew(),
      this.deps.onError,
    );
    renewer.start();
    while (this.revokes.size > 0) await Promise.all([...this.revokes]);
    await renewer.stop();
  }

  /** The read of new entries of `shard`, fenced by its lease (lua/lease.ts leasedRead). */
  reader(shard: number, token: string, blockMs: number): (reader: RedisClient, count: number) => Promise<RawEntry[]> {
    const keys = this.deps.shards[shard] as StreamKeys;
    const { group, consumer } = this.deps;
    return async (reader, count) => {
      const reply = await leasedReadScript.run(
        reader,
        [keys.lease(group), keys.stream],
        [token, group, consumer, String(count)],
      );
      if (reply === 0) {
        this.lose(shard, token);
        await sleep(blockMs);
        return [];
      }
      if (typeof reply === 'string') {
        // Nothing new: wait (without taking anything) for an entry after the last one.
        await reader.sendCommand(['XREAD', 'COUNT', '1', 'BLOCK', String(blockMs), 'STREAMS', keys.stream, reply]);
        return [];
      }
      return parseReadReply(reply as never);
    };
  }

  private async tick(): Promise<number | undefined> {
    const { client, members, consumer, leaseMs } = this.deps;
    const live = await heartbeatScript.run<string[]>(
      client,
      [members],
      [consumer, this.leaving ? '0' : String(leaseMs)],
    );
    await this.renew();
    const n = this.deps.shards.length;
    const rank = live.indexOf(consumer);
    const quota = this.leaving || rank < 0 ? 0 : Math.floor(n / live.length) + (rank < n % live.length ? 1 : 0);
    const active = this.shards.filter((i) => !this.held.get(i)?.revoking);
    // Over quota: give back the highest shards first (any choice moves the same number).
    for (const i of active.slice(quota).reverse()) this.revokeShard(i);
    if (active.length < quota) await this.acquire(quota - active.length, rank, live.length);
    return undefined;
  }

  /** Try free shards, starting at this member's share of the ring so that joiners rarely collide. */
  private async acquire(wanted: number, rank: number, members: number): Promise<void> {
    const { client, group, consumer, leaseMs, shards } = this.deps;
    const n = shards.length;
    const first = Math.floor((rank * n) / Math.max(1, members));
    for (let k = 0; k < n && wanted > 0; k++) {
      const i = (first + k) % n;
      if (this.held.has(i)) continue;
      const keys = shards[i] as StreamKeys;
      const sent = Date.now();
      const reply = await acquireLeaseScript.run<[string, number] | null>(
        client,
        [keys.lease(group), keys.leaseEpoch(group), keys.stream],
        [group, consumer, String(leaseMs)],
      );
      if (!reply) continue;
      const [token, claimed] = reply;
      this.held.set(i, { token, validUntil: sent + TRUST * leaseMs, revoking: false });
      wanted--;
      try {
        await this.deps.acquired(i, token, Number(claimed));
      } catch (err) {
        this.deps.onError(err);
        this.revokeShard(i);
      }
    }
  }

  private async renew(): Promise<undefined> {
    const { client, group, leaseMs, shards } = this.deps;
    await Promise.all(
      [...this.held].map(async ([i, h]) => {
        const sent = Date.now();
        const ok = await renewLeaseScript.run<number>(
          client,
          [(shards[i] as StreamKeys).lease(group)],
          [h.token, String(leaseMs)],
        );
        if (ok === 1) h.validUntil = Math.max(h.validUntil, sent + TRUST * leaseMs);
        else this.lose(i, h.token);
      }),
    );
    return undefined;
  }

  private lose(shard: number, token: string): void {
    if (this.held.get(shard)?.token !== token) return;
    this.held.delete(shard);
    this.deps.lost(shard);
  }

  private revokeShard(shard: number): void {
    const h = this.held.get(shard);
    if (!h || h.revoking) return;
    h.revoking = true;
    const done = (async () => {
      try {
        await this.deps.revoke(shard);
      } catch (err) {
        this.deps.onError(err);
      }
      if (this.held.get(shard) !== h) return;
      this.held.delete(shard);
      const keys = this.deps.shards[shard] as StreamKeys;
      await releaseLeaseScript.run(this.deps.client, [keys.lease(this.deps.group)], [h.token]).catch(this.deps.onError);
    })();
    this.revokes.add(done);
    void done.finally(() => this.revokes.delete(done));
  }
}
