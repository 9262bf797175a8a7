// The Redis every row runs against, fresh key prefixes per row, and cleanup after it.
// By default a redis-server of the bench's own, so its CPU counters see nothing but the bench.
import { randomPrefix, startRedis } from '@sluice/testing';
import { createClient, type RedisClientType } from 'redis';

export interface BenchEnv {
  url: string;
  host: string;
  port: number;
  /** True when we spawned the server (so FLUSHALL between rows is ours to do). */
  spawned: boolean;
  /** An admin connection for setup, checks and cleanup. */
  admin: RedisClientType;
  /** One connection per Redis process whose CPU counts (a cluster env would list every node). */
  nodes: RedisClientType[];
  /** A fresh key prefix; `label` shows in MONITOR output. */
  prefix(label: string): string;
  /** Remove every key under `prefix` (and FLUSHALL if the server is ours). */
  cleanup(prefix: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * `url` benches a server of yours (its Redis CPU then counts every client it has); without it
 * a fresh redis-server is spawned, whatever REDIS_URL says.
 */
export async function openEnv(url?: string): Promise<BenchEnv> {
  const server = url
    ? { url, host: new URL(url).hostname, port: Number(new URL(url).port || 6379), stop: async () => {} }
    : await startRedis({ fresh: true });
  const spawned = !url;
  const admin = createClient({ url: server.url }) as RedisClientType;
  admin.on('error', () => {});
  await admin.connect();
  return {
    url: server.url,
    host: server.host,
    port: server.port,
    spawned,
    admin,
    nodes: [admin],
    prefix: (label) => randomPrefix(`bench-${label}`),
    async cleanup(prefix) {
      if (spawned) {
        await admin.sendCommand(['FLUSHALL']);
        return;
      }
      let cursor = '0';
      do {
        const [next, keys] = (await admin.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000'])) as [
          string,
          string[],
        ];
        cursor = next;
        if (keys.length > 0) await admin.sendCommand(['UNLINK', ...keys]);
      } while (cursor !== '0');
    },
    async close() {
      await admin.close();
      await server.stop();
    },
  };
}

/** A plain node-redis client for the raw ceiling loops. */
export async function rawClient(url: string): Promise<RedisClientType> {
  const client = createClient({ url }) as RedisClientType;
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** host/port (and password) for BullMQ's ioredis connections. */
export function ioredisOptions(url: string): {
  host: string;
  port: number;
  password?: string;
  maxRetriesPerRequest: null;
} {
  const u = new URL(url);
  const out: { host: string; port: number; password?: string; maxRetriesPerRequest: null } = {
    host: u.hostname,
    port: Number(u.port || 6379),
    maxRetriesPerRequest: null,
  };
  if (u.password) out.password = decodeURIComponent(u.password);
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One raw XREADGROUP of new entries, as [id, fields] pairs (the ceiling and the raw latency baseline). */
export async function readGroupRaw(
  client: RedisClientType,
  key: string,
  group: string,
  consumer: string,
  count: number,
  blockMs: number,
): Promise<[string, string[]][]> {
  const reply = (await client.sendCommand([
    'XREADGROUP',
    'GROUP',
    group,
    consumer,
    'COUNT',
    String(count),
    'BLOCK',
    String(blockMs),
    'STREAMS',
    key,
    '>',
  ])) as [string, [string, string[]][]][] | null;
  return reply?.[0]?.[1] ?? [];
}
