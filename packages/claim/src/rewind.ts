// rewind(): move a group's read position back (XGROUP SETID) to reprocess history — every
// entry after the new position is delivered to the group again. Pending entries stay pending.
import { ConfigError, type RedisClient } from '@sluice/core';
import { isEntryId } from '@sluice/core/plugin';
import { dlqKeys } from './dlq.js';

/** Largest sequence number of a stream id. */
const MAX_SEQ = '18446744073709551615';

/**
 * Set `group`'s last-delivered id so that the next reads start at `to`:
 * a time (Date or ms) re-delivers every entry added at or after it; an id re-delivers
 * the entries after that id. Resolves with the id it set.
 */
export async function rewind(
  client: RedisClient,
  stream: string,
  group: string,
  to: number | Date | string,
  opts: { prefix?: string } = {},
): Promise<string> {
  const keys = dlqKeys(stream, opts.prefix);
  let id: string;
  if (typeof to === 'string') {
    if (!isEntryId(to) && to !== '0')
      throw new ConfigError(`rewind: "to" must be a stream id or a time, got ${JSON.stringify(to)}`);
    id = to;
  } else {
    const ms = to instanceof Date ? to.getTime() : to;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) {
      throw new ConfigError(`rewind: "to" must be a time in ms >= 0, a Date or a stream id, got ${JSON.stringify(to)}`);
    }
    // Last possible id before `ms`, so entries at exactly `ms` are delivered again too.
    id = ms === 0 ? '0-0' : `${ms - 1}-${MAX_SEQ}`;
  }
  await client.sendCommand(['XGROUP', 'SETID', keys.stream, group, id]);
  return id;
}
