// A Redis Cluster behind the one-node `RedisClient` interface the rest of core uses: each
// command goes to the master of its first key's slot (EVALSHA by KEYS[1]); blocking reads use a
// duplicate with its own node connections. node-redis 5 re-reads the slot map only on MOVED/ASK
// (redis/node-redis#2806), so a master killed with SIGKILL would stall it forever: every command
// here has a timeout, and a connection error or timeout triggers a topology refresh.
import type { RedisArgument } from 'redis';
import { createCluster, ErrorReply } from 'redis';
import { ConfigError, TimeoutError } from '../errors.js';
import { commandKey, isBlocking } from './command-key.js';
import { keySlot } from './key-slot.js';

interface NodeClient {
  sendCommand<T = unknown>(args: ReadonlyArray<RedisArgument>, options?: { timeout?: number }): Promise<T>;
  readonly options?: unknown;
}
interface MasterNode {
  readonly address: string;
  readonly client?: NodeClient | undefined;
}

/** The part of a node-redis `createCluster()` client Sluice uses. */
export interface NodeRedisCluster {
  sendCommand<T = unknown>(
    firstKey: RedisArgument | undefined,
    isReadonly: boolean | undefined,
    args: ReadonlyArray<RedisArgument>,
    options?: { timeout?: number },
  ): Promise<T>;
  duplicate(overrides?: { minimizeConnections?: boolean }): NodeRedisCluster;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: string, listener: (err: Error) => void): unknown;
  off(event: string, listener: (err: Error) => void): unknown;
  readonly isOpen: boolean;
  readonly masters: readonly MasterNode[];
  getSlotMaster(slot: number): MasterNode;
  nodeClient(node: MasterNode): Promise<NodeClient>;
}

/** True for a node-redis cluster client (it routes by key; a plain client does not). */
export function isNodeRedisCluster(client: unknown): client is NodeRedisCluster {
  const c = client as Partial<NodeRedisCluster> | undefined;
  return typeof c?.getSlotMaster === 'function' && typeof c?.nodeClient === 'function';
}

/** Default per-command timeout on a cluster: long enough for a big settle batch on a busy node. */
export const CLUSTER_COMMAND_TIMEOUT_MS = 5000;

/** Readers' synthetic CLIENT IDs → their adapters, so CLIENT UNBLOCK from any adapter finds the node. */
const readers = new Map<string, ClusterClient>();
const nodeIds = new WeakMap<NodeClient, number>();
let nextReader = 0;

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

const TOPOLOGY = /^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN|READONLY|MASTERDOWN)/;

/** A `RedisClient` (structurally: connection.ts imports this file, not the other way round). */
export class ClusterClient {
  private readonly readerId = `cluster-reader-${++nextReader}`;
  private blocked: { address: string; id: number } | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly forwarded = new Map<(err: Error) => void, (err: Error) => void>();
  /** Commands queued between MULTI and EXEC: sent together to the node of their first key. */
  private tx: Array<{ args: ReadonlyArray<RedisArgument>; done: Deferred }> | undefined;

  constructor(
    readonly cluster: NodeRedisCluster,
    private readonly commandTimeoutMs: number = CLUSTER_COMMAND_TIMEOUT_MS,
    private readonly parent?: ClusterClient,
  ) {}

  get isOpen(): boolean {
    return this.cluster.isOpen;
  }

  get isReady(): boolean {
    return this.cluster.isOpen;
  }

  async connect(): Promise<unknown> {
    return this.cluster.connect();
  }

  async close(): Promise<void> {
    readers.delete(this.readerId);
    await this.cluster.close();
  }

  destroy(): void {
    readers.delete(this.readerId);
    this.cluster.destroy();
  }

  /** Errors of the cluster and of every node connection (a node going away reports here). */
  on(event: 'error', listener: (err: Error) => void): this {
    const node = (err: Error) => listener(err);
    this.forwarded.set(listener, node);
    this.cluster.on(event, listener);
    this.cluster.on('node-error', node);
    return this;
  }

  off(event: 'error', listener: (err: Error) => void): this {
    this.cluster.off(event, listener);
    const node = this.forwarded.get(listener);
    if (node) this.cluster.off('node-error', node);
    this.forwarded.delete(listener);
    return this;
  }

  /** A second adapter with its own node connections, for blocking reads. */
  duplicate(): ClusterClient {
    return new ClusterClient(this.cluster.duplicate({ minimizeConnections: true }), this.commandTimeoutMs, this);
  }

