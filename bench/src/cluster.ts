// `npm run bench -- --cluster`: one sharded logical stream on a spawned single redis-server and
// on a spawned local 3-master Redis Cluster, in the same run: publish (this process, timed),
// then consume + ack + result by 1, 2 and 4 consumer processes (cluster-worker.ts) draining a
// backlog published untimed. Reported as ratios to the single-server rows, with each master's
// share of the entries and of the Redis CPU, and Redis µs per entry summed over the masters.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Producer, shardNames } from '@sluice/core';
import { streamKeys } from '@sluice/core/plugin';
import { RESULTS_PLUGIN_DEFAULTS } from '@sluice/results';
import { randomPrefix } from '@sluice/testing';
import { startClock } from './clock.js';
import { cpuByNode, type Deployment, keysByNode } from './cluster-env.js';
import type { BenchOptions } from './options.js';
import type { BenchPayload } from './payload.js';
import type { Ratio, RowSpec } from './row.js';
import type { Sample } from './sample.js';

const STREAM = 'bench';
export const CLUSTER_MASTERS = 3;
export const CLUSTER_PROCESSES = [1, 2, 4] as const;
/** A consume row fails when no entry settles for this long. */
const STALL_MS = 30_000;
/** Distinct keys of the published entries (routed to shards by their hash). */
const KEYS = 1000;

/** A measured variant, and what each master did in it. */
export interface ClusterSample {
  sample: Sample;
  /** Redis CPU µs of each master in the timed part. */
  cpuByMaster: number[];
  /** Entries each master holds (the publish rows only). */
  entriesByMaster?: number[];
  /** The slowest consumer process's start() (connections, groups, first reads), ms: part of the timed drain. */
  startMs?: number;
}

export interface ClusterVariant {
  system: Deployment['kind'];
  label: string;
  run(data: readonly BenchPayload[]): Promise<ClusterSample>;
}

export interface ClusterRow {
  name: string;
  title: string;
  variants: ClusterVariant[];
  ratios: Ratio[];
}

/** The rows of one `--cluster` run over both deployments. */
export function clusterRows(single: Deployment, cluster: Deployment, opts: BenchOptions): ClusterRow[] {
  const both = (
    label: (d: Deployment) => string,
    run: (d: Deployment, data: readonly BenchPayload[]) => Promise<ClusterSample>,
  ) =>
    [single, cluster].map((d) => ({
      system: d.kind,
      label: label(d),
      run: (data: readonly BenchPayload[]) => run(d, data),
    }));
  const where = (d: Deployment) => (d.kind === 'single' ? 'one server' : `${CLUSTER_MASTERS} masters`);
  return [
    {
      name: 'publish',
      title: `publish, ${opts.shards} shards`,
      variants: both(
        (d) => `Producer shards ${opts.shards}, publish() windows of ${opts.window}, ${where(d)}`,
        (d, data) => publishRow(d, data, opts),
      ),
      ratios: [{ label: 'publish: cluster / one server', of: 'cluster', to: 'single' }],
    },
    ...CLUSTER_PROCESSES.map((procs) => ({
      name: `consume${procs}`,
      title: `consume + ack + result, ${procs} process${procs > 1 ? 'es' : ''}`,
      variants: both(
        (d) => `${procs} × ShardedConsumer (${opts.shards} shards, results()), ${where(d)}`,
        (d, data) => consumeRow(d, data, opts, procs),
      ),
      ratios: [
        { label: `consume ×${procs}: cluster / one server`, of: 'cluster', to: 'single' },
        ...(procs > 1
          ? (['cluster', 'single'] as const).map((sys) => ({
              label: `${sys === 'cluster' ? 'cluster' : 'one server'}: ${procs} / 1 processes`,
              of: sys,
              to: `consume1.${sys}`,
            }))
          : []),
      ],
    })),
  ];
}

/** The rows in the shape report.ts summarizes (it reads names, systems, labels and ratios only). */
export function asRowSpecs(rows: readonly ClusterRow[]): RowSpec[] {
  return rows.map((r) => ({
    name: r.name,
    title: r.title,
    ratios: r.ratios,
    variants: r.variants.map((v) => ({
      system: v.system,
      label: v.label,
      run: () => Promise.reject(new Error('cluster rows are run by cluster.ts')),
    })),
  }));
}

