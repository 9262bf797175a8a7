// The shapes of startCluster(): its options and the running cluster it returns.

export interface StartClusterOptions {
  /** Masters, each serving an equal share of the 16384 slots. @defaultValue 3 */
  masters?: number;
  /** Replicas per master; with 1, killing a master promotes its replica. @defaultValue 0 */
  replicas?: number;
  /** `cluster-node-timeout`: how long a node may be silent before it is failed over. @defaultValue 1000 */
  nodeTimeoutMs?: number;
  /** Extra `--flag value` arguments for every redis-server, as-is. */
  args?: string[];
  /** How long starting, joining and settling may take in all. @defaultValue 30000 */
  startTimeoutMs?: number;
  /**
   * How nodes are joined: `redis-cli --cluster create`, or plain CLUSTER commands (no redis-cli
   * needed). @defaultValue 'redis-cli' when it is on PATH and masters >= 3, else 'commands'
   */
  join?: 'redis-cli' | 'commands';
}

/** One node as the cluster saw it at the last settle/refresh. */
export interface ClusterNode {
  port: number;
  /** The cluster bus port (`cluster-port`). */
  busPort: number;
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  /** The 40-hex node id. */
  id: string;
  /** pid of the redis-server process (of its latest start). */
  pid: number;
  role: 'master' | 'replica';
  /** For a replica: its master's id and port. */
  masterId?: string;
  masterPort?: number;
  /** Inclusive slot ranges served (masters only). */
  slots: Array<[number, number]>;
  /** False once killed or stopped, until restarted. */
  alive: boolean;
}

export interface WaitOptions {
  /** @defaultValue 30000 */
  timeoutMs?: number;
}

/** A running throwaway Redis Cluster. Node URLs carry no credentials; the nodes bind 127.0.0.1. */
export interface TestCluster {
  /** Every node, for node-redis `createCluster({ rootNodes })`. */
  rootNodes: Array<{ url: string }>;
  /** The first node's URL: one `redis://127.0.0.1:PORT`, no commas. */
  url: string;
  /** Every node's URL. */
  urls: string[];
  /** All nodes (dead ones too) as of the last `waitForOk()` / `refresh()`. */
  readonly nodes: ClusterNode[];
  /** The live masters among `nodes`. */
  readonly masters: ClusterNode[];
  /** A random key prefix reserved for this caller. */
  prefix: string;
  /** SIGKILL a node (a crash: no shutdown, nothing flushed) and wait for it to be gone. */
  killNode(port: number): Promise<void>;
  /** SIGTERM a node (a clean shutdown) and wait for it to be gone. */
  stopNode(port: number): Promise<void>;
  /** Start a killed or stopped node again on its port with its nodes.conf: it rejoins the cluster. */
  restartNode(port: number): Promise<ClusterNode>;
  /**
   * Wait until every live node reports cluster_state:ok, all slots served by live masters, views
   * agreeing, replicas linked; then refresh `nodes`. Throws CLUSTER_TIMEOUT naming what is missing.
   */
  waitForOk(opts?: WaitOptions): Promise<ClusterNode[]>;
  /** After killing master `port`: wait for the cluster to heal and return the node now serving its slots. */
  waitForFailover(port: number, opts?: WaitOptions): Promise<ClusterNode>;
  /** Re-read roles and slots from a live node. */
  refresh(): Promise<ClusterNode[]>;
  /** Kill every node and remove the temp dirs. Idempotent. */
  stop(): Promise<void>;
}
