// Joining freshly started cluster-mode nodes into one cluster: with `redis-cli --cluster create`,
// or with plain commands (ADDSLOTSRANGE, MEET, REPLICATE) where redis-cli is missing.
import { execFile, execFileSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { clusterNodes, SLOTS } from './cluster-view.js';
import { TestingError } from './errors.js';
import { call } from './resp.js';
import { sleep } from './wait.js';

export interface JoinNode {
  port: number;
  busPort: number;
}

/** Absolute path of `redis-cli` on PATH (or REDIS_CLI_BIN), or undefined. */
export function findRedisCli(): string | undefined {
  if (process.env.REDIS_CLI_BIN) return process.env.REDIS_CLI_BIN;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `redis-cli --cluster create`: the first `masters` nodes tend to become masters, redis-cli decides. */
export function joinWithRedisCli(cli: string, nodes: JoinNode[], replicas: number, timeoutMs: number): Promise<void> {
  const args = ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`)].concat([
    '--cluster-replicas',
    String(replicas),
    '--cluster-yes',
  ]);
  return new Promise((resolve, reject) => {
    execFile(cli, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const out = stripVTControlCharacters(`${stdout}${stderr}`).slice(-800);
      reject(new TestingError('CLUSTER_START', `redis-cli ${args.join(' ')} failed: ${out}`, { cause: err }));
    });
  });
}

/** Slots split evenly over the first `masters` nodes; node masters + i replicates master i % masters. */
export async function joinWithCommands(nodes: JoinNode[], masters: number, deadline: number): Promise<void> {
  const ids = await Promise.all(nodes.map((n) => call({ port: n.port }, 'CLUSTER', 'MYID').then(String)));
  await Promise.all(nodes.map((n, i) => call({ port: n.port }, 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1))));
  for (let m = 0; m < masters; m++) {
    const from = Math.floor((m * SLOTS) / masters);
    const to = Math.floor(((m + 1) * SLOTS) / masters) - 1;
    await call({ port: (nodes[m] as JoinNode).port }, 'CLUSTER', 'ADDSLOTSRANGE', String(from), String(to));
  }
  const first = nodes[0] as JoinNode;
  for (const n of nodes.slice(1)) {
    await call({ port: n.port }, 'CLUSTER', 'MEET', '127.0.0.1', String(first.port), String(first.busPort));
  }
  // REPLICATE needs the replica to know its master: wait until everybody knows everybody.
  while (!(await allKnown(nodes))) {
    if (Date.now() > deadline) throw new TestingError('CLUSTER_TIMEOUT', 'cluster nodes did not meet in time');
    await sleep(50);
  }
  for (let r = masters; r < nodes.length; r++) {
    await call({ port: (nodes[r] as JoinNode).port }, 'CLUSTER', 'REPLICATE', ids[r % masters] as string);
  }
}

async function allKnown(nodes: JoinNode[]): Promise<boolean> {
  const views = await Promise.all(nodes.map((n) => clusterNodes(n.port)));
  return views.every(
    (v) => v.length === nodes.length && v.every((l) => !l.flags.includes('handshake') && !l.flags.includes('noaddr')),
  );
}
