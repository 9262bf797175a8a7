// The `--cluster` command: starts both deployments, runs the rows of cluster.ts (warm-up, then
// `--runs` runs alternating which deployment goes first), and prints the tables of render.ts,
// the per-master balance and the note on this machine; with --json the summary (plus a
// `cluster` section) as the last stdout line.
import { cpus, loadavg } from 'node:os';
import {
  asRowSpecs,
  CLUSTER_MASTERS,
  CLUSTER_PROCESSES,
  type ClusterRow,
  type ClusterSample,
  clusterRows,
  SCALING_NOTE,
  shares,
} from './cluster.js';
import { type Deployment, openCluster, openSingle } from './cluster-env.js';
import type { BenchOptions } from './options.js';
import { makePayloads } from './payload.js';
import { renderText } from './render.js';
import { median, runMeta, type Samples, type Summary, summarize } from './report.js';

export interface ClusterSection {
  masters: string[];
  shards: number;
  processes: number[];
  /** Per cluster row: each master's share of the Redis CPU (all runs), and for publish of the entries. */
  balance: Record<string, { redisCpu: number[]; entries?: number[] }>;
  /** Per consume row and system: the slowest process's start() in ms (median of runs), inside the timed part. */
  startMs: Record<string, number>;
  note: string;
}

export type ClusterSummary = Summary & { cluster: ClusterSection };

export interface ClusterRunHooks {
  progress(msg: string): void;
  /** Extra meta (the commit measured). */
  meta(): Partial<Summary['meta']>;
}

const pct = (xs: readonly number[]) => xs.map((x) => `${Math.round(x * 100)}%`).join(' / ');

export async function runCluster(opts: BenchOptions, hooks: ClusterRunHooks): Promise<ClusterSummary> {
  const started = performance.now();
  const loadBefore = loadavg()[0] as number;
  const single = await openSingle();
  let cluster: Deployment | undefined;
  try {
    cluster = await openCluster(CLUSTER_MASTERS);
    const redis =
      /redis_version:(\S+)/.exec(String(await single.nodes[0]?.sendCommand(['INFO', 'server'])))?.[1] ?? '?';
    hooks.progress(
      `redis ${redis}: one server and a ${CLUSTER_MASTERS}-master cluster (${cluster.names.join(', ')}) · ` +
        `${opts.shards} shards · ${opts.entries} entries × ${opts.runs} runs · node ${process.version} · ${cpus().length} cpus`,
    );
    const rows = clusterRows(single, cluster, opts);
    const payloads = makePayloads(opts.entries, opts.payloadBytes);
    const samples: Samples = {};
    const cpuSums: Record<string, number[]> = {};
    const entries: Record<string, number[]> = {};
    const starts: Record<string, number[]> = {};
    const record = (row: ClusterRow, system: string, r: ClusterSample) => {
      const key = `${row.name}.${system}`;
      samples[key] = [...(samples[key] ?? []), r.sample];
      cpuSums[key] = r.cpuByMaster.map((us, i) => us + (cpuSums[key]?.[i] ?? 0));
      if (r.entriesByMaster) entries[key] = r.entriesByMaster;
      if (r.startMs !== undefined) starts[key] = [...(starts[key] ?? []), r.startMs];
      const s = r.sample;
      hooks.progress(
        `${key}: ${Math.round((s.entries * 1000) / s.ms).toLocaleString('en-US')} entries/s · ` +
          `Redis ${(s.redisUs / s.entries).toFixed(2)} µs · Node ${(s.nodeUs / s.entries).toFixed(2)} µs per entry` +
          (system === 'cluster' ? ` · Redis CPU per master ${pct(shares(r.cpuByMaster))}` : ''),
      );
    };
    // Warm-up, not recorded: the JIT, the scripts and the connections of both deployments
    // (consumer processes start fresh each time; the quick profile skips warming them).
    const warm = payloads.slice(0, Math.min(payloads.length, opts.quick ? 300 : 5000));
    for (const row of rows)
      if (row.name === 'publish' || (!opts.quick && row.name === 'consume1'))
        for (const v of row.variants) await v.run(warm);
    for (let run = 1; run <= opts.runs; run++) {
      hooks.progress(`run ${run}/${opts.runs}`);
      for (const row of rows) {
        const order = run % 2 === 1 ? row.variants : [...row.variants].reverse();
        for (const v of order) record(row, v.system, await v.run(payloads));
      }
    }
    const summary = summarize(asRowSpecs(rows), samples, runMeta(opts, redis, loadBefore, hooks.meta()));
    const balance: ClusterSection['balance'] = {};
    for (const row of rows) {
      const key = `${row.name}.cluster`;
      const cpu = cpuSums[key];
      if (!cpu) continue;
      balance[row.name] = { redisCpu: shares(cpu), ...(entries[key] ? { entries: shares(entries[key]) } : {}) };
    }
    hooks.progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return {
      ...summary,
      cluster: {
        masters: cluster.names,
        shards: opts.shards,
        processes: [...CLUSTER_PROCESSES],
        balance,
        startMs: Object.fromEntries(Object.entries(starts).map(([k, v]) => [k, Math.round(median(v))])),
        note: SCALING_NOTE,
      },
    };
  } finally {
    await cluster?.close();
    await single.close();
  }
}

/** The tables of render.ts, then the cluster's balance per master and the note. */
export function renderCluster(s: ClusterSummary, opts: { commands?: boolean } = {}): string {
  const c = s.cluster;
  const lines = [`cluster: ${c.masters.length} masters (${c.masters.join(', ')}), ${c.shards} shards`];
  for (const [row, b] of Object.entries(c.balance)) {
    const parts = [`Redis CPU ${pct(b.redisCpu)}`];
    if (b.entries) parts.unshift(`entries ${pct(b.entries)}`);
    lines.push(`  per master, ${row}: ${parts.join(' · ')}`);
  }
  const perEntry = Object.entries(s.rows)
    .map(
      ([row, sys]) =>
        `${row} ${sys.cluster?.redisUsPerEntry.toFixed(2)} (one server ${sys.single?.redisUsPerEntry.toFixed(2)})`,
    )
    .join(', ');
  lines.push(`  Redis µs per entry summed over the masters: ${perEntry}`);
  const starts = Object.entries(c.startMs).map(([k, ms]) => `${k} ${ms}`);
  lines.push(`  consumer start() of the slowest process, ms (inside the timed drain): ${starts.join(', ')}`);
  lines.push(`note: ${c.note}`);
  return `${renderText(s, opts)}\n\n${lines.join('\n')}`;
}
