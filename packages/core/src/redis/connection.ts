// Connections: the caller's client (never closed by us) or one we create from a URL, plus a
// dedicated connection for blocking reads so publishes and settles never queue behind BLOCK.

import type { RedisArgument } from 'redis';
import { createClient } from 'redis';
import { ClusterClient, clusterFromUrl, isClusterUrl, isNodeRedisCluster, type NodeRedisCluster } from './cluster.js';

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

/** What a `client` option takes: a node-redis client, or a node-redis `createCluster()` client. */
export type ClientOption = RedisClient | NodeRedisCluster;

export interface Connection {
  client: RedisClient;
  /** True when we created it and must close it. */
  owned: boolean;
}

/** TLS material for `rediss://` URLs (PEM), passed to node-redis' socket options. */
export interface TlsOptions {
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  servername?: string | undefined;
  rejectUnauthorized?: boolean | undefined;
}

/** More for a client we create: TLS material, and a look at the client before it connects (to destroy it). */
export interface UrlOptions {
  tls?: TlsOptions | undefined;
  created?: ((client: RedisClient) => void) | undefined;
}

/** Create and connect a client for a URL; errors go to `onError` instead of crashing the process. */
export async function connectUrl(
  url: string,
  onError: (err: Error) => void,
  more: UrlOptions = {},
): Promise<RedisClient> {
  if (isClusterUrl(url)) {
    const cluster = clusterFromUrl(url, reconnectDelayMs, more.tls);
    more.created?.(cluster);
    cluster.on('error', onError);
    await cluster.connect();
    return cluster;
  }
  const socket = { reconnectStrategy: reconnectDelayMs, ...(more.tls ? { tls: true as const, ...more.tls } : {}) };
  const client = createClient({ url, socket } as Parameters<typeof createClient>[0]) as unknown as RedisClient;
  more.created?.(client);
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

/** Where a wrapper (withCommandTimeout) keeps the client it wraps. */
export const WRAPPED_CLIENT: unique symbol = Symbol('sluice.wrappedClient');

/** The node-redis client under any wrappers. */
function unwrapClient(client: RedisClient): RedisClient {
  let c = client;
  for (let inner = (c as { [WRAPPED_CLIENT]?: RedisClient })[WRAPPED_CLIENT]; inner; ) {
    c = inner;
    inner = (c as { [WRAPPED_CLIENT]?: RedisClient })[WRAPPED_CLIENT];
  }
  return c;
}

interface RedisSocketInternals {
  destroySocket(): void;
}

/** The node-redis 5.x internals discardClient() needs for the one state the public API cannot end. */
interface ClientInternals {
  unref?(): void;
  once?(event: 'connect', listener: () => void): unknown;
  removeAllListeners?(event: 'error'): unknown;
  _ejectSocket?(): RedisSocketInternals | null;
  _insertSocket?(socket: RedisSocketInternals): void;
}

/**
 * Drop a client in any state, now or as soon as it has a socket to drop; never throws.
 *
 * node-redis 5.x loses a destroy() that lands while a TCP connect is under way (a close() racing
 * a connect on first use): the connect completes afterwards on a client marked closed, whose
 * destroy() then throws, and the live socket keeps the process and a Redis connection open. So
 * the client is unref'd first (such a socket never holds the process), and a socket that shows
 * up after the destroy is taken out through the client's internal eject and destroyed.
 */
export function discardClient(wrapped: RedisClient): void {
  const client = unwrapClient(wrapped);
  // createClient() returns an object inheriting from the client: events are emitted by the
  // client itself (`_self`), so listeners go there (on the outer object, once its own listener
  // table was reset, they would never be called).
  const self = ((client as { _self?: RedisClient })._self ?? client) as RedisClient & ClientInternals;
  // Nobody listens to a dropped client any more: what its connect loop still reports (a
  // destroy() during the handshake ends in a TypeError inside node-redis) is noise.
  try {
    self.removeAllListeners?.('error');
    self.on('error', () => {});
    self.unref?.();
  } catch {}
  try {
    client.destroy();
  } catch {}
  self.once?.('connect', () => {
    if (self.isOpen) return; // reopened by its owner: not ours to drop
    try {
      // Out, drop its connection, and back in: the client stays whole (closed, rejecting
      // commands) for whoever still holds it.
      const socket = self._ejectSocket?.();
      if (!socket) return;
      socket.destroySocket();
      self._insertSocket?.(socket);
    } catch {}
  });
}

const destroyQuietly = discardClient;

/** The longest closeQuietly() waits for pending replies before it destroys the connection. */
export const CLOSE_WAIT_MS = 2000;

/**
 * Close a client we own; never throws (close during a reconnect can reject).
 *
 * node-redis' close() waits for pending replies, and once it has begun, destroy() can no longer
 * drop the socket: it flushes the queue, then throws ClientClosedError before closing the socket.
 * A Redis that stopped answering would keep that socket, and its replies, once it ran again,
 * would meet an empty queue (a TypeError inside node-redis, reported as an `error` after close).
 * So Redis is asked first (PING, bounded): one that answers gets the graceful close, one that
 * does not gets destroy() while destroy() still works.
 */
export async function closeQuietly(client: RedisClient | undefined): Promise<void> {
  if (!client) return;
  if (!client.isOpen) return;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS);
  });
  try {
    const answered = client.sendCommand(['PING']).then(
      () => true,
      () => false,
    );
    if (!(await Promise.race([answered, late]))) return destroyQuietly(client);
    // Redis stalled between the PING and the close: pending commands are rejected (nobody waits
    // forever), though the socket can then only go when Redis closes it.
    if (!(await Promise.race([client.close().then(() => true), late]))) destroyQuietly(client);
  } catch {
    destroyQuietly(client);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolve `{ url | client }` into a ready connection. A caller's client is used as-is
 * (connected if it is not yet); its `error` events stay the caller's business.
 */
export async function openConnection(
  opts: { url?: string | undefined; client?: ClientOption | undefined; tls?: TlsOptions | undefined },
  onError: (err: Error) => void,
  created?: (client: RedisClient) => void,
): Promise<Connection> {
  if (opts.client) {
    // A node-redis cluster routes by key with its own signature: wrap it (still the caller's).
    const client = isNodeRedisCluster(opts.client) ? new ClusterClient(opts.client) : opts.client;
    if (!client.isOpen) await client.connect();
    return { client, owned: false };
  }
  return { client: await connectUrl(opts.url as string, onError, { tls: opts.tls, created }), owned: true };
}

/**
 * "Connect on first use, remember whether we own the client": the caller's client is used
 * as is and never closed; a URL gets a client of ours, closed by `close()`. A failed
 * connect is forgotten, so the next `get()` tries again.
 */
export class LazyConnection {
  private connecting: Promise<Connection> | undefined;
  /** Our client while its first connect is under way (Redis down): close() destroys it. */
  private unready: RedisClient | undefined;

  constructor(
    private readonly opts: {
      url?: string | undefined;
      client?: ClientOption | undefined;
      tls?: TlsOptions | undefined;
    },
    private readonly onError: (err: Error) => void,
  ) {}

  get(): Promise<RedisClient> {
    this.connecting ??= openConnection(this.opts, this.onError, (c) => {
      this.unready = c;
    }).then(
      (conn) => {
        this.unready = undefined;
        return conn;
      },
      (err) => {
        this.unready = undefined;
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting.then((c) => c.client);
  }

  /** Close the client if we created it; a no-op otherwise. Idempotent; never waits for a Redis that is down. */
  async close(): Promise<void> {
    const unready = this.unready;
    const connecting = this.connecting;
    this.connecting = undefined;
    this.unready = undefined;
    if (unready) {
      discardClient(unready);
      return;
    }
    const conn = await connecting?.catch(() => undefined);
    if (conn?.owned) await closeQuietly(conn.client);
  }
}
