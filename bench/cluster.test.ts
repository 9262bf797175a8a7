// Smoke test of `npm run bench -- --cluster --quick --json`: a sharded stream on a spawned server
// and a spawned 3-master cluster, publish and consume by 1, 2, 4 real worker processes. Nothing
// about speed is asserted; only that every figure exists and is a positive finite number, and
// that the balance covers every master. Separate from bench.test.ts: it takes ~15 s on its own.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ClusterSummary } from './src/cluster-run.js';
import { parseArgs } from './src/options.js';
import { ROWS } from './src/registry.js';

const run = fileURLToPath(new URL('./src/run.ts', import.meta.url));
const positive = (n: unknown, what: string) => {
  expect(typeof n, what).toBe('number');
  expect(Number.isFinite(n as number) && (n as number) > 0, `${what} = ${n}`).toBe(true);
};

describe('npm run bench -- --cluster --quick', () => {
  it('reports one server and the cluster side by side, their ratios, and each master’s share', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', run, '--cluster', '--quick', '--json'],
      {
        // The bench spawns its own server and cluster: a REDIS_URL here must not send it elsewhere.
        env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' },
        // ~15 s on an idle 2-core machine; the margin is for a CI box busy with the rest of the suite.
        timeout: 100_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as ClusterSummary;
    expect(Object.keys(summary.rows)).toEqual(['publish', 'consume1', 'consume2', 'consume4']);
    for (const [row, systems] of Object.entries(summary.rows)) {
      expect(Object.keys(systems).sort(), row).toEqual(['cluster', 'single']);
      for (const [system, f] of Object.entries(systems))
        for (const field of ['entriesPerSec', 'redisUsPerEntry', 'nodeUsPerEntry'] as const)
          positive(f[field], `${row}.${system}.${field}`);
    }
    // Every row against one server, and the 2- and 4-process rows against one process.
    const ratios = new Map(summary.ratios.map((r) => [`${r.of}/${r.to}`, r]));
    const expected = [
      ...['publish', 'consume1', 'consume2', 'consume4'].map((row) => `${row}.cluster/${row}.single`),
      ...['cluster', 'single'].flatMap((sys) => [2, 4].map((n) => `consume${n}.${sys}/consume1.${sys}`)),
    ];
    expect([...ratios.keys()].sort()).toEqual(expected.sort());
    for (const key of expected) {
      positive(ratios.get(key)?.median, `ratio ${key}`);
      positive(ratios.get(key)?.redis, `Redis ratio ${key}`);
    }
    // The balance: a share per master for every cluster row, each positive, adding up to 1.
    const c = summary.cluster;
    expect(c.masters).toHaveLength(3);
    expect(c.shards).toBe(12);
    expect(Object.keys(c.balance)).toEqual(['publish', 'consume1', 'consume2', 'consume4']);
    const sharesOk = (xs: number[] | undefined, what: string) => {
      expect(xs, what).toHaveLength(3);
      for (const [i, x] of (xs as number[]).entries()) positive(x, `${what}[${i}]`);
      expect(Math.abs((xs as number[]).reduce((a, b) => a + b, 0) - 1), what).toBeLessThan(0.01);
    };
    for (const [row, b] of Object.entries(c.balance)) sharesOk(b.redisCpu, `${row} Redis CPU shares`);
    sharesOk(c.balance.publish?.entries, 'publish entry shares');
    for (const row of ['consume1', 'consume2', 'consume4'])
      for (const sys of ['single', 'cluster']) positive(c.startMs[`${row}.${sys}`], `${row}.${sys} start ms`);
    expect(c.note).toMatch(/not speed-up/);
  }, 110_000);

  it('rejects flags that do not apply to --cluster, and --shards without it', () => {
    expect(() => parseArgs(['--cluster', '--only', 'produce'], ROWS)).toThrow(/--only does not apply to --cluster/);
    expect(() => parseArgs(['--cluster', '--redis-url', 'redis://x:1'], ROWS)).toThrow(/--redis-url/);
    expect(() => parseArgs(['--shards', '8'], ROWS)).toThrow(/--shards applies to --cluster only/);
    expect(() => parseArgs(['--cluster', '--shards', '1'], ROWS)).toThrow(/--shards must be an integer >= 2/);
    const opts = parseArgs(['--cluster', '--shards', '8', '--quick'], ROWS);
    expect([opts.cluster, opts.shards, opts.entries]).toEqual([true, 8, 1000]);
  });
});
