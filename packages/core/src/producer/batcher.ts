// Coalescing: items added in the same tick (or within `lingerMs`) for one Redis key go out
// together, at most `maxBatch` per call. The Producer batches task entries per stream with
// it, and scheduled publishes per `:delayed` set: one round trip for hundreds of entries.

export interface BatcherOptions<T> {
  /** Most items in one call. */
  maxBatch: number;
  /** Wait this long for more items; 0 sends on the next tick. */
  lingerMs: number;
  /** Write one batch; settles each item's own promise (resolve or reject) itself. */
  send(key: string, items: T[]): Promise<void>;
}

interface Queue<T> {
  items: T[];
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
}

export class Batcher<T> {
  private readonly queues = new Map<string, Queue<T>>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly opts: BatcherOptions<T>) {}

  add(key: string, item: T): void {
    let q = this.queues.get(key);
    if (!q) {
      q = { items: [], timer: undefined };
      this.queues.set(key, q);
    }
    q.items.push(item);
    this.schedule(key, q);
  }

  /** Add many items at once (sent together when they fit in one batch). */
  addAll(key: string, items: readonly T[]): void {
    for (const item of items) this.add(key, item);
  }

  /** Send everything queued now and wait for every call in flight. */
  async flush(): Promise<void> {
    for (const [key, q] of this.queues) {
      this.clearTimer(q);
      while (q.items.length > 0) this.sendBatch(key, q);
    }
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private schedule(key: string, q: Queue<T>): void {
    while (q.items.length >= this.opts.maxBatch) this.sendBatch(key, q);
    if (q.items.length === 0 || q.timer) return;
    const fire = () => {
      q.timer = undefined;
      while (q.items.length > 0) this.sendBatch(key, q);
    };
    q.timer = this.opts.lingerMs > 0 ? setTimeout(fire, this.opts.lingerMs) : setImmediate(fire);
  }

  private clearTimer(q: Queue<T>): void {
    clearTimeout(q.timer as NodeJS.Timeout);
    clearImmediate(q.timer as NodeJS.Immediate);
    q.timer = undefined;
  }

  private sendBatch(key: string, q: Queue<T>): void {
    const batch = q.items.splice(0, this.opts.maxBatch);
    const p = this.opts.send(key, batch).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }
}
