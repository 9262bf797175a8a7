// The consumer's `ordering` option (docs/ordering.md): which policy picks the next tasks
// from the backlog. Every consumer of a stream should use the same one: the weighted
// policy's credits live in Redis and are shared by the fleet.
import { ConfigError } from '../errors.js';
import type { Band, RateLimit } from '../lua/dispatch.js';
import { intOption, knownOptions } from '../options.js';

export interface OrderingOptions {
  /**
   * `strict`: always the lowest score (most urgent) first. `weighted`: `bands` share the
   * dispatches by weight, so low priority never starves under a flood. @defaultValue "strict"
   */
  policy?: 'strict' | 'weighted';
  /**
   * Weighted bands over the score (the priority), most urgent first; each covers scores up
   * to `upTo` (inclusive) above the previous band's; the last may omit `upTo` (the rest).
   * E.g. `[{ upTo: 1, weight: 70 }, { upTo: 5, weight: 20 }, { weight: 10 }]`.
   */
  bands?: { upTo?: number; weight: number }[];
  /** A task still waiting past its deadline: `dead` (dead letter, reason `expired`) or `run` it anyway. @defaultValue "dead" */
  expired?: 'dead' | 'run';
  /**
   * `key`: serve the keys of tasks published with `fairness: 'key'` round-robin, one task
   * per key per turn, fleet-wide (docs/allocation.md). @defaultValue none
   */
  fairness?: 'key';
  /**
   * Fleet-wide rate limit on dispatches from the backlog: at most `max` in any window of
   * `perMs` (a sliding log on Redis time). Limited tasks wait in Redis. @defaultValue none
   */
  rateLimit?: { max: number; perMs: number };
  /**
   * At most this many tasks of one key dispatched and not yet settled at once, fleet-wide
   * (1: per-key mutual exclusion). Needs `fairness: 'key'`; a key at its limit waits in Redis
   * (docs/allocation.md). @defaultValue none
   */
  keyConcurrency?: number;
  /** Fleet-wide rate limit per key: at most `max` dispatches of one key in any `perMs`. Needs `fairness: 'key'`. @defaultValue none */
  keyRateLimit?: { max: number; perMs: number };
  /**
   * `tasks`: one task per key per turn. `cost`: deficit round robin over the tasks' cost
   * (`estimatedMs`, else the key's learned handler time), so keys share machine time, not task
   * counts. @defaultValue "tasks"
   */
  fairShare?: 'tasks' | 'cost';
  /** With `fairShare: 'cost'`: the machine time (ms) a key is credited per turn. @defaultValue 100 */
  quantumMs?: number;
}

export interface ResolvedOrdering {
  bands: Band[];
  runExpired: boolean;
  fairness: 'key' | undefined;
  rateLimit: RateLimit | undefined;
  keyConcurrency: number | undefined;
  keyRateLimit: RateLimit | undefined;
  /** Deficit round robin quantum, when `fairShare` is `cost`. */
  quantumMs: number | undefined;
}

const KNOWN = [
  'policy',
  'bands',
  'expired',
  'fairness',
  'rateLimit',
  'keyConcurrency',
  'keyRateLimit',
  'fairShare',
  'quantumMs',
] as const;

export const ORDERING_DEFAULTS = { quantumMs: 100 } as const;

