// startCluster(): a real, throwaway Redis Cluster of spawned redis-server processes on loopback,
// joined, settled (every slot served), and killed with us, for cluster and failover tests.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisCli, joinWithCommands, joinWithRedisCli } from './cluster-join.js';
import type { ClusterNode, StartClusterOptions, TestCluster, WaitOptions } from './cluster-types.js';
import { inspect, type NodeLine, slotMap } from './cluster-view.js';
import { rejectUnknown, TestingError } from './errors.js';
import { findRedisServer, freePort, INSTALL_HINT } from './find.js';
import { randomPrefix } from './prefix.js';
import { type SpawnedRedis, spawnRedis, stopSpawned } from './spawn.js';
import { sleep } from './wait.js';

const KNOWN: Array<keyof StartClusterOptions> = [
  'masters',
  'replicas',
  'nodeTimeoutMs',
  'args',
  'startTimeoutMs',
  'join',
];

interface Slot {
  port: number;
  busPort: number;
  dir: string;
  server?: SpawnedRedis;
  pid: number;
}

/** Start a local Redis Cluster of `masters * (1 + replicas)` nodes and wait until it is ok. */
export async function startCluster(opts: StartClusterOptions = {}): Promise<TestCluster> {
  rejectUnknown('startCluster', opts, KNOWN);
  const masters = opts.masters ?? 3;
  const replicas = opts.replicas ?? 0;
  const nodeTimeoutMs = opts.nodeTimeoutMs ?? 1000;
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  positiveInt('masters', masters, 1);
  positiveInt('replicas', replicas, 0);
  positiveInt('nodeTimeoutMs', nodeTimeoutMs, 1);
  const cli = opts.join === 'commands' ? undefined : findRedisCli();
  if (opts.join === 'redis-cli' && (!cli || masters < 3)) {
    throw new TestingError('BAD_OPTION', `startCluster: join 'redis-cli' needs redis-cli on PATH and masters >= 3`);
  }
  if (opts.join !== undefined && opts.join !== 'redis-cli' && opts.join !== 'commands') {
    throw new TestingError('BAD_OPTION', `startCluster: join must be 'redis-cli' or 'commands', got '${opts.join}'`);
  }
  const bin = findRedisServer();
  if (!bin) throw new TestingError('NO_REDIS', `startCluster needs redis-server on PATH.\n${INSTALL_HINT}`);

  const deadline = Date.now() + timeoutMs;
  const root = mkdtempSync(join(tmpdir(), 'sluice-cluster-'));
  const slots: Slot[] = [];
  const taken = new Set<number>();
  const pick = async () => {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  const clusterArgs = (s: Slot) =>
    ['--cluster-enabled', 'yes', '--cluster-config-file', join(s.dir, 'nodes.conf'), '--cluster-port']
      .concat([String(s.busPort), '--cluster-node-timeout', String(nodeTimeoutMs)])
      // A replica with a stale link may still be promoted: tests want failover, not caution.
      .concat(['--cluster-replica-validity-factor', '0'])
      // Diskless sync waits 5 s by default for more replicas to join the same transfer.
      .concat(['--repl-diskless-sync-delay', '0', ...(opts.args ?? [])]);
  const launch = async (s: Slot, startTimeoutMs: number) => {
    s.server = await spawnRedis(bin, { args: clusterArgs(s), startTimeoutMs }, s);
    s.pid = s.server.pid;
  };
  const startNode = async (i: number) => {
    const dir = join(root, `node-${i}`);
    mkdirSync(dir);
    for (let tries = 0; ; tries++) {
      const s: Slot = { port: await pick(), busPort: await pick(), dir, pid: 0 };
      try {
        await launch(s, Math.max(1, deadline - Date.now()));
        return s;
      } catch (err) {
        // A port taken between freePort() and bind: try others.
        if (tries >= 4 || !/Address already in use/i.test((err as Error).message)) throw err;
      }
    }
  };

  let view: NodeLine[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await Promise.all(slots.map((s) => (s.server ? stopSpawned(s.server, 'SIGKILL') : undefined)));
      rmSync(root, { recursive: true, force: true });
    })();
    return stopped;
  };
  const alive = (s: Slot) => !!s.server && s.server.process.exitCode === null && s.server.process.signalCode === null;
  const bySlot = (port: number) => {
    if (stopped) throw new TestingError('UNKNOWN_NODE', `the cluster was stopped; node ${port} is gone`);
    const s = slots.find((x) => x.port === port);
    if (!s) throw new TestingError('UNKNOWN_NODE', `no node of this cluster listens on ${port}`);
    return s;
  };
  const snapshot = (): ClusterNode[] =>
    slots.map((s) => {
      const line = view.find((l) => l.port === s.port);
      const master = line?.masterId ? view.find((l) => l.id === line.masterId) : undefined;
      const node: ClusterNode = {
        port: s.port,
        busPort: s.busPort,
        url: `redis://127.0.0.1:${s.port}`,
        id: line?.id ?? '',
        pid: s.pid,
        role: line?.flags.includes('slave') ? 'replica' : 'master',
        slots: line?.slots ?? [],
        alive: alive(s),
      };
      if (line?.masterId) node.masterId = line.masterId;
      if (master) node.masterPort = master.port;
      return node;
    });
  const waitForOk = async (wait: WaitOptions = {}) => {
    rejectUnknown('waitForOk', wait, ['timeoutMs']);
    const waitMs = wait.timeoutMs ?? 30_000;
    const until = Date.now() + waitMs;
    for (;;) {
      const live = slots.filter(alive);
      const ports = new Set(live.map((s) => s.port));
      const views = await Promise.all(live.map((s) => inspect(s.port, ports, slots.length)));
      const problem =
        views.find((v) => v.problem)?.problem ??
        (new Set(views.map((v) => slotMap(v.nodes))).size > 1 ? 'nodes disagree about slot owners' : undefined);
      if (!problem && views[0]) {
        view = views[0].nodes;
        return snapshot();
      }
      if (Date.now() > until) {
        throw new TestingError('CLUSTER_TIMEOUT', `cluster not ok after ${waitMs} ms: ${problem ?? 'no live node'}`);
      }
      await sleep(50);
    }
  };

  try {
    const started = await Promise.allSettled(Array.from({ length: masters * (1 + replicas) }, (_, i) => startNode(i)));
    for (const r of started) if (r.status === 'fulfilled') slots.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed)
      throw new TestingError('CLUSTER_START', `a cluster node did not start: ${(failed.reason as Error).message}`, {
        cause: failed.reason,
      });
    if (cli && masters >= 3) await joinWithRedisCli(cli, slots, replicas, Math.max(1, deadline - Date.now()));
    else await joinWithCommands(slots, masters, deadline);
    await waitForOk({ timeoutMs: Math.max(1, deadline - Date.now()) });
  } catch (err) {
    await stop();
    throw err;
  }

  const urls = slots.map((s) => `redis://127.0.0.1:${s.port}`);
  return {
    rootNodes: urls.map((url) => ({ url })),
    url: urls[0] as string,
    urls,
    get nodes() {
      return snapshot();
    },
    get masters() {
      return snapshot().filter((n) => n.alive && n.role === 'master');
    },
    prefix: randomPrefix('c'),
    async killNode(port) {
      const s = bySlot(port);
      if (s.server) await stopSpawned(s.server, 'SIGKILL');
    },
    async stopNode(port) {
      const s = bySlot(port);
      if (s.server) await stopSpawned(s.server, 'SIGTERM');
    },
    async restartNode(port) {
      const s = bySlot(port);
      if (alive(s)) throw new TestingError('BAD_OPTION', `restartNode: node ${port} is still running`);
      await launch(s, 10_000);
      return snapshot().find((n) => n.port === port) as ClusterNode;
    },
    waitForOk,
    async waitForFailover(port, opts) {
      if (alive(bySlot(port))) {
        throw new TestingError('BAD_OPTION', `waitForFailover: node ${port} is alive; kill or stop it first`);
      }
      const dead = snapshot().find((n) => n.port === port);
      const slot = dead?.slots[0]?.[0];
      if (!dead || slot === undefined) {
        throw new TestingError('UNKNOWN_NODE', `waitForFailover: ${port} was not a master serving slots`);
      }
      const nodes = await waitForOk(opts);
      return nodes.find((n) => n.alive && n.slots.some(([a, b]) => a <= slot && slot <= b)) as ClusterNode;
    },
    async refresh() {
      const first = slots.find(alive);
      if (first) view = (await inspect(first.port, new Set([first.port]), slots.length)).nodes;
      return snapshot();
    },
    stop,
  };
}

function positiveInt(name: string, value: unknown, min: number): void {
  if (!Number.isInteger(value) || (value as number) < min) {
    throw new TestingError('BAD_OPTION', `startCluster: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}
