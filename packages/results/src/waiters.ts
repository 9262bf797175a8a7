// waitFor's machinery: ONE blocking XREAD connection per Results instance serves every
// waiter. A waiter that arrives after its result was written is found by a backfill scan
// (one XRANGE pass for all waiters that registered in the same tick).
import { ClosedError, type Codec, type RedisClient } from '@sluice/core';
import {
  idMs,
  parseRangeReply,
  parseReadReply,
  parseResultEntry,
  type ResultEntry,
  reconnectDelayMs,
} from '@sluice/core/plugin';
import { WaitTimeoutError } from './errors.js';

export interface WaitersDeps {
  /** The results stream key. */
  key: string;
  codec: Codec;
  /** Only results of this group count; undefined accepts every group. */
  group: string | undefined;
  blockMs: number;
  readCount: number;
  /** The command connection (backfill scans). */
  command(): Promise<RedisClient>;
  /** The dedicated blocking connection (created once, owned by the Results instance). */
  blocking(): Promise<RedisClient>;
  onError(err: unknown): void;
}

interface Waiter {
  id: string;
  resolve(entry: ResultEntry): void;
  reject(err: unknown): void;
  done: boolean;
  cleanup(): void;
}

export class Waiters {
  /** Entry id → its waiters; a final result for that id (or a task with that origin) settles them. */
  private readonly byId = new Map<string, Set<Waiter>>();
  /** Registered since the last backfill. */
  private fresh: Waiter[] = [];
  /** Last results id the live loop has passed; undefined while it is not running. */
  private cursor: string | undefined;
  private cursorReady: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private backfill: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: WaitersDeps) {}

  /** Waiters not yet settled. */
  get size(): number {
    let n = 0;
    for (const set of this.byId.values()) n += set.size;
    return n;
  }

  /** `timeoutMs`: Infinity never times out. */
  wait(id: string, opts: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<ResultEntry> {
    if (this.closed) return Promise.reject(new ClosedError('Results is closed'));
    const { signal, timeoutMs } = opts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<ResultEntry>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => settle(() => reject(signal?.reason));
      const w: Waiter = {
        id,
        done: false,
        resolve: (entry) => settle(() => resolve(entry)),
        reject: (err) => settle(() => reject(err)),
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      const settle = (fn: () => void) => {
        if (w.done) return;
        w.done = true;
        w.cleanup();
        this.remove(w);
        fn();
      };
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => settle(() => reject(new WaitTimeoutError(id, timeoutMs))), timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.add(w);
    });
  }

  /** Reject every waiter and stop reading. The caller destroys the blocking connection. */
  close(): void {
    this.closed = true;
    const err = new ClosedError('Results closed while waiting');
    for (const set of [...this.byId.values()]) for (const w of [...set]) w.reject(err);
  }

  private add(w: Waiter): void {
    const set = this.byId.get(w.id);
    if (set) set.add(w);
    else this.byId.set(w.id, new Set([w]));
    this.fresh.push(w);
    // Both clear their own field synchronously as they decide to stop (not in a later
    // `finally`), so a waiter added right then starts a new one instead of being stranded.
    this.loop ??= this.run();
    this.backfill ??= this.runBackfill();
  }

  private remove(w: Waiter): void {
    const set = this.byId.get(w.id);
    if (!set) return;
    set.delete(w);
    if (set.size === 0) this.byId.delete(w.id);
  }

  /** Settle the waiters a final result answers (by its origin, and by its own id on a retry). */
  private match(r: ResultEntry): void {
    if (!r.final || (this.deps.group !== undefined && r.group !== this.deps.group)) return;
    for (const key of r.id === r.origin ? [r.id] : [r.origin, r.id]) {
      const set = this.byId.get(key);
      if (set) for (const w of [...set]) w.resolve(r);
    }
  }

  /** The live loop: XREAD BLOCK from the cursor while anyone waits. */
  private async run(): Promise<void> {
    const { key, blockMs, readCount } = this.deps;
    let failures = 0;
    let markReady: () => void = () => {};
    this.cursorReady = new Promise((resolve) => {
      markReady = resolve;
    });
    while (!this.closed && this.byId.size > 0) {
      try {
        if (this.cursor === undefined) {
          // Start at the newest result: older ones are the backfill's job.
          const last = parseRangeReply(
            await (await this.deps.command()).sendCommand(['XREVRANGE', key, '+', '-', 'COUNT', '1']),
          );
          this.cursor = last[0]?.id ?? '0-0';
          markReady();
          continue;
        }
        const client = await this.deps.blocking();
        const reply = await client.sendCommand([
          'XREAD',
          'COUNT',
          String(readCount),
          'BLOCK',
          String(blockMs),
          'STREAMS',
          key,
          this.cursor,
        ]);
        failures = 0;
        // Synchronous from here: a waiter registers either before this batch (and is matched
        // by it) or after the cursor moved (and its backfill covers the batch).
        for (const raw of parseReadReply(reply)) {
          this.cursor = raw.id;
          const r = parseResultEntry(raw, this.deps.codec);
          if (r) this.match(r);
        }
      } catch (err) {
        if (this.closed) break;
        this.deps.onError(err);
        await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(failures++)));
      }
    }
    this.cursor = undefined;
    this.loop = undefined;
    markReady();
  }

  /** Scan results written up to the live loop's cursor for waiters that came late. */
  private async runBackfill(): Promise<void> {
    await Promise.resolve(); // let the rest of this tick's waiters register first
    while (this.fresh.length > 0 && !this.closed) {
      await this.cursorReady;
      const batch = this.fresh.filter((w) => !w.done);
      const upTo = this.cursor;
      if (batch.length > 0 && upTo === undefined) {
        // A new live loop is starting: wait for its cursor (the pause guards against a spin).
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      this.fresh = [];
      if (batch.length === 0 || upTo === undefined) continue;
      const { key, readCount } = this.deps;
      // A result is written after its task entry, so it is never older than the entry id's time.
      let start = `${Math.min(...batch.map((w) => idMs(w.id)))}-0`;
      try {
        const client = await this.deps.command();
        for (;;) {
          const raws = parseRangeReply(
            await client.sendCommand(['XRANGE', key, start, upTo, 'COUNT', String(readCount)]),
          );
          for (const raw of raws) {
            const r = parseResultEntry(raw, this.deps.codec);
            if (r) this.match(r);
          }
          const last = raws[raws.length - 1];
          if (!last || raws.length < readCount || batch.every((w) => w.done)) break;
          start = `(${last.id}`;
        }
      } catch (err) {
        // Its result may be behind the cursor, where the live loop will never look: fail it.
        for (const w of batch) w.reject(err);
      }
    }
    this.backfill = undefined;
  }
}
