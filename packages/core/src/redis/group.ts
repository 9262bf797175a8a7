// Consumer-group creation, idempotent (BUSYGROUP means someone created it first).
import type { RedisClient } from './connection.js';

export async function ensureGroup(
  client: RedisClient,
  streamKey: string,
  group: string,
  startId: string,
): Promise<void> {
  try {
    await client.sendCommand(['XGROUP', 'CREATE', streamKey, group, startId, 'MKSTREAM']);
  } catch (err) {
    if (!String((err as Error)?.message).includes('BUSYGROUP')) throw err;
  }
}

/** XREADGROUP of one stream: up to `count` entries after `id` ('>': new ones), blocking up to `blockMs` when given. */
export function readGroupCommand(
  group: string,
  consumer: string,
  stream: string,
  count: number,
  opts: { id?: string; blockMs?: number } = {},
): string[] {
  const block = opts.blockMs === undefined ? [] : ['BLOCK', String(opts.blockMs)];
  return ['XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(count), ...block, 'STREAMS', stream, opts.id ?? '>'];
}

/**
 * XREAD BLOCK on a wake stream and a stream at once, from the last ids a dispatch saw in each:
 * it returns as soon as either gets an entry (or after `blockMs`).
 */
export function wakeReadCommand(
  blockMs: number,
  wake: string,
  stream: string,
  wakeId: string,
  lastId: string,
): string[] {
  return ['XREAD', 'COUNT', '1', 'BLOCK', String(blockMs), 'STREAMS', wake, stream, wakeId, lastId];
}
