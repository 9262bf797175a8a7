// Stream entry ids ("<ms>-<seq>", both parts unbounded decimal): parsing, ordering and the
// time they carry. The one place ids are understood; everything else calls these.
import { ConfigError } from '../errors.js';

/** A complete id (`1700000000000-0`). */
const FULL = /^\d+-\d+$/;
/** A complete id or its ms part alone (`1700000000000`), as XRANGE/XGROUP accept. */
const PARTIAL = /^\d+(-\d+)?$/;

/** True for a complete stream id such as `1700000000000-0`. */
export function isEntryId(id: unknown): id is string {
  return typeof id === 'string' && FULL.test(id);
}

/** True for a complete id or a bare ms part, as XRANGE bounds and XGROUP SETID accept. */
export function isIdBound(id: unknown): id is string {
  return typeof id === 'string' && PARTIAL.test(id);
}

/** Validate a complete id for an API call; throws ConfigError naming `what`. */
export function entryIdOption(what: string, id: unknown): string {
  if (!isEntryId(id)) throw new ConfigError(`${what}: entry id must look like "<ms>-<seq>", got ${JSON.stringify(id)}`);
  return id;
}

/** The millisecond timestamp an id carries (when Redis generated it). */
export function idMs(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/** Stream id order: -1, 0 or 1. A bare ms part sorts as `<ms>-0`. Exact for any length. */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  // Same length of ms and of seq (the usual case): text order is number order.
  if (da === db && a.length === b.length && da >= 0) return a < b ? -1 : 1;
  const c = compareDigits(da < 0 ? a : a.slice(0, da), db < 0 ? b : b.slice(0, db));
  return c !== 0 ? c : compareDigits(da < 0 ? '0' : a.slice(da + 1), db < 0 ? '0' : b.slice(db + 1));
}

function compareDigits(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : 1;
}
