// publishTimeoutMs: during a Redis outage node-redis queues commands until it reconnects, so a
// publish would wait forever. Each batch gets one timer (not one per entry): when it fires,
// the batch's publishes reject with a TimeoutError and the batcher moves on.
import { TimeoutError } from '../errors.js';

type Send<T> = (key: string, batch: T[]) => Promise<void>;

/** `send`, with every item of a batch rejected after `timeoutMs` (0: never) if Redis has not answered. */
export function withPublishTimeout<T extends { reject(err: unknown): void }>(
  timeoutMs: number,
  send: Send<T>,
): Send<T> {
  if (timeoutMs === 0) return send;
  return (key, batch) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        const err = new TimeoutError(
          `publish to "${key}" got no reply from Redis within publishTimeoutMs=${timeoutMs} (is Redis down?); ` +
            'it may still be written once Redis is back: publish again with an idempotencyKey to be safe',
        );
        for (const item of batch) item.reject(err);
        resolve();
      }, timeoutMs);
      send(key, batch).finally(() => {
        clearTimeout(timer);
        resolve();
      });
    });
}
