import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useRedis } from '@sluice/testing/vitest';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./roundtrip.cjs', import.meta.url));

describe('CommonJS apps', () => {
  const redis = useRedis('cjs');

  it('require() every package and run a publish → consume → result round trip', async () => {
    const { stdout } = await run(process.execPath, [script], {
      env: { ...process.env, REDIS_URL: redis.url, PREFIX: redis.prefix },
      timeout: 30_000,
    });
    const out = JSON.parse(stdout.trim().split('\n').pop() as string);
    expect(out.loaded).toEqual({ core: true, plugin: true, claim: true, results: true, testing: true, cli: true });
    expect(out.got).toEqual([1, 2, 3]);
    expect(out.result).toEqual({ doubled: 6 });
  });
});
