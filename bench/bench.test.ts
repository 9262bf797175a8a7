// Smoke test of `npm run bench -- --quick --json`: it runs end to end and prints the summary.
// Nothing about speed is asserted; shared CI machines make absolute numbers noise.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useRedis } from '@sluice/testing/vitest';
import { describe, expect, it } from 'vitest';

const run = fileURLToPath(new URL('./src/run.ts', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('runs every row and prints the JSON summary as the last stdout line', async () => {
    const { url } = useRedis('bench');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', run, '--quick', '--json'], {
      env: { ...process.env, REDIS_URL: url },
      timeout: 55_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const last = stdout.trim().split('\n').pop() as string;
    const summary = JSON.parse(last) as Record<string, Record<string, number> | number>;
    expect(Object.keys(summary)).toEqual(['produce', 'consume', 'consumeResult', 'latencyMs', 'entries']);
    expect(Object.keys(summary.produce as object)).toEqual(['sluice', 'sluiceMany', 'bullmq', 'ceiling']);
    expect(Object.keys(summary.consume as object)).toEqual(['sluice', 'bullmq', 'ceiling']);
    expect(Object.keys(summary.consumeResult as object)).toEqual(['sluice', 'ceiling']);
    expect(Object.keys(summary.latencyMs as object)).toEqual(['p50', 'p99', 'max']);
    for (const [row, value] of Object.entries(summary)) {
      const values = typeof value === 'number' ? { [row]: value } : value;
      for (const [name, n] of Object.entries(values)) expect(n, `${row}.${name}`).toBeGreaterThan(0);
    }
  }, 60_000);
});