async function publishAll(producer: Producer, data: readonly BenchPayload[], window: number): Promise<void> {
  for (let start = 0; start < data.length; start += window) {
    const calls: Promise<string>[] = [];
    for (let i = start; i < Math.min(data.length, start + window); i++) {
      const p = data[i] as BenchPayload;
      calls.push(producer.publish(STREAM, p, { key: `k${p.n % KEYS}` }));
    }
    await Promise.all(calls);
  }
}

/** The logical stream's shard streams: key → shard name. */
const taskKeys = (prefix: string, shards: number) =>
  new Map(shardNames(STREAM, shards).map((s) => [streamKeys(s, prefix).stream, s]));

/** Entries each master holds in the logical stream's shards; throws unless they add up to `count`. */
async function entriesByMaster(d: Deployment, prefix: string, shards: number, count: number): Promise<number[]> {
  const byNode = await keysByNode(d, `${prefix}*`, taskKeys(prefix, shards));
  const counts = await Promise.all(
    byNode.map(async (keys, i) => {
      let n = 0;
      for (const k of keys) n += Number(await (d.nodes[i] as Deployment['nodes'][number]).sendCommand(['XLEN', k]));
      return n;
    }),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== count) throw new Error(`${d.kind} publish: shards hold ${total} entries, expected ${count}`);
  return counts;
}

async function timed<T>(
  d: Deployment,
  work: () => Promise<T>,
  entries: number,
): Promise<{ sample: Sample; cpuByMaster: number[]; value: T }> {
  const before = await cpuByNode(d);
  const clock = await startClock(d.nodes);
  const value = await work();
  const sample = await clock.stop(entries);
  const after = await cpuByNode(d);
  return { sample, value, cpuByMaster: after.map((a, i) => a - (before[i] as number)) };
}

async function publishRow(d: Deployment, data: readonly BenchPayload[], opts: BenchOptions): Promise<ClusterSample> {
  const prefix = randomPrefix(`bench-${d.kind}-pub`);
  const producer = new Producer({ url: d.url, prefix, shards: { [STREAM]: opts.shards } });
  await producer.connect();
  const { sample, cpuByMaster } = await timed(d, () => publishAll(producer, data, opts.window), data.length);
  await producer.close();
  const entries = await entriesByMaster(d, prefix, opts.shards, data.length);
  await d.cleanup();
  return { sample, cpuByMaster, entriesByMaster: entries };
}

interface WorkerReport {
  settled: number;
  cpuUs: number;
  startMs: number;
}

interface Worker {
  settled: number;
  ready: Promise<void>;
  /** The worker's last line: its settled count and CPU from `go` to `stop`. */
  final: Promise<WorkerReport>;
  send(line: string): void;
}

function startWorker(d: Deployment, prefix: string, shards: number, name: string, onProgress: () => void): Worker {
  // Compiled (dist/*.js) or run from source under tsx (src/*.ts), as memory.ts does.
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(fromSource ? './cluster-worker.ts' : './cluster-worker.js', import.meta.url));
  const args = [...(fromSource ? ['--import', 'tsx'] : []), script, d.url, prefix, STREAM, String(shards), name];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  // A `stop` written to a worker that already died must not crash the bench (EPIPE).
  child.stdin.on('error', () => {});
  let readyResolve: () => void = () => {};
  let finalResolve: (v: WorkerReport) => void = () => {};
  let fail: (err: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    fail = reject;
  });
  const final = new Promise<WorkerReport>((resolve, reject) => {
    finalResolve = resolve;
    const prev = fail;
    fail = (err) => {
      prev(err);
      reject(err);
    };
  });
  // Either may be awaited later (or never, after a failure elsewhere): no unhandled rejection.
  ready.catch(() => {});
  final.catch(() => {});
  const worker: Worker = {
    settled: 0,
    ready,
    final,
    send: (line) => child.stdin.write(`${line}\n`),
  };
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === 'ready') readyResolve();
      else if (line.startsWith('{')) finalResolve(JSON.parse(line) as WorkerReport);
      else if (/^\d+$/.test(line)) {
        worker.settled = Number(line);
        onProgress();
      }
      nl = buffer.indexOf('\n');
    }
  });
  child.on('error', (err) => fail(err));
  child.on('exit', (code, signal) => fail(new Error(`cluster worker ${name} exited (${signal ?? code})`)));
  return worker;
}

