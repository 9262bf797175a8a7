// `npm run bench`: Sluice, BullMQ and a raw node-redis ceiling side by side on one Redis, in
// one run, with the same entries and payload; every row from registry.ts. Progress goes to
// stderr; the tables (and with --json the summary as the last line) to stdout.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCluster, runCluster } from './cluster-run.js';
import { writeDocs } from './docs.js';
import { openEnv } from './env.js';
import { type BenchOptions, parseArgs } from './options.js';
import { makePayloads } from './payload.js';
import { ROWS } from './registry.js';
import { renderText } from './render.js';
import { runMeta, type Samples, summarize } from './report.js';
import type { RowContext, RowSpec, Variant } from './row.js';
import type { Sample } from './sample.js';

function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function describe(key: string, s: Sample): string {
  const perEntry = `Redis ${(s.redisUs / s.entries).toFixed(2)} µs · Node ${(s.nodeUs / s.entries).toFixed(2)} µs per entry`;
  if (s.latency) {
    const p = s.latency.settled;
    return `${key}: publish→settled p50 ${p.p50} p99 ${p.p99} max ${p.max} ms · ${perEntry}`;
  }
  return `${key}: ${Math.round((s.entries * 1000) / s.ms).toLocaleString('en-US')} entries/s · ${perEntry}`;
}

/** The commit measured (BENCH_COMMIT names it for a tree without .git); none outside git. */
function codeVersion(): { commit?: string } {
  if (process.env.BENCH_COMMIT) return { commit: process.env.BENCH_COMMIT };
  try {
    const git = (args: string[]) =>
      execFileSync('git', args, { cwd: dirname(fileURLToPath(import.meta.url)), encoding: 'utf8' });
    const changed = git(['status', '--porcelain', '--', '../../packages', '../../bench']).trim().length > 0;
    return { commit: `${git(['rev-parse', '--short', 'HEAD']).trim()}${changed ? '+changes' : ''}` };
  } catch {
    return {};
  }
}

/** The row's variants in an order that rotates from run to run, so none always goes first. */
function rotated(row: RowSpec, run: number): Variant[] {
  const k = (run - 1) % row.variants.length;
  return [...row.variants.slice(k), ...row.variants.slice(0, k)];
}

async function main(opts: BenchOptions): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg()[0] as number;
  if (process.env.REDIS_URL && !opts.redisUrl) progress('REDIS_URL is not used; --redis-url benches a server of yours');
  const env = await openEnv(opts.redisUrl);
  const redis = /redis_version:(\S+)/.exec(String(await env.admin.sendCommand(['INFO', 'server'])))?.[1] ?? '?';
  const rows = ROWS.filter((r) => opts.only.includes(r.name));
  progress(
    `redis ${redis} (${env.spawned ? 'spawned' : opts.redisUrl}) · node ${process.version} · ${cpus().length} cpus · ` +
      `${opts.entries} entries × ${opts.runs} runs · payload ≈${opts.payloadBytes} B · rows ${opts.only.join(',')}`,
  );
  const payloads = makePayloads(opts.entries, opts.payloadBytes);
  const samples: Samples = {};
  const measure = async (row: RowSpec, v: Variant, ctx: RowContext) => {
    const key = `${row.name}.${v.system}`;
    const s = await v.run(ctx);
    samples[key] = [...(samples[key] ?? []), s];
    progress(describe(key, s));
  };
  try {
    // Warm-up, not recorded: every variant once on a small backlog, so the JIT has seen all
    // code paths (Sluice has more of them than the ceiling) before anything is timed.
    const warm: RowContext = {
      env,
      opts,
      data: payloads.slice(0, Math.min(payloads.length, opts.quick ? 300 : 20_000)),
    };
    for (const row of rows) if (row.warm !== false) for (const v of row.variants) await v.run(warm);
    const ctx: RowContext = { env, opts, data: payloads };
    for (let run = 1; run <= opts.runs; run++) {
      progress(`run ${run}/${opts.runs}`);
      for (const row of rows) if (!row.once) for (const v of rotated(row, run)) await measure(row, v, ctx);
    }
    for (const row of rows) if (row.once) for (const v of row.variants) await measure(row, v, ctx);
  } finally {
    await env.close();
  }

  const summary = summarize(rows, samples, runMeta(opts, redis, loadBefore, codeVersion()));
  console.log(renderText(summary, { commands: opts.commands }));
  if (opts.writeDocs) {
    writeDocs(summary);
    progress('wrote docs/performance.md');
  }
  progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (opts.json) console.log(JSON.stringify(summary));
}

/** `--cluster`: one server vs a local cluster (cluster-run.ts) instead of the rows. */
async function cluster(opts: BenchOptions): Promise<void> {
  const summary = await runCluster(opts, { progress, meta: codeVersion });
  console.log(renderCluster(summary, { commands: opts.commands }));
  if (opts.json) console.log(JSON.stringify(summary));
}

let opts: BenchOptions;
try {
  opts = parseArgs(process.argv.slice(2), ROWS);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
(opts.cluster ? cluster(opts) : main(opts)).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
