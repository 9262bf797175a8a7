// Replay: dead letters go back into their stream with `attempt` reset and `origin` kept.
// Each batch is one script call (XADD to the stream + XDEL from the DLQ), so a crash mid-way
// leaves every dead letter either replayed or still in the DLQ: just run it again.
// Every command is bounded (`commandTimeoutMs`): a Redis that stopped answering ends the run
// with a TimeoutError instead of a wait forever.
import { ConfigError, type RedisClient, TimeoutError, type TlsOptions } from '@sluice/core';
import {
  closeQuietly,
  DLQ_FIELDS,
  discardClient,
  intOption,
  isEntryId,
  openConnection,
  type StreamKeys,
  stringOption,
  tlsOption,
  withCommandTimeout,
} from '@sluice/core/plugin';
import { type DeadLetterQuery, dlqKeys, queryStreams, scanDeadLetters } from './dlq.js';
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
  /**
   * A command Redis has not answered within this time rejects the replay with a TimeoutError
   * (what was replayed stays replayed; run it again for the rest). @defaultValue 10000
   */
  commandTimeoutMs?: number;
  /** With `{ url }`: the first connect gives up after this long. @defaultValue 5000 */
  connectTimeoutMs?: number;
}

/** Where replay() sends its commands: a client you own, or a URL (connected and closed by replay). */
export type ReplayTarget = RedisClient | { url: string; tls?: TlsOptions | undefined };

export const REPLAY_DEFAULTS = { batchSize: 100, commandTimeoutMs: 10_000, connectTimeoutMs: 5000 } as const;

export interface ReplayResult {
  /** Dead letters moved back into the stream (in a dry run: that would be). */
  replayed: number;
  /** Selected but not replayed: already gone (replayed by another run) or not a task (no `data`). */
  skipped: number;
}

/** Dead-letter fields that are bookkeeping, not task fields: dropped on replay (`origin` stays). */
const DROP = Object.values(DLQ_FIELDS).filter((f) => f !== DLQ_FIELDS.origin);

export async function replay(target: ReplayTarget, stream: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const owner = 'replay';
  const d = REPLAY_DEFAULTS;
  const commandTimeoutMs = intOption(owner, 'commandTimeoutMs', opts.commandTimeoutMs ?? d.commandTimeoutMs, 1);
  const connectTimeoutMs = intOption(owner, 'connectTimeoutMs', opts.connectTimeoutMs ?? d.connectTimeoutMs, 1);
  if (target === null || typeof target !== 'object') throw new ConfigError(`${owner}: pass a client or { url, tls }`);
  if (!('sendCommand' in target)) {
    stringOption(owner, 'url', target.url);
    tlsOption(owner, target.tls);
    const client = await connectBounded(target, connectTimeoutMs);
    try {
      return await replayWith(withCommandTimeout(client, commandTimeoutMs, `replay ${stream}`), stream, opts);
    } finally {
      await closeQuietly(client);
    }
  }
  return replayWith(withCommandTimeout(target, commandTimeoutMs, `replay ${stream}`), stream, opts);
}

/** Connect to `url`, or reject with a TimeoutError after `ms` (the half-made client is destroyed). */
async function connectBounded(target: { url: string; tls?: TlsOptions | undefined }, ms: number): Promise<RedisClient> {
  let made: RedisClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastError: Error | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (made) discardClient(made);
      const why = lastError ? `: ${lastError.message}` : '';
      reject(new TimeoutError(`replay: could not connect to Redis within connectTimeoutMs=${ms}${why}`));
    }, ms);
  });
  const connecting = openConnection(
    target,
    (err) => {
      lastError = err;
    },
    (c) => {
      made = c;
    },
  );
  connecting.catch(() => {});
  try {
    return (await Promise.race([connecting, late])).client;
  } finally {
    clearTimeout(timer);
  }
}

/** With `shards`: each shard's dead letters back into that shard (a key stays on its shard), one shard after another. */
async function replayWith(client: RedisClient, stream: string, opts: ReplayOptions): Promise<ReplayResult> {
  if (opts.shards === undefined) return replayOne(client, stream, opts);
  const total: ReplayResult = { replayed: 0, skipped: 0 };
  let scanned = 0;
  for (const shard of queryStreams('replay', stream, opts)) {
    const limit = opts.limit === undefined ? undefined : Math.max(0, opts.limit - total.replayed);
    if (limit === 0) break;
    const done = { ...total };
    const seen = scanned;
    const r = await replayOne(client, shard, {
      ...opts,
      shards: undefined,
      ...(limit === undefined ? {} : { limit }),
      onProgress: (p) => {
        scanned = seen + p.scanned;
        opts.onProgress?.({ replayed: done.replayed + p.replayed, skipped: done.skipped + p.skipped, scanned });
      },
    });
    total.replayed += r.replayed;
    total.skipped += r.skipped;
  }
  return total;
}

async function replayOne(client: RedisClient, stream: string, opts: ReplayOptions): Promise<ReplayResult> {
  const owner = 'replay';
  const batchSize = intOption(owner, 'batchSize', opts.batchSize ?? REPLAY_DEFAULTS.batchSize, 1, 5_000);
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

  for await (const item of selectIds(client, keys, opts, batchSize)) {
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
  keys: StreamKeys,
  opts: ReplayOptions,
  pageSize: number,
): AsyncGenerator<Selected> {
  const read = (q: DeadLetterQuery, size: number) => scanDeadLetters(client, keys, q, size);
  if (opts.ids === undefined) {
    for await (const d of read(opts, pageSize)) yield { id: d.id, replayable: d.data !== undefined };
    return;
  }
  const filtered =
    opts.dryRun || opts.errorMatch !== undefined || opts.reason !== undefined || opts.group !== undefined;
  for (const id of opts.ids) {
    if (typeof id !== 'string' || !isEntryId(id)) {
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
