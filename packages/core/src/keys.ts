// Every Redis key Sluice uses is built here. All keys of one stream share one hash tag,
// so each script touches a single Cluster slot.
import { ConfigError } from './errors.js';

export const DEFAULT_PREFIX = 'sluice';

export interface StreamKeys {
  /** The logical stream name the user gave. */
  readonly name: string;
  /** `<prefix>:{<stream>}` — the stream of tasks. */
  readonly stream: string;
  /** Sorted set of retries and scheduled tasks, score = due time in ms. */
  readonly delayed: string;
  /** Dead-letter stream. */
  readonly dlq: string;
  /** Result stream. */
  readonly results: string;
  /** Hash: group -> smallest min idle time its reclaimers claim with (lua/fence.ts). */
  readonly claimers: string;
  /** Idempotent publish: hash marker -> first entry id (lua/idempotency.ts). */
  readonly idmp: string;
  /** Idempotent publish: zset marker -> expiry ms, bounds the hash. */
  readonly idmpExpiry: string;
  /** Hash: the bounds last applied to this stream (retention by the trimmer, delayedMax by producers), for `sluice inspect`. */
  readonly limits: string;
  /** Ordered backlog (zset): tasks waiting for dispatch, score = their order (docs/ordering.md). */
  readonly backlog: string;
  /** Scheduler state under `<prefix>:{<stream>}:sched:<part>` (sequence, wake marker, policy credits). */
  sched(part: string): string;
  /** Ordered mode: this stream's (shard's) lease for `group`, value = the holder's fencing token (shard/leases.ts). */
  lease(group: string): string;
  /** Ordered mode: counter of lease grants for `group`, the fencing token's epoch; never expires. */
  leaseEpoch(group: string): string;
  /** Ordered mode: hash entry id -> handler runs of an inherited entry by later lease holders (shard/poison.ts). */
  suspects(group: string): string;
  /** Ordered mode, on the logical stream's tag: zset of live consumers of `group`, score = expiry ms. */
  members(group: string): string;
}

/** Roles a settle write can target; the settle script receives the keys in this order. */
export const KEY_ROLES = ['stream', 'delayed', 'dlq', 'results'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export function validateName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(`${what} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  if (/[{}\s]/.test(value)) {
    throw new ConfigError(
      `${what} must not contain braces or whitespace (they break hash tags), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function streamKeys(stream: string, prefix: string = DEFAULT_PREFIX): StreamKeys {
  validateName('stream', stream);
  validateName('prefix', prefix);
  const base = `${prefix}:{${stream}}`;
  return {
    name: stream,
    stream: base,
    delayed: `${base}:delayed`,
    dlq: `${base}:dlq`,
    results: `${base}:results`,
    claimers: `${base}:claimers`,
    idmp: `${base}:idmp`,
    idmpExpiry: `${base}:idmp:exp`,
    limits: `${base}:limits`,
    backlog: `${base}:backlog`,
    sched: (part: string) => `${base}:sched:${part}`,
    lease: (group: string) => `${base}:lease:${group}`,
    leaseEpoch: (group: string) => `${base}:lease:${group}:epoch`,
    suspects: (group: string) => `${base}:lease:${group}:suspects`,
    members: (group: string) => `${base}:members:${group}`,
  };
}

/** The keys in settle-script order (KEYS[1..4]). */
export function roleKeys(keys: StreamKeys): string[] {
  return KEY_ROLES.map((role) => keys[role]);
}
