// Batched settling: every outcome finished in one tick goes out in one settle script call.
// One call in flight at a time, so under load the next batch grows while this one runs.
import { roleKeys, type StreamKeys } from '../keys.js';
import { parseSettleReply, settleArgs, settleScript } from '../lua/settle.js';
import { type RedisClient, reconnectDelayMs } from '../redis/connection.js';
import type { Outcome } from '../wire/outcome.js';

export interface SettlerDeps {
  client: RedisClient;
  keys: StreamKeys;
  group: string;
  consumer: string;
  /** 'strict' checks every batch; true skips the check for batches read within the window (lua/fence.ts). */
  fence: boolean | 'strict';
  maxBatch: number;
  /** Redis ms at or before which this consumer's read delivered the entry; 0 when unknown. */
  readAt(id: string): number;
  /** The entry's settle may have run already (lost reply): its next settle checks ownership. */
  distrust(id: string): void;
  onSettled(applied: Outcome[], fenced: Outcome[]): void;
  onError(err: unknown): void;
  /** Key concurrency is on (ordering.keyConcurrency): an acked entry releases its key's slot. */
  releaseKeys?: boolean;
}

export class Settler {
  private queue: Outcome[] = [];
  private flushing = false;
  private scheduled = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private idle: Array<() => void> = [];
  private readonly keyList: string[];

  constructor(private readonly deps: SettlerDeps) {
    this.keyList = [...roleKeys(deps.keys), deps.keys.claimers];
    if (deps.releaseKeys) {
      this.keyList.push(deps.keys.sched('running'), deps.keys.sched('wake'));
      this.release = { holdPrefix: deps.keys.sched('hold:'), queuePrefix: deps.keys.sched('q:') };
    }
  }

  private readonly release: { holdPrefix: string; queuePrefix: string } | undefined;

  get size(): number {
    return this.queue.length;
  }

  add(outcome: Outcome): void {
    this.queue.push(outcome);
    if (this.scheduled || this.flushing || this.retryTimer) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Resolves once nothing is queued or in flight. */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Give up on what is still queued (close timed out): those entries stay pending in Redis. */
  abandon(): Outcome[] {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const dropped = this.queue;
    this.queue = [];
    this.notifyIdle();
    return dropped;
  }

  /** The earliest read time of the batch, or true (check) when an entry's is unknown. */
  private readSince(batch: readonly Outcome[]): number | true {
    let since = Number.POSITIVE_INFINITY;
    for (const o of batch) {
      const at = this.deps.readAt(o.entry.id);
      if (at === 0) return true;
      if (at < since) since = at;
    }
    return batch.length === 0 ? true : since;
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && !this.flushing && !this.scheduled && !this.retryTimer;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    if (this.queue.length === 0) return this.notifyIdle();
    this.flushing = true;
    const { client, group, consumer, fence, maxBatch } = this.deps;
    const batch = this.queue.splice(0, maxBatch);
    let applied: Outcome[];
    let fenced: Outcome[];
    try {
      const mode = fence === true ? this.readSince(batch) : fence === 'strict';
      const reply = await settleScript.run(
        client,
        this.keyList,
        settleArgs(group, consumer, mode, batch, this.release),
      );
      ({ applied, fenced } = parseSettleReply(reply, batch));
      this.failures = 0;
    } catch (err) {
      this.flushing = false;
      if (/NOGROUP/.test(String((err as Error)?.message))) {
        // The group is gone: nobody can own these entries any more.
        this.deps.onError(err);
        this.deps.onSettled([], batch);
        return this.flush();
      }
      // The script may or may not have run; running it again is safe with the owner check
      // (an applied outcome is no longer pending for us and is skipped), so force it.
      for (const o of batch) this.deps.distrust(o.entry.id);
      this.queue.unshift(...batch);
      this.deps.onError(err);
      this.retryTimer = setTimeout(
        () => {
          this.retryTimer = undefined;
          void this.flush();
        },
        reconnectDelayMs(this.failures++),
      );
      return;
    }
    this.flushing = false;
    this.deps.onSettled(applied, fenced);
    if (this.queue.length > 0) void this.flush();
    else this.notifyIdle();
  }
}
