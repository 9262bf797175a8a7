// Test helpers for @sluice/claim: the shared harness plus `strand` (entries held by a crashed consumer).

export { sleep, until } from '@sluice/testing';
export { type Harness, harness } from '@sluice/testing/vitest';

import type { Harness } from '@sluice/testing/vitest';

/** Deliver entries to a consumer that will never settle them (a crashed one), via raw XREADGROUP. */
export async function strand(h: Harness, consumer: string, count: number): Promise<string[]> {
  await h.redis.sendCommand(['XGROUP', 'CREATE', h.keys.stream, 'g', '0', 'MKSTREAM']).catch(() => {});
  const reply = await h.redis.sendCommand<Array<[string, Array<[string, string[]]>]> | null>([
    'XREADGROUP',
    'GROUP',
    'g',
    consumer,
    'COUNT',
    String(count),
    'STREAMS',
    h.keys.stream,
    '>',
  ]);
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}
