// Smoke test of `npm run bench -- --quick --json`: it runs every default row end to end on its
// own spawned Redis and prints the summary. Nothing about speed is asserted (shared CI machines
// make absolute numbers noise); only that every figure exists and is a positive finite number.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROWS } from './src/registry.js';
import type { Summary } from './src/report.js';

const run = fileURLToPath(new URL('./src/run.ts', import.meta.url));
const positive = (n: unknown, what: string) => {
  expect(typeof n, what).toBe('number');
  expect(Number.isFinite(n as number) && (n as number) > 0, `${what} = ${n}`).toBe(true);
};

describe('npm run bench -- --quick', () => {
  it('reports entries/s, Redis and Node µs per entry for every row and system, and the ratios', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', run, '--quick', '--json'], {
      // The bench spawns its own redis-server: a REDIS_URL here must not send it elsewhere.
      env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' },
      // ~12 s on an idle 2-core machine; the margin is for a CI box busy with the rest of the suite.
      timeout: 100_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as Summary;
    // Every default row of the registry ran, with every one of its systems.
    const rows = ROWS.filter((r) => r.byDefault !== false);
    expect(Object.keys(summary.rows)).toEqual(rows.map((r) => r.name));
    for (const name of ['produce', 'consume', 'result', 'plugins', 'latency', 'light'])
      expect(Object.keys(summary.rows)).toContain(name);
    for (const r of rows) expect(Object.keys(summary.rows[r.name]!), r.name).toEqual(r.variants.map((v) => v.system));
    for (const [row, systems] of Object.entries(summary.rows)) {
      for (const [system, f] of Object.entries(systems)) {
        for (const field of ['entriesPerSec', 'redisUsPerEntry', 'nodeUsPerEntry'] as const)
          positive(f[field], `${row}.${system}.${field}`);
        if (row === 'latency' || row === 'light') positive(f.latency?.settled.p99, `${row}.${system} p99`);
      }
    }
    // The throughput rows' Redis time shows up by command (the bench's own server saw it all).
    expect(summary.rows.consume!.sluice!.commands.xreadgroup?.callsPerEntry).toBeGreaterThan(0);
    const ratios = new Map(summary.ratios.map((r) => [`${r.of}/${r.to}`, r]));
    for (const key of ['result.sluice/result.ceiling', 'plugins.sluice/plugins.bare', 'latency.sluice/latency.raw']) {
      positive(ratios.get(key)?.median, `ratio ${key}`);
      positive(ratios.get(key)?.redis, `Redis ratio ${key}`);
    }
    expect(ratios.get('latency.sluice/latency.raw')?.metric).toBe('p99');
  }, 110_000);
});
