// The Producer's seam: headers for every publish (trace context), observing what was written,
// and waiting for an outcome (publishAndWait). Core defines it; @sluice/results fills it.
import type { Headers } from '../wire/task.js';

export interface WaitOptions {
  /** Give up (reject with a TimeoutError) after this long. */
  timeoutMs?: number | undefined;
  /** Give up when this signal aborts. */
  signal?: AbortSignal | undefined;
}

export interface ProducerPlugin {
  readonly name: string;
  /** Headers to add to a task about to be published (e.g. `traceparent`); the caller's own headers win. */
  headers?(stream: string): Headers | undefined;
  /** A batch was written to `stream`. */
  published?(stream: string, ids: readonly string[]): void;
  /** Resolve with the final outcome of entry `id`: this is what `producer.publishAndWait()` awaits. */
  waitFor?(stream: string, id: string, opts: WaitOptions): Promise<unknown>;
  /** Join `producer.close()`, after queued publishes were flushed. */
  close?(): void | Promise<void>;
}

/** Merge plugin headers under the caller's; returns `headers` itself when no plugin adds any. */
export function withPluginHeaders(
  plugins: readonly ProducerPlugin[],
  stream: string,
  headers: Headers | undefined,
): Headers | undefined {
  // Not an object: leave it for encode() to reject with a clear error.
  if (headers !== undefined && (headers === null || typeof headers !== 'object' || Array.isArray(headers)))
    return headers;
  let merged: Headers | undefined;
  for (const p of plugins) {
    const h = p.headers?.(stream);
    if (h) merged = { ...merged, ...h };
  }
  return merged ? { ...merged, ...headers } : headers;
}