  async sendCommand<T = unknown>(args: ReadonlyArray<RedisArgument>): Promise<T> {
    if (String(args[0]).toUpperCase() === 'CLIENT') {
      const sub = String(args[1]).toUpperCase();
      if (sub === 'ID') {
        readers.set(this.readerId, this);
        return this.readerId as T;
      }
      const reader = sub === 'UNBLOCK' ? readers.get(String(args[2])) : undefined;
      if (reader) return (await reader.unblock()) as T;
    }
    const name = String(args[0]).toUpperCase();
    if (name === 'MULTI' || this.tx) return this.transaction<T>(name, args);
    if (name === 'SCAN') return this.scan<T>(args);
    const key = commandKey(args);
    try {
      if (key !== undefined && isBlocking(args)) return await this.blockingRead<T>(key, args);
      return await this.cluster.sendCommand<T>(key, false, args, { timeout: this.commandTimeoutMs });
    } catch (err) {
      if (!(err instanceof ErrorReply) || TOPOLOGY.test(err.message)) this.refresh();
      throw this.explain(err, args);
    }
  }

  /** node-redis' TimeoutError has no message: say which command, and what it likely means. */
  private explain(err: unknown, args: ReadonlyArray<RedisArgument>): unknown {
    if ((err as Error)?.constructor?.name !== 'TimeoutError') return err;
    const e = new TimeoutError(
      `cluster: ${String(args[0])} got no reply within ${this.commandTimeoutMs} ms (node down or failover under way; the slot map is being re-read)`,
    );
    (e as Error).cause = err;
    return e;
  }

  /**
   * MULTI ... EXEC sent as separate commands (pipelined by the caller): queue them, then send
   * the whole block on the connection to the master of the first key, as one pipeline.
   */
  private async transaction<T>(name: string, args: ReadonlyArray<RedisArgument>): Promise<T> {
    if (name === 'MULTI') {
      if (this.tx) throw new ErrorReply('ERR MULTI calls can not be nested');
      this.tx = [];
      return 'OK' as T;
    }
    const tx = this.tx as NonNullable<typeof this.tx>;
    if (name !== 'EXEC' && name !== 'DISCARD') {
      const done = deferred();
      tx.push({ args, done });
      return done.promise.then(() => 'QUEUED' as T);
    }
    this.tx = undefined;
    const fail = (err: unknown) => {
      for (const c of tx) c.done.reject(err);
    };
    if (name === 'DISCARD') {
      fail(new ErrorReply('ERR transaction discarded'));
      return 'OK' as T;
    }
    const key = tx.map((c) => commandKey(c.args)).find((k) => k !== undefined);
    try {
      const master = this.cluster.getSlotMaster(key === undefined ? 0 : keySlot(String(key)));
      const client = await this.cluster.nodeClient(master);
      const opts = { timeout: this.commandTimeoutMs };
      const sent = [client.sendCommand(['MULTI'], opts), ...tx.map((c) => client.sendCommand(c.args, opts))];
      const exec = client.sendCommand<T>(['EXEC'], opts);
      await Promise.all(sent);
      const reply = await exec;
      for (const c of tx) c.done.resolve();
      return reply;
    } catch (err) {
      fail(err);
      if (!(err instanceof ErrorReply) || TOPOLOGY.test(err.message)) this.refresh();
      throw err;
    }
  }

  /**
   * SCAN over every master in turn: the cursor `<master index>:<node cursor>` walks one node,
   * then the next; "0" only when the last node is done (as for one server).
   */
  private async scan<T>(args: ReadonlyArray<RedisArgument>): Promise<T> {
    const masters = [...this.cluster.masters].sort((a, b) => a.address.localeCompare(b.address));
    const [at, inner] = String(args[1]) === '0' ? [0, '0'] : String(args[1]).split(':');
    const index = Number(at);
    const node = masters[index];
    if (!node) return ['0', []] as T;
    const client = await this.cluster.nodeClient(node);
    const [next, keys] = await client.sendCommand<[string, string[]]>(['SCAN', inner ?? '0', ...args.slice(2)], {
      timeout: this.commandTimeoutMs,
    });
    const done = String(next) === '0';
    const cursor = !done ? `${index}:${next}` : index + 1 < masters.length ? `${index + 1}:0` : '0';
    return [cursor, keys] as T;
  }

