// `sluice bench` from a checkout: builds bench/ (as `npm run bench` does), then runs the built
// CLI, which finds bench/dist/run.js above it and passes its arguments through.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { sluice } from '../test-util/cli.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tsc = fileURLToPath(new URL('../../../../node_modules/typescript/bin/tsc', import.meta.url));

describe('sluice bench', () => {
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [tsc, '-b', 'bench'], { cwd: root, timeout: 120_000 });
  }, 130_000);

  it('passes --help through (exit 0) and a bad flag gives the bench usage error (exit 2)', async () => {
    const help = await sluice(['bench', '--', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringMatching(/--only a,b\s+rows: produce,consume/)]);
    const bad = await sluice(['bench', '--', '--only', 'nope']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--only: unknown row "nope"/)]);
  });

  it('runs a row on its own spawned redis-server and prints the JSON summary', async () => {
    const run = await sluice(['bench', '--', '--quick', '--only', 'produce', '--json'], {
      env: { REDIS_URL: 'redis://127.0.0.1:1' }, // ignored: the bench spawns its own server
    });
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop() as string);
    expect(Object.keys(summary.rows)).toEqual(['produce']);
    expect(summary.rows.produce.sluice.entriesPerSec).toBeGreaterThan(0);
  }, 120_000);
});
