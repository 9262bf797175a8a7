// The raw ceiling: hand-written node-redis doing the same job with no framework at all.
// One EVALSHA of up to 500 XADDs per call; XREADGROUP COUNT 500 + one EVALSHA per batch.
import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { readGroupRaw } from './env.js';
import type { BenchPayload } from './payload.js';

const BATCH = 500;

/** Append ARGV[i] as wire-format v1 entries (`v` 1, `data` ARGV[i]); returns the ids. */
const PRODUCE = `
local ids = {}
for i = 1, #ARGV do ids[i] = redis.call('XADD', KEYS[1], '*', 'v', '1', 'data', ARGV[i]) end
return ids
`;

/** XACK ARGV[2..] in group ARGV[1]. */
const ACK = `return redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))`;

/**
 * Per entry (id, result JSON, ms): one result entry with the fields results() writes, capped
 * like its default (MAXLEN ~ 100000 on every 16th write), into KEYS[2]; then one XACK for
 * the whole batch.
 */
const ACK_RESULT = `
local group, consumer = ARGV[1], ARGV[2]
local ids = {}
for i = 3, #ARGV, 3 do
  local id = ARGV[i]
  if #ids % 16 == 0 then
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', '100000', '*', 'id', id, 'origin', id, 'status', 'ok', 'final', '1',
      'attempt', '1', 'ms', ARGV[i + 2], 'consumer', consumer, 'group', group, 'result', ARGV[i + 1])
  else
    redis.call('XADD', KEYS[2], '*', 'id', id, 'origin', id, 'status', 'ok', 'final', '1',
      'attempt', '1', 'ms', ARGV[i + 2], 'consumer', consumer, 'group', group, 'result', ARGV[i + 1])
  end
  ids[#ids + 1] = id
end
return redis.call('XACK', KEYS[1], group, unpack(ids))
`;

const sha = (source: string) => createHash('sha1').update(source).digest('hex');
/** The ack scripts' SHAs, for callers that build their own EVALSHA (settle-cost.ts). */
export const ACK_SHA = sha(ACK);
export const ACK_RESULT_SHA = sha(ACK_RESULT);

export async function loadCeilingScripts(client: RedisClientType): Promise<void> {
  for (const source of [PRODUCE, ACK, ACK_RESULT]) await client.sendCommand(['SCRIPT', 'LOAD', source]);
}

/** Produce: windows of `window` entries, each split into EVALSHA calls of 500, sent together. */
export async function ceilingProduce(
  client: RedisClientType,
  key: string,
  payloads: readonly BenchPayload[],
  window: number,
): Promise<void> {
  const produceSha = sha(PRODUCE);
  for (let start = 0; start < payloads.length; start += window) {
    const end = Math.min(payloads.length, start + window);
    const calls: Promise<unknown>[] = [];
    for (let b = start; b < end; b += BATCH) {
      const last = Math.min(end, b + BATCH);
      const args: string[] = ['EVALSHA', produceSha, '1', key];
      for (let i = b; i < last; i++) args.push(JSON.stringify(payloads[i]));
      calls.push(client.sendCommand(args));
    }
    await Promise.all(calls);
  }
}

/** Fill a stream fast (setup for the consume rows; not timed). */
export async function fillStream(
  client: RedisClientType,
  key: string,
  payloads: readonly BenchPayload[],
): Promise<void> {
  await ceilingProduce(client, key, payloads, 20 * BATCH);
}

/**
 * Consume + ack (and, with `results`, one result entry per task in the same script):
 * read 500, decode each payload and run the trivial handler, one script call, repeat.
 */
export async function ceilingConsume(
  client: RedisClientType,
  opts: { key: string; group: string; consumer: string; total: number; resultsKey?: string },
): Promise<void> {
  const { key, group, consumer, total, resultsKey } = opts;
  const ackSha = sha(resultsKey ? ACK_RESULT : ACK);
  let done = 0;
  while (done < total) {
    const entries = await readGroupRaw(client, key, group, consumer, BATCH, 1000);
    if (entries.length === 0) continue;
    const args = resultsKey
      ? ['EVALSHA', ackSha, '2', key, resultsKey, group, consumer]
      : ['EVALSHA', ackSha, '1', key, group];
    for (const [id, fields] of entries) {
      let data = '';
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'data') data = fields[i + 1] as string;
      const started = performance.now();
      const result = handler(JSON.parse(data) as BenchPayload);
      if (resultsKey) args.push(id, JSON.stringify(result), (performance.now() - started).toFixed(3));
      else args.push(id);
    }
    await client.sendCommand(args);
    done += entries.length;
  }
}

function handler(payload: BenchPayload): number {
  return payload.n;
}
