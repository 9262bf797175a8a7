// What a stream, its DLQ and its delayed set will keep: the bounds the last trim applied
// (consumers' `retention` option) and the delayed bound producers publish with, read from the
// stream's `:limits` hash; the documented defaults where nothing was recorded yet.
import { PRODUCER_DEFAULTS, RETENTION_DEFAULTS, type RedisClient } from '@sluice/core';
import { LIMIT_FIELDS, replyToObject, type StreamKeys } from '@sluice/core/plugin';
import { duration } from '../output/units.js';

/** One bound: its value (0 = off) and whether it was recorded in Redis or is the default. */
export interface Bound {
  value: number;
  source: 'recorded' | 'default';
}

export interface Limits {
  keepAcked: Bound;
  maxAgeMs: Bound;
  hardCap: Bound;
  dlqMaxLen: Bound;
  dlqMaxAgeMs: Bound;
  delayedMax: Bound;
  /** When a consumer last trimmed (ms), null if none has. */
  trimmedAt: number | null;
}

const DEFAULTS = { ...RETENTION_DEFAULTS, delayedMax: PRODUCER_DEFAULTS.maxDelayed };

export async function readLimits(client: RedisClient, keys: StreamKeys): Promise<Limits> {
  const raw = await client.sendCommand<unknown>(['HGETALL', keys.limits]);
  const h = replyToObject(raw);
  const bound = (name: Exclude<keyof typeof LIMIT_FIELDS, 'trimmedAt'>): Bound => {
    const v = h[LIMIT_FIELDS[name]];
    const n = Number(v);
    return v === undefined || !Number.isFinite(n)
      ? { value: DEFAULTS[name], source: 'default' }
      : { value: n, source: 'recorded' };
  };
  const at = Number(h[LIMIT_FIELDS.trimmedAt]);
  return {
    keepAcked: bound('keepAcked'),
    maxAgeMs: bound('maxAgeMs'),
    hardCap: bound('hardCap'),
    dlqMaxLen: bound('dlqMaxLen'),
    dlqMaxAgeMs: bound('dlqMaxAgeMs'),
    delayedMax: bound('delayedMax'),
    trimmedAt: Number.isFinite(at) && at > 0 ? at : null,
  };
}

const tag = (b: Bound) => (b.source === 'default' ? ' (default)' : '');
const count = (n: number) => n.toLocaleString('en-US');

/** One line per part: what it keeps, in words. */
export function describeLimits(l: Limits): { stream: string; dlq: string; delayed: string } {
  const age = l.maxAgeMs.value > 0 ? `, none older than ${duration(l.maxAgeMs.value)}` : '';
  const cap =
    l.hardCap.value > 0
      ? `; hard cap ${count(l.hardCap.value)}${tag(l.hardCap)} (may trim unprocessed entries, counted)`
      : '';
  const dlqParts = [
    l.dlqMaxLen.value > 0 ? `about ${count(l.dlqMaxLen.value)}${tag(l.dlqMaxLen)}` : `any number${tag(l.dlqMaxLen)}`,
    l.dlqMaxAgeMs.value > 0 ? `none older than about ${duration(l.dlqMaxAgeMs.value)}${tag(l.dlqMaxAgeMs)}` : '',
  ].filter(Boolean);
  return {
    stream: `keeps every unread or pending entry + the newest ${count(l.keepAcked.value)} acked${tag(l.keepAcked)}${age}${cap}`,
    dlq: `keeps ${dlqParts.join(', ')}`,
    delayed:
      l.delayedMax.value > 0
        ? `scheduled publishes rejected past ${count(l.delayedMax.value)}${tag(l.delayedMax)}; retries always go in`
        : `unbounded${tag(l.delayedMax)}`,
  };
}
