// Spawns a throwaway redis-server on a free loopback port, in a temp dir, that dies with us.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './find.js';
import { assertTlsBuild, makeCerts, type TlsMaterial, tlsArgs } from './tls.js';

export interface SpawnOptions {
  /** Turn on AOF persistence (appendfsync everysec). @defaultValue false */
  aof?: boolean;
  /** `requirepass` for the default user. */
  password?: string;
  /** Contents of an ACL file (`user alice on >pw ~* +@all` lines). */
  acl?: string;
  /** Extra `--flag value` arguments passed to redis-server as-is. */
  args?: string[];
  /** How long to wait for the server to accept connections. @defaultValue 10000 */
  startTimeoutMs?: number;
  /**
   * Serve TLS only (`rediss://`), with a fresh CA, server and client certificate made by the
   * openssl CLI; clients may present the client certificate or none. @defaultValue false
   */
  tls?: boolean;
}

/** Where to put a server, when the caller decides (a cluster node restarted in place). */
export interface Placement {
  /** Listen on this port (no retry on a clash); else a free one. */
  port?: number;
  /** Run in this existing dir, which the caller owns; else a fresh temp dir removed on stop. */
  dir?: string;
}

export interface SpawnedRedis {
  host: string;
  port: number;
  dir: string;
  pid: number;
  process: ChildProcess;
  /** Whether stopping the server removes `dir`. */
  ownsDir: boolean;
  /** Client-side PEMs of a TLS server. */
  tls?: TlsMaterial;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kill every server we spawned when this process exits (normal exit, uncaught error, signal). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of live) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // First in line, so the count below still sees a program's own once() listeners.
    process.prependOnceListener(sig, () => {
      killAll();
      // Keep Node's default (exit on the signal) only when nobody else handles it: a program that
      // listens for Ctrl-C (the demo, a CLI tail) cleans up and exits on its own terms. Re-raising
      // under such a program raced its cleanup: once it stopped listening, the re-raised signal
      // killed it (exit 130 instead of 0).
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/**
 * A detached shell that outlives a SIGKILLed parent just long enough to kill the server:
 * the only way to honour "no orphans" when nobody gets to run an exit hook.
 */
function watchdog(childPid: number): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${childPid} 2>/dev/null; do sleep 0.5; done; kill -9 ${childPid} 2>/dev/null`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

export async function spawnRedis(bin: string, opts: SpawnOptions = {}, place: Placement = {}): Promise<SpawnedRedis> {
  installExitHook();
  if (opts.tls) assertTlsBuild(bin);
  const ownsDir = place.dir === undefined;
  const dir = place.dir ?? mkdtempSync(join(tmpdir(), 'sluice-redis-'));
  const host = '127.0.0.1';
  let lastError = '';
  let tls: ReturnType<typeof makeCerts> | undefined;
  try {
    if (opts.tls) tls = makeCerts(dir);
  } catch (err) {
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  for (let tries = 0; tries < (place.port ? 1 : 5); tries++) {
    const port = place.port ?? (await freePort());
    const args = [
      ...(tls ? tlsArgs(port, tls.files) : ['--port', String(port)]),
      '--bind',
      host,
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      opts.aof ? 'yes' : 'no',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
      '--loglevel',
      'notice',
      '--databases',
      '16',
    ];
    if (opts.password) args.push('--requirepass', opts.password);
    if (opts.acl !== undefined) {
      const aclFile = join(dir, 'users.acl');
      writeFileSync(aclFile, opts.acl);
      args.push('--aclfile', aclFile);
    }
    args.push(...(opts.args ?? []));
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    try {
      await waitReady(child, opts.startTimeoutMs ?? 10_000);
      child.stdout?.resume();
      child.stderr?.resume();
      watchdog(child.pid as number);
      const server: SpawnedRedis = { host, port, dir, pid: child.pid as number, process: child, ownsDir };
      if (tls) server.tls = tls.client;
      return server;
    } catch (err) {
      lastError = (err as Error).message;
      child.kill('SIGKILL');
      // A port taken between freePort() and bind: try another one.
      if (!/Address already in use/i.test(lastError)) break;
    }
  }
  if (ownsDir) rmSync(dir, { recursive: true, force: true });
  throw new Error(`redis-server (${bin}) did not start: ${lastError}`);
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => done(new Error(`not ready after ${timeoutMs} ms: ${output.slice(-500)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/i.test(output)) done();
    };
    const onExit = (code: number | null) => done(new Error(`exited with code ${code}: ${output.slice(-500)}`));
    function done(err?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM (SIGKILL after 3 s, or at once with `signal: 'SIGKILL'`), wait for the exit, remove an owned dir. */
export async function stopSpawned(server: SpawnedRedis, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  const child = server.process;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  if (server.ownsDir) rmSync(server.dir, { recursive: true, force: true });
}
