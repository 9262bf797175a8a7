// Promotion of due delayed tasks (retries, scheduled publishes) into the stream. Every
// Consumer runs one on a jittered timer; the script is safe when many run at once, so no
// leader is needed and a retry is never stuck because one process died.
import type { StreamKeys } from '../keys.js';
import { PROMOTE_BATCH, parsePromoteReply, promoteArgs, promoteKeys, promoteScript } from '../lua/promote.js';
import { resourceKeys } from '../lua/resources.js';
import type { RedisClient } from '../redis/connection.js';
import { Repeating } from '../timer.js';

export interface PromoterDeps {
  client: RedisClient;
  keys: StreamKeys;
  /** Mean time between promote calls; 0 turns promotion off for this consumer. */
  intervalMs: number;
  onPromoted(count: number): void;
  onError(err: unknown): void;
}

export class Promoter {
  private readonly timer: Repeating;
  private stopped = false;

  constructor(private readonly deps: PromoterDeps) {
    this.timer = new Repeating(deps.intervalMs, () => this.tick(), deps.onError);
  }

  start(): void {
    if (this.deps.intervalMs > 0) this.timer.start();
  }

  /** Stop the timer and wait for a call in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.timer.stop();
  }

  /** Promote everything due now (in bounded batches); resolves with the number moved. */
  async promoteNow(now = Date.now()): Promise<number> {
    const { client, keys } = this.deps;
    let total = 0;
    for (;;) {
      const reply = await promoteScript.run(
        client,
        promoteKeys(keys),
        promoteArgs(now, PROMOTE_BATCH, resourceKeys(keys).queue),
      );
      const { promoted, due } = parsePromoteReply(reply);
      total += promoted;
      if (due < PROMOTE_BATCH || this.stopped) return total;
    }
  }

  private async tick(): Promise<undefined> {
    const count = await this.promoteNow();
    if (count > 0) this.deps.onPromoted(count);
    return undefined;
  }
}
