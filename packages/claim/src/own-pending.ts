// At start, before the consumer re-reads its own pending entries (a restart under a fixed
// consumer name), dead-letter those already delivered maxDeliveries times: re-reading would
// deliver them once more, and a poison entry would crash this process forever.
import type { PluginContext } from '@sluice/core';
import { parseRangeReply } from '@sluice/core/plugin';
import { MaxDeliveriesError } from './errors.js';
import type { RecoveryStats } from './stats.js';

const PAGE = 500;

type PendingRow = [string, string, number, number];

export async function deadLetterOwnPoison(
  ctx: PluginContext,
  maxDeliveries: number,
  stats: RecoveryStats,
): Promise<number> {
  const { redis, keys, group, consumer } = ctx;
  let start = '-';
  let found = 0;
  for (;;) {
    const rows = await redis.sendCommand<PendingRow[]>([
      'XPENDING',
      keys.stream,
      group,
      start,
      '+',
      String(PAGE),
      consumer,
    ]);
    for (const [id, , , count] of rows) {
      const deliveries = Number(count) + 1;
      if (deliveries <= maxDeliveries) continue;
      const [raw] = parseRangeReply(await redis.sendCommand(['XRANGE', keys.stream, id, id]));
      // Gone from the stream: the read loop acks it as deleted.
      if (!raw) continue;
      found++;
      stats.poisoned++;
      ctx.deadLetter(raw, 'max-deliveries', new MaxDeliveriesError(deliveries, maxDeliveries), deliveries);
    }
    if (rows.length < PAGE) {
      // Written before the read loop starts, so its re-read of our pending list cannot see them.
      await ctx.flush();
      return found;
    }
    start = `(${(rows[rows.length - 1] as PendingRow)[0]}`;
  }
}
