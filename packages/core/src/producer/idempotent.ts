// Idempotent publishes (option `idempotencyKey`) travel in their own batches through the
// publish-idempotent script, so plain FIFO batches keep the cheaper publish script.
import { DelayedFullError, PayloadError } from '../errors.js';
import type { StreamKeys } from '../keys.js';
import {
  type IdempotentItem,
  idempotencyMarker,
  parsePublishIdempotentReply,
  publishIdempotentArgs,
  publishIdempotentScript,
} from '../lua/idempotency.js';
import type { RedisClient } from '../redis/connection.js';

/** One queued idempotent publish: what the script needs plus the caller's promise. */
export type IdempotentPending = IdempotentItem & {
  resolve(id: string): void;
  reject(err: unknown): void;
};

/** The marker for a publish's `idempotencyKey`, validated. */
export function markerFor(producerId: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0)
    throw new PayloadError(`option "idempotencyKey" must be a non-empty string, got ${JSON.stringify(key)}`);
  return idempotencyMarker(producerId, key);
}

/**
 * Write one batch; settles every item. Resolves with the ids written for the first time
 * (duplicates resolve with the first publish's id and are not reported as published).
 */
export async function sendIdempotent(
  client: RedisClient,
  keys: StreamKeys,
  window: { windowMs: number; maxKeys: number; maxDelayed?: number },
  batch: IdempotentPending[],
): Promise<string[]> {
  try {
    const reply = await publishIdempotentScript.run(
      client,
      [keys.stream, keys.delayed, keys.idmp, keys.idmpExpiry],
      publishIdempotentArgs(window.windowMs, window.maxKeys, batch, window.maxDelayed ?? 0),
    );
    const { ids, dup, full } = parsePublishIdempotentReply(reply);
    const fresh: string[] = [];
    for (let i = 0; i < batch.length; i++) {
      const id = ids[i] as string;
      const max = window.maxDelayed ?? 0;
      if (full[i]) (batch[i] as IdempotentPending).reject(new DelayedFullError(keys.delayed, max, max));
      else (batch[i] as IdempotentPending).resolve(id);
      if (!dup[i] && batch[i]?.fields) fresh.push(id);
    }
    return fresh;
  } catch (err) {
    for (const item of batch) item.reject(err);
    return [];
  }
}