  /** A keyless command (WAIT) on the connection to the master of `key`'s slot. */
  async sendCommandFor<T = unknown>(key: string, args: ReadonlyArray<RedisArgument>): Promise<T> {
    try {
      return await this.cluster.sendCommand<T>(key, false, args, { timeout: this.commandTimeoutMs });
    } catch (err) {
      if (!(err instanceof ErrorReply)) this.refresh();
      throw err;
    }
  }

  /** Re-read the slot map (coalesced): after a failover the promoted replica takes the slots. */
  refresh(): Promise<void> {
    const slots = (this.cluster as unknown as { _slots?: { rediscover?(start: unknown): Promise<void> } })._slots;
    if (this.refreshing || typeof slots?.rediscover !== 'function') return this.refreshing ?? Promise.resolve();
    const masters = this.cluster.masters.filter((m) => m.client);
    const start = masters[Math.floor(Math.random() * masters.length)]?.client;
    this.refreshing = (start ? slots.rediscover(start) : Promise.resolve())
      .catch(() => {})
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** On the slot master's own connection, remembering its real CLIENT ID for CLIENT UNBLOCK. */
  private async blockingRead<T>(key: RedisArgument, args: ReadonlyArray<RedisArgument>): Promise<T> {
    const master = this.cluster.getSlotMaster(keySlot(typeof key === 'string' ? key : Buffer.from(key)));
    const client = await this.cluster.nodeClient(master);
    let id = nodeIds.get(client);
    if (id === undefined) {
      id = Number(await client.sendCommand(['CLIENT', 'ID'], { timeout: this.commandTimeoutMs }));
      nodeIds.set(client, id);
    }
    const at = args.findIndex((a) => String(a).toUpperCase() === 'BLOCK');
    const blockMs = Number(args[at + 1]) || 0;
    this.blocked = { address: master.address, id };
    try {
      // BLOCK 0 waits forever by design; otherwise a dead node must not hold the reader.
      return await client.sendCommand<T>(args, blockMs > 0 ? { timeout: blockMs + this.commandTimeoutMs } : {});
    } finally {
      this.blocked = undefined;
    }
  }

  /** CLIENT UNBLOCK the read in flight, sent over the parent's connection to the same node. */
  private async unblock(): Promise<number> {
    const blocked = this.blocked;
    const via = this.parent ?? this;
    const node = blocked && via.cluster.masters.find((m) => m.address === blocked.address);
    if (!blocked || !node) return 0;
    const client = await via.cluster.nodeClient(node);
    return client.sendCommand<number>(['CLIENT', 'UNBLOCK', String(blocked.id)], { timeout: this.commandTimeoutMs });
  }
}

/** True for `redis+cluster://` / `rediss+cluster://` URLs (a comma-separated list of nodes). */
export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//i.test(url);
}

/**
 * `redis+cluster://[user:pass@]host:port,host:port[?commandTimeoutMs=N]` → root nodes and settings.
 * Every node shares the credentials and the TLS choice of the URL.
 */
export function parseClusterUrl(url: string): { rootNodes: { url: string }[]; commandTimeoutMs: number } {
  const match = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?]+)\/?(?:\?(.*))?$/i.exec(url);
  if (!match) throw new ConfigError(`not a redis+cluster:// URL: ${url}`);
  const [, scheme, auth, hosts, query] = match as unknown as [string, string, string | undefined, string, string?];
  const rootNodes = hosts
    .split(',')
    .filter(Boolean)
    .map((host) => ({ url: `${scheme.toLowerCase()}://${auth ? `${auth}@` : ''}${host}` }));
  const timeout = Number(new URLSearchParams(query ?? '').get('commandTimeoutMs') ?? CLUSTER_COMMAND_TIMEOUT_MS);
  if (rootNodes.length === 0 || !Number.isInteger(timeout) || timeout <= 0)
    throw new ConfigError(`bad cluster URL (nodes host:port,host:port; commandTimeoutMs > 0): ${url}`);
  return { rootNodes, commandTimeoutMs: timeout };
}

/** A cluster adapter for a `redis+cluster://` URL (not yet connected). */
export function clusterFromUrl(
  url: string,
  reconnectStrategy: (retries: number) => number,
  tls?: object | undefined,
): ClusterClient {
  const { rootNodes, commandTimeoutMs } = parseClusterUrl(url);
  const socket = { reconnectStrategy, ...(tls ? { tls: true as const, ...tls } : {}) };
  const cluster = createCluster({ rootNodes, defaults: { socket } } as Parameters<typeof createCluster>[0]);
  return new ClusterClient(cluster as unknown as NodeRedisCluster, commandTimeoutMs);
}
