// Dead-consumer cleanup: every restart with a generated name leaves a consumer behind in the
// group. Consumers idle longer than deadConsumerMs with zero pending entries are removed;
// a consumer with pending work is never removed (its entries are reclaimed instead).
import type { PluginContext } from '@sluice/core';
import { reapScript } from './lua/reap.js';
import type { RecoveryStats } from './stats.js';

export class DeadConsumerReaper {
  constructor(
    private readonly ctx: PluginContext,
    private readonly deadConsumerMs: number,
    private readonly stats: RecoveryStats,
  ) {}

  /** How often to look: half the threshold, between 100 ms and one minute. */
  static intervalMs(deadConsumerMs: number): number {
    return Math.min(60_000, Math.max(100, Math.floor(deadConsumerMs / 2)));
  }

  async tick(): Promise<undefined> {
    const { ctx } = this;
    const removed = await ctx.run<string[]>(
      reapScript,
      [ctx.keys.stream],
      [ctx.group, String(this.deadConsumerMs), ctx.consumer],
    );
    if (removed.length > 0) {
      this.stats.removedConsumers += removed.length;
      ctx.log.info(`removed ${removed.length} idle consumers with nothing pending: ${removed.join(', ')}`);
    }
    return undefined;
  }
}
