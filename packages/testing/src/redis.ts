// startRedis(): a real Redis for a test — REDIS_URL, else a spawned binary, else testcontainers.
import { findRedisServer, INSTALL_HINT } from './find.js';
import { randomPrefix } from './prefix.js';
import { type SpawnOptions, spawnRedis, stopSpawned } from './spawn.js';

export interface StartRedisOptions extends SpawnOptions {
  /**
   * Ignore REDIS_URL and always start a fresh server (needed for AOF, password or ACL
   * tests, which configure the server itself). @defaultValue false
   */
  fresh?: boolean;
}

export interface TestRedis {
  /** `redis://127.0.0.1:PORT` (with credentials when a password was set). */
  url: string;
  host: string;
  port: number;
  /** A random key prefix reserved for this caller. */
  prefix: string;
  /** Where the server came from. */
  kind: 'external' | 'spawned' | 'container';
  /** pid of a spawned redis-server. */
  pid?: number;
  /** Stops what this call started; a no-op for REDIS_URL. Idempotent. */
  stop(): Promise<void>;
}

/** Start (or borrow) a real Redis server for tests. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<TestRedis> {
  const prefix = randomPrefix();
  const external = process.env.REDIS_URL;
  if (external && !opts.fresh) {
    const u = new URL(external);
    return {
      url: external,
      host: u.hostname,
      port: Number(u.port || 6379),
      prefix,
      kind: 'external',
      stop: async () => {},
    };
  }
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  const bin = findRedisServer();
  if (bin) {
    const server = await spawnRedis(bin, opts);
    let stopped: Promise<void> | undefined;
    return {
      url: `redis://${auth}${server.host}:${server.port}`,
      host: server.host,
      port: server.port,
      prefix,
      kind: 'spawned',
      pid: server.pid,
      stop: () => {
        stopped ??= stopSpawned(server);
        return stopped;
      },
    };
  }
  const container = await startContainer(opts);
  if (container) return { ...container, url: `redis://${auth}${container.host}:${container.port}`, prefix };
  throw new Error(INSTALL_HINT);
}

async function startContainer(opts: StartRedisOptions): Promise<Omit<TestRedis, 'url' | 'prefix'> | undefined> {
  let tc: typeof import('testcontainers');
  try {
    tc = await import('testcontainers');
  } catch {
    return undefined;
  }
  try {
    const cmd = ['redis-server', '--save', '', '--appendonly', opts.aof ? 'yes' : 'no'];
    if (opts.password) cmd.push('--requirepass', opts.password);
    cmd.push(...(opts.args ?? []));
    const started = await new tc.GenericContainer('redis:7').withExposedPorts(6379).withCommand(cmd).start();
    return {
      host: started.getHost(),
      port: started.getMappedPort(6379),
      kind: 'container',
      stop: async () => {
        await started.stop();
      },
    };
  } catch {
    // No Docker engine answering: fall through to the install hint.
    return undefined;
  }
}
