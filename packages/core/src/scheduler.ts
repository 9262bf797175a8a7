// Scheduled publishes (`delayMs` / `at`): the task goes into the stream's `:delayed` set
// instead of the stream, and consumers' promoters move it when due. Calls made in the same
// tick share one ZADD per stream, like immediate publishes share one script call.
import type { RedisClient } from './connection.js';
import { encodeDelayed, newDelayedId } from './delayed.js';
import { PayloadError } from './errors.js';

export interface ScheduleOptions {
  /** Publish this many ms from now instead of now. */
  delayMs?: number | undefined;
  /** Publish at this time (a Date or ms since the epoch) instead of now. */
  at?: Date | number | undefined;
}

/**
 * The due time in ms for a scheduled publish, or undefined when the task should go to the
 * stream now (no option given, or the time is not in the future). Throws PayloadError on
 * a bad value.
 */
export function dueTime(options: ScheduleOptions, now = Date.now()): number | undefined {
  const { delayMs, at } = options;
  if (delayMs !== undefined && at !== undefined) throw new PayloadError('pass "delayMs" or "at", not both');
  let due: number | undefined;
  if (delayMs !== undefined) {
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) {
      throw new PayloadError(`option "delayMs" must be a finite number >= 0, got ${JSON.stringify(delayMs)}`);
    }
    due = now + delayMs;
  } else if (at !== undefined) {
    due = at instanceof Date ? at.getTime() : at;
    if (typeof due !== 'number' || !Number.isFinite(due)) {
      throw new PayloadError(`option "at" must be a Date or ms since the epoch, got ${JSON.stringify(at)}`);
    }
  }
  return due !== undefined && due > now ? Math.round(due) : undefined;
}

interface Item {
  score: number;
  member: string;
  resolve(): void;
  reject(err: unknown): void;
}

export class Scheduler {
  private readonly queues = new Map<string, Item[]>();
  private readonly inflight = new Set<Promise<void>>();
  private timer: NodeJS.Immediate | undefined;

  constructor(
    private readonly connect: () => Promise<RedisClient>,
    private readonly maxBatch: number,
  ) {}

  /** Queue one task for `delayedKey`; resolves with its schedule id once written. */
  add(delayedKey: string, due: number, fields: readonly string[]): Promise<string> {
    const id = newDelayedId();
    const member = encodeDelayed(fields, id);
    const items = this.queues.get(delayedKey) ?? [];
    this.queues.set(delayedKey, items);
    const written = new Promise<void>((resolve, reject) => items.push({ score: due, member, resolve, reject }));
    this.timer ??= setImmediate(() => this.sendAll());
    return written.then(() => id);
  }

  /** Write what is queued now and wait for every write in flight. */
  async flush(): Promise<void> {
    this.sendAll();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private sendAll(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    for (const [key, items] of this.queues) {
      while (items.length > 0) this.send(key, items.splice(0, this.maxBatch));
    }
    this.queues.clear();
  }

  private send(key: string, batch: Item[]): void {
    const args = ['ZADD', key];
    for (const item of batch) args.push(String(item.score), item.member);
    const p = this.connect()
      .then((client) => client.sendCommand(args))
      .then(
        () => {
          for (const item of batch) item.resolve();
        },
        (err) => {
          for (const item of batch) item.reject(err);
        },
      )
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }
}
