// Retention options (Consumer option `retention`): how much of a stream and its dead-letter
// stream is kept. On by default; `retention: false` turns trimming off for this consumer.
import { ConfigError } from '../errors.js';
import { intOption, knownOptions } from '../options.js';

export interface RetentionOptions {
  /** Entries every group has acked that stay (for rewind and debugging). @defaultValue 10000 */
  keepAcked?: number;
  /** Acked entries older than this are trimmed too; 0 keeps them by count only. @defaultValue 0 */
  maxAgeMs?: number;
  /**
   * Most entries in the stream, whatever their state: may trim unread or pending entries,
   * each counted (`trimmed` event, `sluice_trimmed_unprocessed_total`); 0 = off. @defaultValue 0
   */
  hardCap?: number;
  /** Mean time between trims by this consumer (jittered ±50%). @defaultValue 5000 */
  intervalMs?: number;
  /** Most dead letters kept (approximate, trimmed in whole nodes); 0 = unbounded. @defaultValue 100000 */
  dlqMaxLen?: number;
  /** Dead letters older than this are trimmed (approximate); 0 = kept by count only. @defaultValue 1209600000 (14 days) */
  dlqMaxAgeMs?: number;
}

export type ResolvedRetention = Required<RetentionOptions>;

export const RETENTION_DEFAULTS: ResolvedRetention = {
  keepAcked: 10_000,
  maxAgeMs: 0,
  hardCap: 0,
  intervalMs: 5000,
  dlqMaxLen: 100_000,
  dlqMaxAgeMs: 14 * 86_400_000,
};

const KNOWN = Object.keys(RETENTION_DEFAULTS);

/** `false` → undefined (off); undefined → the defaults. */
export function resolveRetention(owner: string, value: unknown): ResolvedRetention | undefined {
  if (value === false) return undefined;
  if (value === undefined || value === true) return RETENTION_DEFAULTS;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${owner}: option "retention" must be an object or false`);
  knownOptions(`${owner} retention`, value, KNOWN);
  const r = value as RetentionOptions;
  const d = RETENTION_DEFAULTS;
  const field = (name: keyof RetentionOptions, min: number) =>
    intOption(owner, `retention.${name}`, r[name] ?? d[name], min);
  const out: ResolvedRetention = {
    keepAcked: field('keepAcked', 0),
    maxAgeMs: field('maxAgeMs', 0),
    hardCap: field('hardCap', 0),
    intervalMs: field('intervalMs', 1),
    dlqMaxLen: field('dlqMaxLen', 0),
    dlqMaxAgeMs: field('dlqMaxAgeMs', 0),
  };
  if (out.hardCap > 0 && out.hardCap < out.keepAcked)
    throw new ConfigError(
      `${owner}: option "retention.hardCap" (${out.hardCap}) must be >= keepAcked (${out.keepAcked})`,
    );
  return out;
}
