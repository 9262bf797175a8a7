// Resources (docs/allocation.md, "Resources"): a consumer's `capacity`, a task's `requires`,
// both validated once here, and the consumer's local weighted semaphore over them.
import { ConfigError, PayloadError } from '../errors.js';
import { intOption, knownOptions } from '../options.js';

/** Amounts by resource name, e.g. `{ cpu: 8, memMb: 16384, gpu: 1 }`. */
export type Resources = Record<string, number>;

/** A resource name: it is written into Lua-decoded JSON and shown in `sluice inspect`. */
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;
/** Most dimensions one capacity or requirement may name: bounds the dispatch's per-task check. */
export const MAX_RESOURCES = 16;
/** Sums of fractional amounts (cpu 0.1 × 3) may miss the capacity by a rounding error. */
const EPSILON = 1e-9;

export interface PlacementOptions {
  /**
   * A waiting task that smaller ones passed this many times (backfilling) makes the next
   * consumer that could run it stop taking others until it fits (a reservation). @defaultValue 20
   */
  starveAfter?: number;
  /** Interval of the capacity heartbeat; the record expires after 3 of them. @defaultValue 1000 */
  heartbeatMs?: number;
}

export interface ResolvedPlacement {
  capacity: Resources;
  /** Canonical JSON of the capacity (names sorted). */
  json: string;
  starveAfter: number;
  heartbeatMs: number;
}

export const PLACEMENT_DEFAULTS = { starveAfter: 20, heartbeatMs: 1000 } as const;

/** The consumer's `capacity` and `placement` options; undefined when it has no capacity. */
export function resolvePlacement(owner: string, capacity: unknown, placement: unknown): ResolvedPlacement | undefined {
  if (capacity === undefined) {
    if (placement !== undefined) throw new ConfigError(`${owner}: option "placement" needs option "capacity"`);
    return undefined;
  }
  const caps = amounts(capacity, `${owner}: option "capacity"`, (m) => new ConfigError(m), false);
  const p = (placement ?? {}) as PlacementOptions;
  if (p === null || typeof p !== 'object' || Array.isArray(p))
    throw new ConfigError(`${owner}: option "placement" must be an object, got ${JSON.stringify(placement)}`);
  const what = `${owner}: option "placement"`;
  knownOptions(what, p, ['starveAfter', 'heartbeatMs']);
  const d = PLACEMENT_DEFAULTS;
  return {
    capacity: caps,
    json: canonical(caps),
    starveAfter: intOption(what, 'starveAfter', p.starveAfter ?? d.starveAfter, 1, 1_000_000),
    heartbeatMs: intOption(what, 'heartbeatMs', p.heartbeatMs ?? d.heartbeatMs, 10, 600_000),
  };
}

/**
 * A publish's `requires` as its canonical JSON (the wire field `req`). `known`: the producer's
 * `resourceNames`, when set, the only names allowed. Throws PayloadError naming the bad part.
 */
export function taskRequires(value: unknown, known?: readonly string[]): string {
  const req = amounts(value, 'option "requires"', (m) => new PayloadError(m), true);
  if (known !== undefined) {
    for (const name of Object.keys(req))
      if (!known.includes(name))
        throw new PayloadError(
          `option "requires" names resource "${name}", which is not in the producer's resourceNames [${known.join(', ')}]`,
        );
  }
  return canonical(req);
}

/** The producer's `resourceNames` option: the names tasks may require. */
export function resourceNamesOption(owner: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.some((n) => typeof n !== 'string' || !NAME.test(n)))
    throw new ConfigError(
      `${owner}: option "resourceNames" must be a non-empty array of names like "gpu" (letters, digits, _), got ${JSON.stringify(value)}`,
    );
  return [...value];
}

function amounts(value: unknown, what: string, error: (m: string) => Error, zeroOk: boolean): Resources {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw error(`${what} must be an object of amounts like { cpu: 2, gpu: 1 }, got ${JSON.stringify(value)}`);
  const entries = Object.entries(value);
  if (entries.length === 0 || entries.length > MAX_RESOURCES)
    throw error(`${what} must name 1 to ${MAX_RESOURCES} resources, got ${entries.length}`);
  const out: Resources = {};
  for (const [name, amount] of entries) {
    if (!NAME.test(name))
      throw error(
        `${what}: resource name ${JSON.stringify(name)} must be letters, digits and _ (1-32, a letter first)`,
      );
    const bad = typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0 || (!zeroOk && amount === 0);
    if (bad)
      throw error(
        `${what}: "${name}" must be a finite number ${zeroOk ? '>= 0' : '> 0'}, got ${JSON.stringify(amount) ?? typeof amount}`,
      );
    out[name] = amount as number;
  }
  return out;
}

/** JSON with the names sorted: equal requirements have equal text (the shape's id in Redis). */
export function canonical(r: Resources): string {
  const sorted: Resources = {};
  for (const name of Object.keys(r).sort()) sorted[name] = r[name] as number;
  return JSON.stringify(sorted);
}

/** True when `need` fits in `have` in every dimension (a name `have` lacks counts as 0). */
export function fits(need: Resources, have: Resources): boolean {
  for (const name in need) if ((need[name] as number) > (have[name] ?? 0) + EPSILON) return false;
  return true;
}

/**
 * The consumer's weighted semaphore: what the entries it holds (running or waiting for a slot)
 * and the ones running need. A task starts only while `capacity - running` covers it; the
 * dispatch asks Redis only for tasks that fit `capacity - held`.
 */
export class ResourcePool {
  private readonly held = new Map<string, { need: Resources; running: boolean }>();
  private readonly usedHeld: Resources = {};
  private readonly usedRunning: Resources = {};

  constructor(readonly capacity: Resources) {}

  /** Could this need ever run here (it fits the whole capacity)? */
  canEverFit(need: Resources): boolean {
    return fits(need, this.capacity);
  }

  hold(id: string, need: Resources): void {
    if (this.held.has(id)) return;
    this.held.set(id, { need, running: false });
    add(this.usedHeld, need, 1);
  }

  /** Start the held entry if what runs leaves room for it; true when it started. */
  tryStart(id: string): boolean {
    const h = this.held.get(id);
    if (!h) return true;
    if (h.running) return true;
    for (const name in h.need)
      if ((h.need[name] as number) + (this.usedRunning[name] ?? 0) > (this.capacity[name] ?? 0) + EPSILON) return false;
    h.running = true;
    add(this.usedRunning, h.need, 1);
    return true;
  }

  /** The entry settled or left this process: its amounts are free again. Idempotent. */
  release(id: string): void {
    const h = this.held.get(id);
    if (!h) return;
    this.held.delete(id);
    add(this.usedHeld, h.need, -1);
    if (h.running) add(this.usedRunning, h.need, -1);
  }

  /** Capacity minus what held entries need: what the next dispatch may take. */
  free(): Resources {
    const out: Resources = {};
    for (const name in this.capacity)
      out[name] = Math.max(0, (this.capacity[name] as number) - (this.usedHeld[name] ?? 0));
    return out;
  }
}

function add(into: Resources, need: Resources, sign: 1 | -1): void {
  for (const name in need) {
    const v = (into[name] ?? 0) + sign * (need[name] as number);
    into[name] = Math.abs(v) < EPSILON ? 0 : v;
  }
}

/** Parse a task's `req` field (already canonical JSON when Sluice wrote it); throws on anything else. */
export function parseRequires(text: string): Resources {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PayloadError(`field "req" is not JSON: ${text.slice(0, 100)}`);
  }
  return amounts(value, 'field "req"', (m) => new PayloadError(m), true);
}