export function resolveOrdering(owner: string, value: unknown): ResolvedOrdering | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${owner}: option "ordering" must be an object, got ${JSON.stringify(value)}`);
  const o = value as OrderingOptions;
  knownOptions(`${owner}: option "ordering"`, o, KNOWN);
  const policy = o.policy ?? 'strict';
  if (policy !== 'strict' && policy !== 'weighted')
    throw new ConfigError(`${owner}: ordering.policy must be "strict" or "weighted", got ${JSON.stringify(policy)}`);
  const expired = o.expired ?? 'dead';
  if (expired !== 'dead' && expired !== 'run')
    throw new ConfigError(`${owner}: ordering.expired must be "dead" or "run", got ${JSON.stringify(expired)}`);
  if (o.fairness !== undefined && o.fairness !== 'key')
    throw new ConfigError(`${owner}: ordering.fairness must be "key", got ${JSON.stringify(o.fairness)}`);
  const common = {
    runExpired: expired === 'run',
    fairness: o.fairness,
    rateLimit: resolveRate(owner, o.rateLimit),
    ...resolvePerKey(owner, o),
  };
  if (policy === 'strict') {
    if (o.bands !== undefined) throw new ConfigError(`${owner}: ordering.bands needs policy "weighted"`);
    return { bands: [], ...common };
  }
  return { bands: resolveBands(owner, o.bands), ...common };
}

function resolvePerKey(
  owner: string,
  o: OrderingOptions,
): Pick<ResolvedOrdering, 'keyConcurrency' | 'keyRateLimit' | 'quantumMs'> {
  const what = `${owner}: option "ordering"`;
  const keyConcurrency =
    o.keyConcurrency === undefined ? undefined : intOption(what, 'keyConcurrency', o.keyConcurrency, 1, 1_000_000);
  const keyRateLimit = resolveRate(owner, o.keyRateLimit, 'keyRateLimit');
  const share = o.fairShare ?? 'tasks';
  if (share !== 'tasks' && share !== 'cost')
    throw new ConfigError(`${owner}: ordering.fairShare must be "tasks" or "cost", got ${JSON.stringify(share)}`);
  if (o.quantumMs !== undefined && share !== 'cost')
    throw new ConfigError(`${owner}: ordering.quantumMs needs fairShare "cost"`);
  const quantumMs =
    share === 'cost'
      ? intOption(what, 'quantumMs', o.quantumMs ?? ORDERING_DEFAULTS.quantumMs, 1, 3_600_000)
      : undefined;
  // Keys are served (and skipped) in the ring of fair keys: every per-key option needs it.
  for (const [name, set] of [
    ['keyConcurrency', keyConcurrency !== undefined],
    ['keyRateLimit', keyRateLimit !== undefined],
    ['fairShare', o.fairShare !== undefined],
  ] as const)
    if (set && o.fairness !== 'key') throw new ConfigError(`${owner}: ordering.${name} needs fairness: 'key'`);
  return { keyConcurrency, keyRateLimit, quantumMs };
}

function resolveRate(owner: string, value: unknown, name = 'rateLimit'): RateLimit | undefined {
  if (value === undefined) return undefined;
  const what = `${owner}: ordering.${name}`;
  if (value === null || typeof value !== 'object') throw new ConfigError(`${what} must be { max, perMs }`);
  knownOptions(what, value, ['max', 'perMs']);
  const r = value as { max?: unknown; perMs?: unknown };
  // The log holds one member per dispatch in the window: max bounds its size.
  const max = intOption(what, 'max', r.max, 1, 1_000_000);
  const perMs = intOption(what, 'perMs', r.perMs, 1, 86_400_000);
  return { max, perMs };
}

function resolveBands(owner: string, bands: unknown): Band[] {
  if (!Array.isArray(bands) || bands.length < 2)
    throw new ConfigError(`${owner}: ordering.bands must be an array of at least 2 { upTo, weight } bands`);
  let previous = Number.NEGATIVE_INFINITY;
  return bands.map((b: { upTo?: unknown; weight?: unknown }, i) => {
    const what = `${owner}: ordering.bands[${i}]`;
    if (b === null || typeof b !== 'object') throw new ConfigError(`${what} must be an object { upTo, weight }`);
    knownOptions(what, b, ['upTo', 'weight']);
    const last = i === bands.length - 1;
    const upTo = b.upTo === undefined && last ? Number.POSITIVE_INFINITY : b.upTo;
    if (typeof upTo !== 'number' || Number.isNaN(upTo) || upTo <= previous)
      throw new ConfigError(`${what}.upTo must be a number above the previous band's, got ${JSON.stringify(b.upTo)}`);
    if (typeof b.weight !== 'number' || !Number.isInteger(b.weight) || b.weight < 1 || b.weight > 1_000_000)
      throw new ConfigError(`${what}.weight must be an integer in [1, 1000000], got ${JSON.stringify(b.weight)}`);
    previous = upTo;
    return { upTo, weight: b.weight };
  });
}
