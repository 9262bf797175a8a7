// The two Redis deployments `--cluster` compares in one run: a spawned single redis-server and
// a spawned local 3-master Redis Cluster (no replicas). Each lists one direct connection per
// master, whose INFO cpu deltas are the Redis CPU (summed, and per master for the balance).
import { startCluster, startRedis } from '@sluice/testing';
import type { RedisClientType } from 'redis';
import { readRedis } from './clock.js';
import { rawClient } from './env.js';

export interface Deployment {
  kind: 'single' | 'cluster';
  /** What clients connect to: `redis://…` or `redis+cluster://h:p,h:p,h:p`. */
  url: string;
  /** One direct connection per master (the single server is its only master). */
  nodes: RedisClientType[];
  /** Each master's `host:port`, in `nodes` order. */
  names: string[];
  /** FLUSHALL every master. */
  cleanup(): Promise<void>;
  close(): Promise<void>;
}

export async function openSingle(): Promise<Deployment> {
  const server = await startRedis({ fresh: true });
  const admin = await rawClient(server.url);
  return {
    kind: 'single',
    url: server.url,
    nodes: [admin],
    names: [`${server.host}:${server.port}`],
    cleanup: async () => {
      await admin.sendCommand(['FLUSHALL']);
    },
    close: async () => {
      await admin.close();
      await server.stop();
    },
  };
}

export async function openCluster(masters: number): Promise<Deployment> {
  const cluster = await startCluster({ masters, replicas: 0 });
  try {
    const primaries = cluster.masters;
    const nodes = await Promise.all(primaries.map((m) => rawClient(m.url)));
    return {
      kind: 'cluster',
      url: `redis+cluster://${primaries.map((m) => `127.0.0.1:${m.port}`).join(',')}`,
      nodes,
      names: primaries.map((m) => `127.0.0.1:${m.port}`),
      cleanup: async () => {
        await Promise.all(nodes.map((n) => n.sendCommand(['FLUSHALL'])));
      },
      close: async () => {
        await Promise.all(nodes.map((n) => n.close()));
        await cluster.stop();
      },
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** Redis CPU µs of each master, read now (INFO cpu). */
export async function cpuByNode(d: Deployment): Promise<number[]> {
  return Promise.all(d.nodes.map(async (n) => (await readRedis([n])).cpuUs));
}

/** The stream keys among `keys` that live on each master, by SCAN on the master itself. */
export async function keysByNode(
  d: Deployment,
  pattern: string,
  keys: ReadonlyMap<string, unknown>,
): Promise<string[][]> {
  return Promise.all(
    d.nodes.map(async (node) => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = (await node.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [
          string,
          string[],
        ];
        cursor = next;
        for (const k of batch) if (keys.has(k)) found.push(k);
      } while (cursor !== '0');
      return found;
    }),
  );
}
