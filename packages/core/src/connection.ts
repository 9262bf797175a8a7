// Connections: the caller's client (never closed by us) or one we create from a URL, plus a
// dedicated connection for blocking reads so publishes and settles never queue behind BLOCK.

import type { RedisArgument } from 'redis';
import { createClient } from 'redis';

/** The part of a node-redis (v5) client Sluice uses. Any `createClient()` result fits. */
export interface RedisClient {
  sendCommand<T = unknown>(args: ReadonlyArray<RedisArgument>): Promise<T>;
  duplicate(): RedisClient;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
  readonly isOpen: boolean;
  readonly isReady: boolean;
}

/** Reconnect forever with capped exponential backoff plus jitter: a Redis hiccup never ends the process. */
export function reconnectDelayMs(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 10), 2000) + Math.floor(Math.random() * 100);
}

export interface Connection {
  client: RedisClient;
  /** True when we created it and must close it. */
  owned: boolean;
}

/** Create and connect a client for a URL; errors go to `onError` instead of crashing the process. */
export async function connectUrl(url: string, onError: (err: Error) => void): Promise<RedisClient> {
  const client = createClient({ url, socket: { reconnectStrategy: reconnectDelayMs } }) as unknown as RedisClient;
  client.on('error', onError);
  await client.connect();
  return client;
}

/** A new connection with the same settings as `client` (used for blocking reads). */
export async function duplicateClient(client: RedisClient, onError: (err: Error) => void): Promise<RedisClient> {
  const dup = client.duplicate();
  dup.on('error', onError);
  await dup.connect();
  return dup;
}

/** Close a client we own; never throws (close during a reconnect can reject). */
export async function closeQuietly(client: RedisClient | undefined): Promise<void> {
  if (!client) return;
  try {
    if (client.isOpen) await client.close();
  } catch {
    client.destroy();
  }
}

/**
 * Resolve `{ url | client }` into a ready connection. A caller's client is used as-is
 * (connected if it is not yet); its `error` events stay the caller's business.
 */
export async function openConnection(
  opts: { url?: string | undefined; client?: RedisClient | undefined },
  onError: (err: Error) => void,
): Promise<Connection> {
  if (opts.client) {
    if (!opts.client.isOpen) await opts.client.connect();
    return { client: opts.client, owned: false };
  }
  return { client: await connectUrl(opts.url as string, onError), owned: true };
}
