// Ordered shards: poison entries. A new lease holder inherits the previous holder's pending
// entries (lua/lease.ts). It runs them one at a time — one inherited entry at a time in the whole
// process, whichever shard it is on — before reading new ones, counting
// each run in `<shard>:lease:<group>:suspects` before the handler starts; an inherited entry
// whose count shows it already ran maxRuns times without an outcome (the original holder's
// run included) is dead-lettered (`max-deliveries`) instead. Without this an entry that crashes
// its process would crash every holder of its shard in turn; run alone, a crash is pinned on
// the one entry that caused it, not on entries that merely ran beside it. New entries are not
// read until the inherited ones are done (the shard's read waits on `clear()`).
import type { ConsumerPlugin, PluginContext } from '../consumer/plugin-types.js';
import { SluiceError } from '../errors.js';
import { parseRangeReply } from '../redis/reply.js';
import { DEAD_REASONS } from '../wire/fields.js';

const PAGE = 1000;
/** The suspects hash outlives a forgotten shard by this long. */
const SUSPECTS_TTL_MS = 86_400_000;

export interface PoisonGuard extends ConsumerPlugin {
  /** Resolves true once no inherited entry is left to run, false if that takes longer than `ms`. */
  clear(ms: number): Promise<boolean>;
}

/** Runs inherited entries one at a time across every shard of a process (one per ShardedConsumer). */
export interface SuspectQueue {
  run<X>(fn: () => Promise<X>): Promise<X>;
}

export function suspectQueue(): SuspectQueue {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    run<X>(fn: () => Promise<X>): Promise<X> {
      const mine = chain.then(fn);
      chain = mine.catch(() => {});
      return mine;
    },
  };
}

/** An internal plugin of each ordered shard's consumer (shard/consumer.ts); maxRuns 0 turns it off. */
export function poisonGuard(maxRuns: number, queue: SuspectQueue): PoisonGuard {
  const suspects = new Set<string>();
  let ctx: PluginContext | undefined;
  let release: () => void = () => {};
  let cleared: Promise<void> = Promise.resolve();
  const done = (id: string) => {
    if (suspects.delete(id) && suspects.size === 0) release();
  };
  const key = () => (ctx as PluginContext).keys.suspects((ctx as PluginContext).group);

  return {
    name: 'ordered-poison-guard',
    async start(c) {
      ctx = c;
      if (maxRuns <= 0) return;
      const inherited = await ownPending(c);
      if (inherited.length === 0) return;
      cleared = new Promise<void>((resolve) => {
        release = resolve;
      });
      c.on('deleted', (ids) => {
        for (const id of ids) done(id);
      });
      let poisoned = 0;
      for (let i = 0; i < inherited.length; i += PAGE) {
        const ids = inherited.slice(i, i + PAGE);
        const runs = await c.redis.sendCommand<Array<string | null>>(['HMGET', key(), ...ids]);
        for (const [j, id] of ids.entries()) {
          const ran = Number(runs[j] ?? 0) + 1;
          if (ran < maxRuns) suspects.add(id);
          else if (await deadLetter(c, id, ran, maxRuns)) poisoned++;
        }
      }
      if (suspects.size === 0) release();
      if (poisoned > 0) await c.flush();
    },
    async clear(ms) {
      if (suspects.size === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      });
      const ok = await Promise.race([cleared.then(() => true), late]);
      clearTimeout(timer);
      return ok;
    },
    wrap<X>(run: () => Promise<X>, entry: { id: string }): Promise<X> {
      if (!suspects.has(entry.id)) return run();
      const redis = (ctx as PluginContext).redis;
      return queue.run(async () => {
        await redis.sendCommand(['HINCRBY', key(), entry.id, '1']);
        await redis.sendCommand(['PEXPIRE', key(), String(SUSPECTS_TTL_MS)]);
        try {
          return await run();
        } finally {
          done(entry.id);
          // It ran to an outcome: not poison. (A crash before the settle re-runs it, uncounted.)
          redis.sendCommand(['HDEL', key(), entry.id]).catch(() => {});
        }
      });
    },
    settled(applied, fenced) {
      for (const o of applied) done(o.entry.id);
      for (const o of fenced) done(o.entry.id);
    },
    close() {
      suspects.clear();
      release();
    },
  };
}

/** Ids of this consumer's pending entries, in id order. */
async function ownPending(ctx: PluginContext): Promise<string[]> {
  const { redis, keys, group, consumer } = ctx;
  const ids: string[] = [];
  let from = '-';
  for (;;) {
    const rows = await redis.sendCommand<Array<[string, string, number, number]>>([
      'XPENDING',
      keys.stream,
      group,
      from,
      '+',
      String(PAGE),
      consumer,
    ]);
    for (const [id] of rows) ids.push(id);
    if (rows.length < PAGE) return ids;
    from = `(${ids[ids.length - 1]}`;
  }
}

async function deadLetter(ctx: PluginContext, id: string, ran: number, maxRuns: number): Promise<boolean> {
  const [raw] = parseRangeReply(await ctx.redis.sendCommand(['XRANGE', ctx.keys.stream, id, id]));
  // Trimmed while pending: the reader's own-pending read acks it as deleted.
  if (!raw) return false;
  const error = new SluiceError(
    'ERR_SLUICE_MAX_DELIVERIES',
    `ran ${ran} times without an outcome (ordered maxRuns=${maxRuns}): a poison entry?`,
  );
  ctx.deadLetter(raw, DEAD_REASONS.maxDeliveries, error, ran);
  await ctx.redis.sendCommand(['HDEL', ctx.keys.suspects(ctx.group), id]);
  return true;
}
