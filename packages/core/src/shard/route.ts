// Sharded logical streams: one logical stream spread over N physical streams, each under its
// own hash tag, so a Redis Cluster puts them on different masters. Entries with the same `key`
// always land on the same shard (stable hash); entries without a key go round-robin.
import { ConfigError } from '../errors.js';
import { keySlot } from '../redis/key-slot.js';

const SLOTS = 16384;

/** FNV-1a (32 bit) of a string's UTF-16 units: stable across processes and versions. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard of an entry with `key`, in 0..n-1. */
export function shardOf(key: string, n: number): number {
  return stableHash(key) % n;
}

/**
 * The physical stream names of a logical stream with `n` shards: `<stream>:<i>`, with a
 * `.<j>` suffix when needed so that shard i's hash slot lies near the centre of the i-th
 * n-th of the slot space. Masters own contiguous slot ranges, so the shards spread over them as evenly as
 * n allows (8 shards on 3 masters: 3/3/2), whatever the stream is called.
 */
export function shardNames(stream: string, n: number): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new ConfigError(`shards must be an integer 1..256, got ${n}`);
  if (n === 1) return [stream];
  const names: string[] = [];
  // Aim at the centre of the i-th n-th of the slot space (within an eighth of it either side).
  const reach = Math.max(1, Math.floor(SLOTS / n / 8));
  for (let i = 0; i < n; i++) {
    const centre = Math.floor(((i + 0.5) * SLOTS) / n);
    const lo = centre - reach;
    const hi = centre + reach + 1;
    for (let j = 0; ; j++) {
      const name = j === 0 ? `${stream}:${i}` : `${stream}:${i}.${j}`;
      const slot = keySlot(name);
      if (slot >= lo && slot < hi) {
        names.push(name);
        break;
      }
    }
  }
  return names;
}

/** Routes publishes of sharded streams to their shards; other streams pass through. */
export class ShardRouter {
  private readonly names = new Map<string, string[]>();
  private readonly next = new Map<string, number>();

  constructor(shards: Readonly<Record<string, number>>) {
    for (const [stream, n] of Object.entries(shards)) this.names.set(stream, shardNames(stream, n));
  }

  /** True when `stream` is sharded. */
  has(stream: string): boolean {
    return this.names.has(stream);
  }

  /** The physical stream for one publish: by `key` when given, else the next shard in turn. */
  route(stream: string, key: string | undefined): string {
    const names = this.names.get(stream);
    if (!names) return stream;
    if (key !== undefined) return names[shardOf(key, names.length)] as string;
    const i = this.next.get(stream) ?? 0;
    this.next.set(stream, (i + 1) % names.length);
    return names[i] as string;
  }
}

/** Validate a `shards` option: stream name → shard count. */
export function shardsOption(owner: string, value: unknown): Record<string, number> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${owner}: option "shards" must be an object of stream name -> shard count`);
  for (const [stream, n] of Object.entries(value)) {
    if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 256)
      throw new ConfigError(`${owner}: shards.${stream} must be an integer 1..256, got ${JSON.stringify(n)}`);
  }
  return value as Record<string, number>;
}
