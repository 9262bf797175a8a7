// Small helpers shared inside core.
import { type Codec, decodeEntry, type Entry, type RawEntry, undecodedEntry } from './codec.js';

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isPromiseLike<X>(value: X | PromiseLike<X>): value is PromiseLike<X> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<X>).then === 'function'
  );
}

/** Decode when possible, else a stand-in that can still be dead-lettered. */
export function safeDecode(stream: string, raw: RawEntry, codec: Codec, deliveries?: number): Entry {
  try {
    return decodeEntry(stream, raw, codec, deliveries);
  } catch {
    return undecodedEntry(stream, raw, deliveries);
  }
}
