// recovery(): the plugin that makes a Consumer survive crashes and failures — reclaim from
// dead or stuck consumers, keep held entries alive, retry with backoff, dead-letter poison
// entries, remove dead consumers. Retry options live here, not on the Consumer.
import { ConfigError, type ConsumerPlugin, type Outcome, type PluginContext } from '@sluice/core';
import { Repeating, registerClaimerScript } from '@sluice/core/plugin';
import { DeadConsumerReaper } from './dead-consumers.js';
import { Keepalive } from './keepalive.js';
import { type RecoveryOptions, type ResolvedRecoveryOptions, resolveRecoveryOptions } from './options.js';
import { deadLetterOwnPoison } from './own-pending.js';
import { Reclaimer } from './reclaimer.js';
import { decideRetry } from './retry.js';
import { emptyStats, type RecoveryStats } from './stats.js';

export interface RecoveryPlugin extends ConsumerPlugin {
  readonly name: 'recovery';
  readonly options: Readonly<ResolvedRecoveryOptions>;
  /** Live counters for this plugin's consumer. */
  readonly stats: Readonly<RecoveryStats>;
  /** Where the next reclaim pass starts in the group's PEL ('0-0' after a whole pass). */
  readonly cursor: string;
  /** Run one reclaim pass now (tests, or after you know a consumer died). Resolves with entries taken over. */
  reclaimNow(): Promise<number>;
}

/**
 * `new Consumer({ ..., use: [recovery({ minIdleMs: 30_000, attempts: 5 })] })`.
 * One instance per Consumer: it keeps that consumer's reclaim cursor and counters.
 */
export function recovery(opts: RecoveryOptions = {}): RecoveryPlugin {
  const options = resolveRecoveryOptions(opts);
  const stats = emptyStats();
  const jobs: Repeating[] = [];
  let reclaimer: Reclaimer | undefined;
  let started = false;

  return {
    name: 'recovery',
    options,
    stats,
    get cursor() {
      return reclaimer?.position ?? '0-0';
    },

    async start(ctx: PluginContext) {
      if (started) throw new ConfigError('recovery(): one plugin instance per Consumer; call recovery() for each');
      started = true;
      const onError = (err: unknown) => ctx.reportError(err);
      // Before any claim: settles of entries younger than half this skip their owner check (core lua/fence.ts).
      await ctx.run(registerClaimerScript, [ctx.keys.claimers], [ctx.group, String(options.minIdleMs)]);
      await deadLetterOwnPoison(ctx, options.maxDeliveries, stats);
      reclaimer = new Reclaimer(ctx, options, stats);
      const r = reclaimer;
      jobs.push(new Repeating(options.claimIntervalMs, () => r.tick(), onError));
      const keepalive = new Keepalive(ctx, stats);
      jobs.push(new Repeating(options.keepaliveIntervalMs, () => keepalive.tick(), onError));
      if (options.deadConsumerMs > 0) {
        const reaper = new DeadConsumerReaper(ctx, options.deadConsumerMs, stats);
        jobs.push(new Repeating(DeadConsumerReaper.intervalMs(options.deadConsumerMs), () => reaper.tick(), onError));
      }
      for (const job of jobs) job.start();
    },

    decide(outcome: Outcome) {
      decideRetry(outcome, options);
    },

    settled(applied: readonly Outcome[], fenced: readonly Outcome[]) {
      for (const o of applied) {
        if (o.status === 'dead')
          stats.deadLettered[o.reason ?? 'unknown'] = (stats.deadLettered[o.reason ?? 'unknown'] ?? 0) + 1;
        else if (o.retryAt !== undefined) stats.retried++;
      }
      stats.fenced += fenced.length;
    },

    async close() {
      await Promise.all(jobs.map((job) => job.stop()));
    },

    async reclaimNow() {
      if (!reclaimer) throw new ConfigError('recovery(): reclaimNow() before the consumer started');
      const before = stats.reclaimed + stats.poisoned;
      await reclaimer.tick();
      return stats.reclaimed + stats.poisoned - before;
    },
  };
}
