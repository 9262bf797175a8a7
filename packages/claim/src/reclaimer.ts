// The reclaimer: takes over entries whose owner stopped touching them (crashed, stuck,
// partitioned) and feeds them to this consumer's handlers. Runs in every consumer that uses
// recovery(); XAUTOCLAIM makes concurrent reclaimers safe, so no leader is needed.
import type { PluginContext } from '@sluice/core';
import { parseRangeReply, type RawEntry } from '@sluice/core/plugin';
import { MaxDeliveriesError } from './errors.js';
import { autoclaimScript } from './lua/autoclaim.js';
import type { RecoveryStats } from './stats.js';

/** Next pass this soon when the last one filled every free slot (more may be waiting). */
export const BUSY_DELAY_MS = 25;

export interface ReclaimerOptions {
  minIdleMs: number;
  maxDeliveries: number;
}

type AutoclaimReply = [string, unknown, string[], number[]];

export class Reclaimer {
  /** Where the next XAUTOCLAIM starts; back to 0-0 only after a whole pass of the PEL. */
  private cursor = '0-0';
  private behind = false;

  constructor(
    private readonly ctx: PluginContext,
    private readonly opts: ReclaimerOptions,
    private readonly stats: RecoveryStats,
  ) {}

  get position(): string {
    return this.cursor;
  }

  /** One pass: claim at most as many entries as there are free slots. Returns the next delay. */
  async tick(): Promise<number | undefined> {
    const { ctx } = this;
    const free = ctx.freeSlots();
    if (free === 0 || ctx.closing) return this.behind ? BUSY_DELAY_MS : undefined;
    const args = [ctx.group, ctx.consumer, String(this.opts.minIdleMs), this.cursor, String(free)];
    const [cursor, rawEntries, deleted, deliveries] = await ctx.run<AutoclaimReply>(
      autoclaimScript,
      [ctx.keys.stream],
      args,
    );
    this.cursor = String(cursor);
    const entries = parseRangeReply(rawEntries);
    if (deleted.length > 0) {
      this.stats.deleted += deleted.length;
      // Already acked by the script; the consumer reports them (`deleted` event).
      ctx.deliver(deleted.map((id): RawEntry => ({ id: String(id), fields: null })));
    }
    this.deliver(entries, deliveries);
    this.behind = entries.length > 0 && (entries.length >= free || this.cursor !== '0-0');
    return this.behind ? BUSY_DELAY_MS : undefined;
  }

  /** Run what was claimed; an entry delivered more than maxDeliveries times goes to the DLQ instead. */
  private deliver(entries: RawEntry[], deliveries: number[]): void {
    const { maxDeliveries } = this.opts;
    const counts = new Map<string, number>();
    const run: RawEntry[] = [];
    entries.forEach((entry, i) => {
      const count = Number(deliveries[i] ?? 1);
      if (count > maxDeliveries) {
        this.stats.poisoned++;
        this.ctx.deadLetter(entry, 'max-deliveries', new MaxDeliveriesError(count, maxDeliveries), count);
      } else {
        counts.set(entry.id, count);
        run.push(entry);
      }
    });
    if (run.length === 0) return;
    this.stats.reclaimed += run.length;
    this.ctx.deliver(run, { deliveries: counts, source: 'reclaimed' });
  }
}
