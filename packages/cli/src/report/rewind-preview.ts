// What a rewind would re-deliver: the entries between the new position and the group's
// current last-delivered id, counted with the same count-after script the lag metric uses.
import type { RedisClient } from '@sluice/core';
import { compareIds, parseRangeReply, replyToObject } from '@sluice/core/plugin';
import { CliError } from '../program/errors.js';
import { loadResults } from './lazy.js';

/** Largest sequence number of a stream id (as @sluice/claim's rewind uses). */
const MAX_SEQ = '18446744073709551615';
const SCAN_LIMIT = 10_000_000;

export interface RewindPreview {
  group: string;
  /** The group's position now. */
  lastDeliveredId: string;
  /** The position the rewind sets. */
  targetId: string;
  /** Entries delivered again (or skipped, when the target is ahead). */
  entries: number;
  /** True when the count stopped at the scan limit (then it is an estimate). */
  estimated: boolean;
  direction: 'back' | 'forward' | 'none';
  firstId: string | null;
  lastId: string | null;
}

/** The id rewind() sets for a target: a time re-delivers entries at or after it. */
export function targetId(to: string | number): string {
  if (typeof to === 'string') return to;
  return to === 0 ? '0-0' : `${to - 1}-${MAX_SEQ}`;
}

async function countAfter(client: RedisClient, key: string, id: string): Promise<{ n: number; estimated: boolean }> {
  const { countAfterScript } = await loadResults();
  const [n, low, high] = (await countAfterScript.run<number[]>(client, [key], [id, String(SCAN_LIMIT)])).map(Number);
  if ((n as number) >= 0) return { n: n as number, estimated: false };
  return { n: Math.round(((low as number) + (high as number)) / 2), estimated: true };
}

export async function previewRewind(
  client: RedisClient,
  key: string,
  group: string,
  to: string | number,
): Promise<RewindPreview> {
  const groups = (await client.sendCommand<unknown[]>(['XINFO', 'GROUPS', key]).catch(() => [])).map((g) =>
    replyToObject(g),
  );
  const g = groups.find((x) => x.name === group);
  if (!g) throw new CliError(`no group "${group}" on ${key}`);
  const lastDeliveredId = String(g['last-delivered-id']);
  const target = targetId(to);
  const cmp = compareIds(target, lastDeliveredId);
  const direction = cmp < 0 ? 'back' : cmp > 0 ? 'forward' : 'none';
  const [lo, hi] = cmp <= 0 ? [target, lastDeliveredId] : [lastDeliveredId, target];
  const [a, b, first, last] = await Promise.all([
    countAfter(client, key, lo),
    countAfter(client, key, hi),
    client.sendCommand(['XRANGE', key, `(${lo}`, hi, 'COUNT', '1']),
    client.sendCommand(['XREVRANGE', key, hi, `(${lo}`, 'COUNT', '1']),
  ]);
  return {
    group,
    lastDeliveredId,
    targetId: target,
    entries: direction === 'none' ? 0 : a.n - b.n,
    estimated: a.estimated || b.estimated,
    direction,
    firstId: parseRangeReply(first)[0]?.id ?? null,
    lastId: parseRangeReply(last)[0]?.id ?? null,
  };
}
