// The keepalive: an owner resets the idle time of every entry it holds (running or waiting
// for a handler slot) well before minIdleMs, so a slow but alive consumer is never robbed.
// The touch script skips entries someone else took over: waking from a pause never steals.
import type { PluginContext } from '@sluice/core';
import { touchScript } from '@sluice/core/plugin';
import type { RecoveryStats } from './stats.js';

/** Ids per touch script call. */
export const TOUCH_BATCH = 200;

export class Keepalive {
  constructor(
    private readonly ctx: PluginContext,
    private readonly stats: RecoveryStats,
  ) {}

  async tick(): Promise<undefined> {
    const ids = this.ctx.heldIds();
    const { ctx } = this;
    for (let i = 0; i < ids.length; i += TOUCH_BATCH) {
      const batch = ids.slice(i, i + TOUCH_BATCH);
      const touched = await ctx.run<string[]>(touchScript, [ctx.keys.stream], [ctx.group, ctx.consumer, ...batch]);
      this.stats.touched += touched.length;
      if (touched.length < batch.length) {
        const lost = batch.length - touched.length;
        this.stats.lost += lost;
        ctx.log.warn(`consumer ${ctx.consumer}: ${lost} held entries were taken over; their outcomes will be fenced`);
      }
    }
    return undefined;
  }
}
