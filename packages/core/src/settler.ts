// Batched settling: every outcome finished in one tick goes out in one settle script call.
// One call in flight at a time, so under load the next batch grows while this one runs.
import type { RedisClient } from './connection.js';
import { reconnectDelayMs } from './connection.js';
import { KEY_ROLES, roleKeys, type StreamKeys } from './keys.js';
import { settleScript } from './lua/settle.js';
import type { Outcome, SettleWrite } from './outcome.js';
import { packTemplates, pushRow, pushTemplate, type RowShape, type Template } from './pack.js';

const keyIndex = Object.fromEntries(KEY_ROLES.map((role, i) => [role, String(i + 1)])) as Record<string, string>;

export interface SettlerDeps {
  client: RedisClient;
  keys: StreamKeys;
  group: string;
  consumer: string;
  fence: boolean;
  maxBatch: number;
  onSettled(applied: Outcome[], fenced: Outcome[]): void;
  onError(err: unknown): void;
}

/** Stream id order ("ms-seq", both parts unbounded decimal): -1, 0 or 1. */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  // Same length of ms and of seq (the usual case): text order is number order.
  if (da === db && a.length === b.length && da >= 0) return a < b ? -1 : 1;
  const ams = da < 0 ? a : a.slice(0, da);
  const bms = db < 0 ? b : b.slice(0, db);
  if (ams !== bms) return ams.length !== bms.length ? (ams.length < bms.length ? -1 : 1) : ams < bms ? -1 : 1;
  const aseq = da < 0 ? '0' : a.slice(da + 1);
  const bseq = db < 0 ? '0' : b.slice(db + 1);
  if (aseq === bseq) return 0;
  return aseq.length !== bseq.length ? (aseq.length < bseq.length ? -1 : 1) : aseq < bseq ? -1 : 1;
}

/**
 * The fence reads this consumer's PEL between the batch's lowest and highest id, at most
 * this many entries: the batch itself plus room for other entries it holds in that range.
 */
export function fenceLimit(batchSize: number): number {
  return 2 * batchSize + 256;
}

/** A settle write as the command the script runs: XADD/ZADD with '' in the key's slot. */
export const writeShape: RowShape<SettleWrite> = {
  same: (a, b) => a.op === b.op && a.key === b.key && writeShape.length(a) === writeShape.length(b),
  length: (w) => (w.op === 'zadd' ? 4 : (w.trim ? 6 : 3) + w.fields.length),
  at(w, j) {
    if (w.op === 'zadd') return j === 0 ? 'ZADD' : j === 1 ? '' : j === 2 ? String(w.score) : w.member;
    const head = w.trim ? 6 : 3;
    if (j >= head) return w.fields[j - head] as string;
    if (j === 0) return 'XADD';
    if (j === 1) return '';
    if (!w.trim) return '*';
    return j === 2 ? w.trim.kind : j === 3 ? '~' : j === 4 ? w.trim.value : '*';
  },
};

export function settleArgs(group: string, consumer: string, fence: boolean, batch: readonly Outcome[]): string[] {
  let low = batch[0]?.entry.id ?? '0-0';
  let high = low;
  const writes: SettleWrite[] = [];
  const owners: string[] = [];
  const code = (o: Outcome) => 2 * o.writes.length + (o.ack ? 1 : 0);
  let shared: number | undefined = batch[0] ? code(batch[0]) : 0;
  for (const o of batch) {
    const id = o.entry.id;
    if (compareIds(id, low) < 0) low = id;
    if (compareIds(id, high) > 0) high = id;
    if (shared !== undefined && code(o) !== shared) shared = undefined;
    for (const w of o.writes) {
      writes.push(w);
      owners.push(id);
    }
  }
  const { templates, of } = packTemplates(writes, writeShape, owners);
  const args = [group, consumer, fence ? '1' : '0', String(batch.length), low, high, String(fenceLimit(batch.length))];
  args.push(String(templates.length), shared === undefined ? '' : String(shared));
  for (const t of templates) {
    args.push(keyIndex[t.first.key] as string);
    pushTemplate(args, t, writeShape);
  }
  let w = 0;
  for (const o of batch) {
    args.push(o.entry.id);
    if (shared === undefined) args.push(String(code(o)));
    for (const write of o.writes) {
      const t = of[w++] as number;
      if (templates.length > 1) args.push(String(t + 1));
      pushRow(args, templates[t] as Template<SettleWrite>, write, writeShape);
    }
  }
  return args;
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
    this.keyList = roleKeys(deps.keys);
  }

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
    let reply: number[];
    try {
      reply = await settleScript.run<number[]>(client, this.keyList, settleArgs(group, consumer, fence, batch));
      this.failures = 0;
    } catch (err) {
      this.flushing = false;
      if (/NOGROUP/.test(String((err as Error)?.message))) {
        // The group is gone: nobody can own these entries any more.
        this.deps.onError(err);
        this.deps.onSettled([], batch);
        return this.flush();
      }
      // The script may or may not have run; running it again is safe with fencing on,
      // because an applied outcome is no longer pending for us and is skipped.
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
    const applied: Outcome[] = [];
    const fenced: Outcome[] = [];
    for (let i = 0; i < batch.length; i++) (reply[i] === 1 ? applied : fenced).push(batch[i] as Outcome);
    this.flushing = false;
    this.deps.onSettled(applied, fenced);
    if (this.queue.length > 0) void this.flush();
    else this.notifyIdle();
  }
}
