// startRedis(): a real Redis for a test — REDIS_URL, else a spawned binary, else testcontainers.
import { rejectUnknown, TestingError } from './errors.js';
import { findRedisServer, INSTALL_HINT } from './find.js';
import { randomPrefix } from './prefix.js';
import { type SpawnOptions, spawnRedis, stopSpawned } from './spawn.js';
import type { TlsMaterial } from './tls.js';

export interface StartRedisOptions extends SpawnOptions {
  /**
   * Ignore REDIS_URL and always start a fresh server. Implied by any option that configures
   * the server (`aof`, `password`, `acl`, `args`, `tls`). @defaultValue false
   */
  fresh?: boolean;
}

const KNOWN: Array<keyof StartRedisOptions> = ['fresh', 'aof', 'password', 'acl', 'args', 'startTimeoutMs', 'tls'];

export interface TestRedis {
  /** `redis://127.0.0.1:PORT` (with credentials when a password was set); `rediss://` with `tls`. */
  url: string;
  host: string;
  port: number;
  /** A random key prefix reserved for this caller. */
  prefix: string;
  /** Where the server came from. */
  kind: 'external' | 'spawned' | 'container';
  /** pid of a spawned redis-server. */
  pid?: number;
  /** With `tls: true`: the CA and a client certificate, PEM (`socket: { tls: true, ...tls }`). */
  tls?: TlsMaterial;
  /** Stops what this call started; a no-op for REDIS_URL. Idempotent. */
  stop(): Promise<void>;
  /**
   * Spawned servers only: SHUTDOWN (SIGTERM; SIGKILL with `kill: true`), stay down for
   * `downMs`, then start again on the same port and dir, so AOF data survives. With `tls`
   * the certificates are made anew (read `tls` again).
   */
  restart(opts?: { downMs?: number; kill?: boolean }): Promise<void>;
}

/** Start (or borrow) a real Redis server for tests. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<TestRedis> {
  rejectUnknown('startRedis', opts, KNOWN);
  const prefix = randomPrefix();
  const external = process.env.REDIS_URL;
  const configured = opts.aof || opts.password !== undefined || opts.acl !== undefined || opts.args?.length || opts.tls;
  if (external && !opts.fresh && !configured) {
    const u = new URL(external);
    return {
      url: external,
      host: u.hostname,
      port: Number(u.port || 6379),
      prefix,
      kind: 'external',
      stop: async () => {},
      restart: notSpawned,
    };
  }
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : '';
  const bin = findRedisServer();
  if (bin) {
    let server = await spawnRedis(bin, opts);
    let stopped: Promise<void> | undefined;
    const handle: TestRedis = {
      url: `${server.tls ? 'rediss' : 'redis'}://${auth}${server.host}:${server.port}`,
      host: server.host,
      port: server.port,
      prefix,
      kind: 'spawned',
      pid: server.pid,
      ...(server.tls ? { tls: server.tls } : {}),
      stop: () => {
        stopped ??= stopSpawned(server);
        return stopped;
      },
      restart: async ({ downMs = 0, kill = false } = {}) => {
        if (stopped) throw new TestingError('BAD_OPTION', 'restart() after stop()');
        // Keep the dir (the AOF lives there): this handle still owns it and removes it on stop().
        await stopSpawned({ ...server, ownsDir: false }, kill ? 'SIGKILL' : 'SIGTERM');
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        server = { ...(await spawnRedis(bin, opts, { port: server.port, dir: server.dir })), ownsDir: true };
        handle.pid = server.pid;
        if (server.tls) handle.tls = server.tls;
      },
    };
    return handle;
  }
  if (opts.tls)
    throw new TestingError('NO_REDIS', `startRedis({ tls: true }) needs redis-server on PATH.\n${INSTALL_HINT}`);
  const container = await startContainer(opts);
  if (container)
    return { ...container, url: `redis://${auth}${container.host}:${container.port}`, prefix, restart: notSpawned };
  throw new Error(INSTALL_HINT);
}

const notSpawned = async (): Promise<void> => {
  throw new TestingError('BAD_OPTION', 'restart() needs a spawned server (startRedis({ fresh: true }))');
};

async function startContainer(
  opts: StartRedisOptions,
): Promise<Omit<TestRedis, 'url' | 'prefix' | 'restart'> | undefined> {
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
