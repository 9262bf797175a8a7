// Tailing outcomes as an async iterator. Each tail pulls with its own blocking connection:
// a slow loop body slows its reads (backpressure) instead of growing a buffer.
import type { RedisClient } from '@sluice/core';
import type { ResultEntry } from '@sluice/core/plugin';
import { parseRangeReply, parseReadReply, type RawEntry, reconnectDelayMs } from '@sluice/core/plugin';

export interface TailOptions {
  /** Start after this results id; `$` means only outcomes written from now on, `0` from the oldest kept. @defaultValue "$" */
  from?: string | undefined;
  /** Ends the iteration. */
  signal?: AbortSignal | undefined;
  /** XREAD BLOCK time. @defaultValue the Results' blockMs */
  blockMs?: number | undefined;
}

export interface TailDeps<R> {
  key: string;
  blockMs: number;
  readCount: number;
  from: string | undefined;
  signal: AbortSignal | undefined;
  open(): Promise<RedisClient>;
  release(client: RedisClient): void;
  decode(raws: RawEntry[]): ResultEntry<R>[];
}

export async function* tailResults<R>(deps: TailDeps<R>): AsyncIterableIterator<ResultEntry<R>> {
  const { key, signal } = deps;
  if (signal?.aborted) return;
  const client = await deps.open();
  // Aborting destroys the connection, which ends a blocked read at once.
  const onAbort = () => deps.release(client);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let cursor = deps.from ?? '$';
    if (cursor === '$') {
      // A concrete id, so nothing written between two reads is skipped.
      const last = parseRangeReply(await client.sendCommand(['XREVRANGE', key, '+', '-', 'COUNT', '1']));
      cursor = last[0]?.id ?? '0-0';
    }
    let failures = 0;
    while (!signal?.aborted) {
      let raws: RawEntry[];
      try {
        const reply = await client.sendCommand([
          'XREAD',
          'COUNT',
          String(deps.readCount),
          'BLOCK',
          String(deps.blockMs),
          'STREAMS',
          key,
          cursor,
        ]);
        raws = parseReadReply(reply);
      } catch {
        if (signal?.aborted || !client.isOpen) return; // aborted or closed
        await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(failures++))); // the client reconnects
        continue;
      }
      failures = 0;
      const last = raws[raws.length - 1];
      if (last) cursor = last.id;
      for (const r of deps.decode(raws)) yield r;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    deps.release(client);
  }
}
