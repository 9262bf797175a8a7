// The ordered read of a consumer: one MULTI runs the dispatch script (the best k backlog
// tasks into the stream) and this consumer's XREADGROUP '>' COUNT k, so what it dispatched
// is in its PEL before anyone else can read it. When there is nothing, it blocks on the wake
// stream (ordered publishes, promotions) and on the stream itself (FIFO publishes) at once,
// from the ids the script saw, so no publish between the two is missed.
import type { StreamKeys } from '../keys.js';
import { type AllocationArgs, COST_OF, dispatchArgs, dispatchScript, parseDispatchReply } from '../lua/dispatch.js';
import type { RedisClient } from '../redis/connection.js';
import { readGroupCommand, wakeReadCommand } from '../redis/group.js';
import { parseReadReply } from '../redis/reply.js';
import { sleep } from '../util.js';
import { ORDER_FIELDS } from '../wire/fields.js';
import { type Entry, fieldValue, type RawEntry } from '../wire/task.js';
import type { ResolvedOrdering } from './policy.js';

export interface DispatcherDeps {
  keys: StreamKeys;
  group: string;
  consumer: string;
  blockMs: number;
  ordering: ResolvedOrdering;
  /** Tasks the script dead-lettered (past their deadline, or not decodable). */
  onDeadLettered(expired: number, malformed: number): void;
  /** A rate limit (the stream's or a key's) held waiting tasks back `times` in one dispatch. */
  onRateLimited?(times: number): void;
}

/** Keys whose handler times one consumer reports per dispatch, at most (the rest wait for the next). */
const MAX_OBSERVED = 256;

export class Dispatcher {
  private readonly keys: string[];

  constructor(private readonly deps: DispatcherDeps) {
    const k = deps.keys;
    this.keys = [k.backlog, k.stream, k.dlq, k.sched('wake'), k.sched('credits'), k.sched('ring'), k.sched('rate')];
    this.keys.push(k.sched('running'), k.sched('deficits'), k.sched('serving'), k.sched('sweep'));
  }

  private observed = new Map<string, { sum: number; count: number }>();

  /**
   * A handler took `ms`: the learned cost of fair share by cost, per task type when the task has
   * one, else per key (sent with the next dispatch).
   */
  observe(entry: Pick<Entry, 'key' | 'fields'>, ms: number): void {
    if (this.deps.ordering.quantumMs === undefined) return;
    const type = fieldValue(entry.fields, ORDER_FIELDS.type);
    const key =
      type !== undefined ? COST_OF.type + type : entry.key !== undefined ? COST_OF.key + entry.key : undefined;
    if (key === undefined) return;
    const seen = this.observed.get(key);
    if (seen) {
      seen.sum += ms;
      seen.count++;
    } else if (this.observed.size < MAX_OBSERVED) this.observed.set(key, { sum: ms, count: 1 });
  }

  private allocation(): AllocationArgs {
    const { keys, group, ordering } = this.deps;
    const observed = [...this.observed].map(([key, o]) => ({ key, meanMs: o.sum / o.count, count: o.count }));
    this.observed.clear();
    return {
      group,
      keyConcurrency: ordering.keyConcurrency,
      holdPrefix: keys.sched('hold:'),
      keyRateLimit: ordering.keyRateLimit,
      keyRatePrefix: keys.sched('krate:'),
      quantumMs: ordering.quantumMs,
      costPrefix: keys.sched('cost:'),
      observed,
    };
  }

  /** Up to `count` entries for this consumer; waits up to blockMs when there are none. */
  async read(client: RedisClient, count: number): Promise<RawEntry[]> {
    const { ordering, blockMs } = this.deps;
    const fair = ordering.fairness === 'key' ? this.deps.keys.sched('q:') : undefined;
    const alloc = this.allocation();
    const args = dispatchArgs(count, Date.now(), ordering.runExpired, ordering.bands, fair, ordering.rateLimit, alloc);
    const { group, consumer } = this.deps;
    const [script, read] = await dispatchScript.runThen(
      client,
      this.keys,
      args,
      readGroupCommand(group, consumer, this.keys[1] as string, count),
    );
    const reply = parseDispatchReply(script);
    if (reply.expired > 0 || reply.malformed > 0) this.deps.onDeadLettered(reply.expired, reply.malformed);
    if (reply.limited > 0) this.deps.onRateLimited?.(reply.limited);
    const entries = parseReadReply(read as never);
    if (entries.length > 0 || reply.moved > 0) return entries;
    // Rate-limited: the tasks wait in Redis; ask again when the next token is due.
    if (reply.waitMs > 0) {
      await sleep(Math.min(reply.waitMs, blockMs));
      return [];
    }
    await client.sendCommand(
      wakeReadCommand(blockMs, this.keys[3] as string, this.keys[1] as string, reply.wakeId, reply.lastId),
    );
    return [];
  }
}
