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
  /** Idempotent-publish marker for one key. */
  idem(key: string): string;
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
    idem: (key: string) => `${base}:idem:${key}`,
  };
}

/** The keys in settle-script order (KEYS[1..4]). */
export function roleKeys(keys: StreamKeys): string[] {
  return KEY_ROLES.map((role) => keys[role]);
}
