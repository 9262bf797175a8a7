// The read of a consumer with `capacity` (docs/allocation.md, "Resources"): one MULTI runs the
// resource dispatch (the best waiting tasks that fit this consumer's free capacity, into the
// stream) and its XREADGROUP '>', like the ordered read (dispatcher.ts). A heartbeat keeps the
// consumer's capacity record alive and reports tasks no live consumer could run. When nothing
// fits it blocks on the wake stream and the stream; a local release of capacity ends that wait
// (CLIENT UNBLOCK) when a task seen could run here once capacity frees.
import type { StreamKeys } from '../keys.js';
import {
  type HeartbeatReply,
  heartbeatArgs,
  heartbeatKeys,
  parseHeartbeatReply,
  parseResourceDispatchReply,
  type ResourceKeys,
  resourceDispatchArgs,
  resourceDispatchKeys,
  resourceDispatchScript,
  resourceHeartbeatScript,
  resourceKeys,
  resourceReturnScript,
  returnArgs,
  returnKeys,
} from '../lua/resources.js';
import type { RedisClient } from '../redis/connection.js';
import { readGroupCommand, wakeReadCommand } from '../redis/group.js';
import { parseReadReply } from '../redis/reply.js';
import { Repeating } from '../timer.js';
import { sleep } from '../util.js';
import type { RawEntry } from '../wire/task.js';
import type { ResolvedPlacement, ResourcePool } from './capacity.js';

export interface ResourceDispatcherDeps {
  keys: StreamKeys;
  group: string;
  consumer: string;
  blockMs: number;
  placement: ResolvedPlacement;
  pool: ResourcePool;
  /** Tasks the dispatch dead-lettered (past their deadline, or not decodable). */
  onDeadLettered(expired: number, malformed: number): void;
  /** The heartbeat's count of tasks no live consumer could run changed. */
  onUnschedulable(reply: HeartbeatReply): void;
  onError(err: unknown): void;
}

export class ResourceDispatcher {
  private readonly rk: ResourceKeys;
  private readonly dispatchKeys: string[];
  private heartbeat: Repeating | undefined;
  private client: RedisClient | undefined;
  private readerId: string | undefined;
  /** In XREAD BLOCK while a task seen could run here once capacity frees. */
  private waitingForRoom = false;
  private unblockScheduled = false;
  /** Local releases so far: a read compares it before and after its dispatch. */
  private releases = 0;
  private lastUnschedulable = 0;

  constructor(private readonly deps: ResourceDispatcherDeps) {
    this.rk = resourceKeys(deps.keys);
    this.dispatchKeys = resourceDispatchKeys(deps.keys, this.rk);
  }

  /** Publish the capacity record (first heartbeat, awaited) and keep it alive. */
  async start(client: RedisClient): Promise<void> {
    this.client = client;
    await this.beat();
    const { heartbeatMs } = this.deps.placement;
    this.heartbeat = new Repeating(heartbeatMs, () => this.beat().then(() => undefined), this.deps.onError);
    this.heartbeat.start();
  }

  /** Stop the heartbeat and remove the capacity record (a killed consumer's expires instead). */
  async stop(): Promise<void> {
    await this.heartbeat?.stop();
    const { consumer, placement } = this.deps;
    if (this.client)
      await resourceHeartbeatScript
        .run(this.client, heartbeatKeys(this.rk), heartbeatArgs(consumer, undefined, 3 * placement.heartbeatMs))
        .catch(() => undefined);
  }

  /** Capacity was released here: a blocked read that saw a task waiting for it asks again now. */
  released(): void {
    this.releases++;
    if (!this.waitingForRoom || this.unblockScheduled || !this.readerId || !this.client) return;
    this.unblockScheduled = true;
    setImmediate(() => void this.unblock());
  }

  /** CLIENT UNBLOCK our read; our XREAD may not have reached Redis yet (0 unblocked): try again shortly. */
  private async unblock(): Promise<void> {
    try {
      for (let i = 0; i < 50 && this.waitingForRoom && this.readerId && this.client; i++) {
        if (Number(await this.client.sendCommand(['CLIENT', 'UNBLOCK', this.readerId])) === 1) return;
        await sleep(1);
      }
    } catch {
      // The read ends at blockMs anyway.
    } finally {
      this.unblockScheduled = false;
    }
  }

  /** Put entries this consumer could never run back into their queues (only while it owns them). */
  async giveBack(ids: readonly string[]): Promise<number> {
    const { keys, group, consumer } = this.deps;
    return resourceReturnScript.run<number>(
      this.client as RedisClient,
      returnKeys(keys, this.rk),
      returnArgs(this.rk, group, consumer, ids),
    );
  }

  /** Up to `count` entries that fit; waits up to blockMs when there are none. */
  async read(reader: RedisClient, count: number): Promise<RawEntry[]> {
    const { placement, pool, blockMs, consumer } = this.deps;
    this.readerId ??= await reader.sendCommand<number>(['CLIENT', 'ID']).then(String, () => undefined);
    const releases = this.releases;
    const args = resourceDispatchArgs(
      this.rk,
      consumer,
      count,
      Date.now(),
      placement.starveAfter,
      pool.free(),
      placement.capacity,
    );
    const { group, keys } = this.deps;
    const [script, read] = await resourceDispatchScript.runThen(
      reader,
      this.dispatchKeys,
      args,
      readGroupCommand(group, consumer, keys.stream, count),
    );
    const reply = parseResourceDispatchReply(script);
    if (reply.expired > 0 || reply.malformed > 0) this.deps.onDeadLettered(reply.expired, reply.malformed);
    const entries = parseReadReply(read as never);
    if (entries.length > 0 || reply.moved > 0) return entries;
    // Capacity freed while the script ran (it saw the older free amounts): dispatch again now.
    if (reply.later > 0 && this.releases !== releases) return [];
    this.waitingForRoom = reply.later > 0;
    try {
      await reader.sendCommand(
        wakeReadCommand(blockMs, this.rk.wake, this.deps.keys.stream, reply.wakeId, reply.lastId),
      );
    } finally {
      this.waitingForRoom = false;
    }
    return [];
  }

  private async beat(): Promise<void> {
    const { consumer, placement } = this.deps;
    const reply = parseHeartbeatReply(
      await resourceHeartbeatScript.run(
        this.client as RedisClient,
        heartbeatKeys(this.rk),
        heartbeatArgs(consumer, placement.json, 3 * placement.heartbeatMs),
      ),
    );
    if (reply.unschedulable !== this.lastUnschedulable) {
      this.lastUnschedulable = reply.unschedulable;
      this.deps.onUnschedulable(reply);
    }
  }
}
