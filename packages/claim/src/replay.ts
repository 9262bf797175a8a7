// Replay: dead letters go back into their stream with `attempt` reset and `origin` kept.
// Each batch is one script call (XADD to the stream + XDEL from the DLQ), so a crash mid-way
// leaves every dead letter either replayed or still in the DLQ: just run it again.
import { ConfigError, DLQ_FIELDS, intOption, type RedisClient } from '@sluice/core';
import { type DeadLetterQuery, dlqKeys, scanDeadLetters } from './dlq.js';
import { replayScript } from './lua/replay.js';

export interface ReplayProgress {
  replayed: number;
  skipped: number;
  /** Dead letters examined so far. */
  scanned: number;
}

export interface ReplayOptions extends DeadLetterQuery {
  /** Replay exactly these dead letters (DLQ ids); the other filters still apply. */
  ids?: readonly string[];
  /** Most dead letters replayed in this run. @defaultValue unlimited */
  limit?: number;
  /** Count what would be replayed; write nothing. @defaultValue false */
  dryRun?: boolean;
  /** Dead letters per script call. @defaultValue 100 */
  batchSize?: number;
  /** Called after every batch. */
  onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayResult {
  /** Dead letters moved back into the stream (in a dry run: that would be). */
  replayed: number;
  /** Selected but not replayed: already gone (replayed by another run) or not a task (no `data`). */
  skipped: number;
}

/** Dead-letter fields that are bookkeeping, not task fields: dropped on replay (`origin` stays). */
const DROP = Object.values(DLQ_FIELDS).filter((f) => f !== DLQ_FIELDS.origin);

export async function replay(client: RedisClient, stream: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const owner = 'replay';
  const batchSize = intOption(owner, 'batchSize', opts.batchSize ?? 100, 1, 5_000);
  const limit = opts.limit === undefined ? Number.POSITIVE_INFINITY : intOption(owner, 'limit', opts.limit, 0);
  if (opts.ids !== undefined && !Array.isArray(opts.ids))
    throw new ConfigError(`${owner}: option "ids" must be an array`);
  const keys = dlqKeys(stream, opts.prefix);
  const progress: ReplayProgress = { replayed: 0, skipped: 0, scanned: 0 };
  let batch: Selected[] = [];
  if (limit === 0) return { replayed: 0, skipped: 0 };

  const flush = async () => {
    if (batch.length === 0) return;
    if (opts.dryRun) {
      for (const item of batch) {
        if (item.replayable === false) progress.skipped++;
        else progress.replayed++;
      }
    } else {
      const args = [String(DROP.length), ...DROP, ...batch.map((item) => item.id)];
      const results = await replayScript.run<string[]>(client, [keys.dlq, keys.stream], args);
      for (const r of results) {
        if (r === 'gone' || r === 'invalid') progress.skipped++;
        else progress.replayed++;
      }
    }
    batch = [];
    opts.onProgress?.({ ...progress });
  };

  for await (const item of selectIds(client, keys.dlq, opts, batchSize)) {
    progress.scanned++;
    batch.push(item);
    // Never send more than the limit could still take: skipped ones do not count against it.
    if (batch.length >= Math.min(batchSize, limit - progress.replayed)) await flush();
    if (progress.replayed >= limit) break;
  }
  await flush();
  return { replayed: progress.replayed, skipped: progress.skipped };
}

interface Selected {
  id: string;
  /** Whether it has a `data` field, when it was read (dry runs and filtered ids always read). */
  replayable?: boolean;
}

/** The dead letters a replay selects: the given ids (read back when needed), else a range scan. */
async function* selectIds(
  client: RedisClient,
  dlqKey: string,
  opts: ReplayOptions,
  pageSize: number,
): AsyncGenerator<Selected> {
  const read = (q: DeadLetterQuery, size: number) => scanDeadLetters(client, dlqKey, q, size);
  if (opts.ids === undefined) {
    for await (const d of read(opts, pageSize)) yield { id: d.id, replayable: d.data !== undefined };
    return;
  }
  const filtered =
    opts.dryRun || opts.errorMatch !== undefined || opts.reason !== undefined || opts.group !== undefined;
  for (const id of opts.ids) {
    if (typeof id !== 'string' || !/^\d+-\d+$/.test(id)) {
      throw new ConfigError(`replay: option "ids" must hold stream ids, got ${JSON.stringify(id)}`);
    }
    if (!filtered) {
      yield { id };
      continue;
    }
    // Filters apply to given ids too: read each one (a missing one is left to the script to count).
    for await (const d of read({ ...opts, from: id, to: id }, 1)) yield { id: d.id, replayable: d.data !== undefined };
  }
}