async function consumeRow(
  d: Deployment,
  data: readonly BenchPayload[],
  opts: BenchOptions,
  procs: number,
): Promise<ClusterSample> {
  const prefix = randomPrefix(`bench-${d.kind}-con${procs}`);
  const producer = new Producer({ url: d.url, prefix, shards: { [STREAM]: opts.shards } });
  await publishAll(producer, data, opts.window);
  await producer.close();

  let progress: () => void = () => {};
  const workers = Array.from({ length: procs }, (_, i) =>
    startWorker(d, prefix, opts.shards, `w${i}`, () => progress()),
  );
  const stopAll = () => {
    for (const w of workers) w.send('stop');
  };
  try {
    await Promise.all(workers.map((w) => w.ready));
    const { sample, cpuByMaster } = await timed(
      d,
      () =>
        new Promise<void>((resolve, reject) => {
          let last = 0;
          let lastAt = performance.now();
          // No settle for STALL_MS: fail the row (a stuck consumer) instead of hanging the bench.
          const stall = setInterval(() => {
            if (performance.now() - lastAt > STALL_MS) {
              clearInterval(stall);
              reject(new Error(`${d.kind} consume ×${procs}: no settle for ${STALL_MS} ms at ${last}/${data.length}`));
            }
          }, 1000);
          progress = () => {
            last = workers.reduce((n, w) => n + w.settled, 0);
            lastAt = performance.now();
            if (last >= data.length) {
              clearInterval(stall);
              resolve();
            }
          };
          // A worker that dies mid-drain fails the row instead of hanging it.
          for (const w of workers)
            w.final.catch((err: Error) => {
              clearInterval(stall);
              reject(err);
            });
          for (const w of workers) w.send('go');
        }),
      data.length,
    );
    stopAll();
    const finals = await Promise.all(workers.map((w) => w.final));
    const settled = finals.reduce((n, f) => n + f.settled, 0);
    if (settled !== data.length)
      throw new Error(`${d.kind} consume ×${procs}: ${settled} settled, expected ${data.length}`);
    await expectDrained(d, prefix, opts.shards, data.length, `${d.kind} consume ×${procs}`);
    await d.cleanup();
    // The consumer processes' CPU, not this one's (it only counted their progress lines).
    return {
      sample: { ...sample, nodeUs: finals.reduce((n, f) => n + f.cpuUs, 0) },
      cpuByMaster,
      startMs: Math.max(...finals.map((f) => f.startMs)),
    };
  } catch (err) {
    stopAll();
    throw err;
  }
}

/** Every shard read to its end, nothing pending, and result entries written (capped per shard). */
async function expectDrained(
  d: Deployment,
  prefix: string,
  shards: number,
  count: number,
  what: string,
): Promise<void> {
  const keys = taskKeys(prefix, shards);
  const byNode = await keysByNode(d, `${prefix}*`, keys);
  let read = 0;
  let pending = 0;
  let results = 0;
  for (const [i, nodeKeys] of byNode.entries()) {
    const node = d.nodes[i] as Deployment['nodes'][number];
    for (const key of nodeKeys) {
      const [p] = (await node.sendCommand(['XPENDING', key, 'g'])) as [number];
      pending += Number(p);
      const info = ((await node.sendCommand(['XINFO', 'GROUPS', key])) as unknown[][])[0] as unknown[];
      read += Number(info[info.indexOf('entries-read') + 1]);
      results += Number(await node.sendCommand(['XLEN', streamKeys(keys.get(key) as string, prefix).results]));
    }
  }
  if (pending !== 0 || read !== count) throw new Error(`${what}: ${pending} still pending, ${read}/${count} read`);
  const least = Math.min(count, RESULTS_PLUGIN_DEFAULTS.resultsMaxLen);
  if (results < least || results > count)
    throw new Error(`${what}: result streams hold ${results} entries, expected ${least}..${count}`);
}

/** Each value's share of their sum, rounded to 0.001. */
export function shares(values: readonly number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  return values.map((v) => (total > 0 ? Math.round((v / total) * 1000) / 1000 : 0));
}

export const SCALING_NOTE =
  `all ${CLUSTER_MASTERS} masters, the bench and the consumer processes share this machine's ${cpus().length} cores: ` +
  'a local cluster shows balance and per-entry Redis cost, not speed-up; absolute scaling needs masters on ' +
  'hosts of their own (docs/scaling.md, "Throughput model").';
