// Promotion of due delayed tasks (retries, scheduled publishes) into the stream. Every
// Consumer runs one on a jittered timer; the script is safe when many run at once, so no
// leader is needed and a retry is never stuck because one process died.
import type { RedisClient } from './connection.js';
import type { StreamKeys } from './keys.js';
import { promoteScript } from './lua/promote.js';

/** Most members one promote call moves; a full batch is followed by another call at once. */
export const PROMOTE_BATCH = 500;

export interface PromoterDeps {
  client: RedisClient;
  keys: StreamKeys;
  /** Mean time between promote calls; 0 turns promotion off for this consumer. */
  intervalMs: number;
  onPromoted(count: number): void;
  onError(err: unknown): void;
}

/** A delay spread uniformly over [0.5, 1.5) × `ms`, so a fleet started together does not run in step. */
export function jittered(ms: number): number {
  return Math.max(1, Math.round(ms * (0.5 + Math.random())));
}

export class Promoter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: PromoterDeps) {}

  start(): void {
    if (this.deps.intervalMs > 0) this.schedule();
  }

  /** Stop the timer and wait for a call in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Promote everything due now (in bounded batches); resolves with the number moved. */
  async promoteNow(now = Date.now()): Promise<number> {
    const { client, keys } = this.deps;
    let total = 0;
    for (;;) {
      const [promoted, , due] = await promoteScript.run<[number, number, number]>(
        client,
        [keys.delayed, keys.stream, keys.dlq],
        [String(now), String(PROMOTE_BATCH)],
      );
      total += promoted;
      if (due < PROMOTE_BATCH || this.stopped) return total;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, jittered(this.deps.intervalMs));
  }

  private async tick(): Promise<void> {
    try {
      const count = await this.promoteNow();
      if (count > 0) this.deps.onPromoted(count);
    } catch (err) {
      if (!this.stopped) this.deps.onError(err);
    }
  }
}
