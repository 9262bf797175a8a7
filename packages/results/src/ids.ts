// Stream entry ids ("<ms>-<seq>"): validation, ordering and the time they carry.
import { ConfigError } from '@sluice/core';

const ID = /^(\d+)-(\d+)$/;

/** True for a complete stream id such as `1700000000000-0`. */
export function isEntryId(id: unknown): id is string {
  return typeof id === 'string' && ID.test(id);
}

export function entryIdOption(owner: string, id: unknown): string {
  if (!isEntryId(id))
    throw new ConfigError(`${owner}: entry id must look like "<ms>-<seq>", got ${JSON.stringify(id)}`);
  return id;
}

/** The millisecond timestamp an id carries (when Redis generated it). */
export function idMs(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/** Orders two complete ids: negative when a < b. Ms parts fit a double exactly. */
export function compareIds(a: string, b: string): number {
  const [am, as] = split(a);
  const [bm, bs] = split(b);
  return am !== bm ? am - bm : as - bs;
}

function split(id: string): [number, number] {
  const dash = id.indexOf('-');
  return dash < 0 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}
