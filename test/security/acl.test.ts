// A Redis user restricted to one key prefix runs the whole pipeline (publish, consume,
// retry, reclaim, results, metrics, replay, `sluice inspect`) and is refused everywhere else.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Producer } from '@sluice/core';
import { openConnection } from '@sluice/core/plugin';
import { aclUser, startRedis, type TestRedis } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from './pipeline.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const ACL_SOURCE = fileURLToPath(new URL('../../packages/cli/src/commands/acl.ts', import.meta.url));
const PREFIX = 'tenant';

/** The rule `sluice acl --prefix` prints, when the CLI has the command; else the one written here. */
function ruleFor(prefix: string): { rule: string; from: string } {
  const run = spawnSync(process.execPath, [CLI, 'acl', '--prefix', prefix], { encoding: 'utf8' });
  const printed = run.status === 0 ? run.stdout.split('\n').find((l) => l.includes(`~${prefix}:`)) : undefined;
  if (printed) return { rule: printed.replace(/^ACL SETUSER \S+ on >\S+ /, '').trim(), from: 'sluice acl' };
  // Once the command exists, its rule is the one under test: never fall back silently.
  if (existsSync(ACL_SOURCE)) throw new Error(`sluice acl --prefix ${prefix} failed: ${run.status} ${run.stderr}`);
  const rule = `resetchannels ~${prefix}:* -@all +@stream +@sortedset +@hash +@list +@string +@keyspace +@scripting +@connection -@dangerous +time +info +client|id +client|unblock +client|setname`;
  return { rule, from: 'hand-written (sluice acl not built)' };
}

let redis: TestRedis;
let url: string;
beforeAll(async () => {
  redis = await startRedis({ fresh: true });
  const { rule, from } = ruleFor(PREFIX);
  console.log(`[acl] rule (${from}): ${rule}`);
  url = await aclUser(redis.url, { user: 'worker', password: 's3cret-pw', rule });
});
afterAll(() => redis?.stop());

describe('a user restricted to one prefix', () => {
  it('runs the whole pipeline under its prefix', async () => {
    const run = await runPipeline({ url }, PREFIX);
    expect(run.errors).toEqual([]);
    expect(run.resultStatus).toBe('ok');
    expect(run.handled.size).toBe(31);
    expect(run.handled.get(0)).toBe(1);
    expect(run.reclaimed).toBeGreaterThanOrEqual(1);
    expect(run.dead).toBe(3);
    expect(run.replayed).toBe(3);
    expect(run.processedOk).toBe(31);
    expect(run.pending).toBe(0);

    const inspect = spawnSync(process.execPath, [CLI, '--url', url, '--prefix', PREFIX, 'inspect', 'jobs', '--json'], {
      encoding: 'utf8',
    });
    expect(inspect.stderr).toBe('');
    expect(inspect.status).toBe(0);
    expect(JSON.stringify(JSON.parse(inspect.stdout))).toContain('"g"');
    expect(inspect.stdout).not.toContain('s3cret-pw');
  });

  it('is denied on keys outside its prefix and on dangerous commands', async () => {
    const outsider = new Producer({ url, prefix: 'other', log: { error() {}, warn() {}, info() {}, debug() {} } });
    await expect(outsider.publish('jobs', { n: 1 })).rejects.toThrow(/NOPERM/);
    await outsider.close();
    const raw = (await openConnection({ url }, () => {})).client;
    try {
      await expect(raw.sendCommand(['XADD', 'other:{jobs}', '*', 'v', '1'])).rejects.toThrow(/NOPERM/);
      await expect(raw.sendCommand(['GET', `${PREFIX}x:key`])).rejects.toThrow(/NOPERM/);
      await expect(raw.sendCommand(['FLUSHALL'])).rejects.toThrow(/NOPERM/);
      await expect(raw.sendCommand(['KEYS', '*'])).rejects.toThrow(/NOPERM/);
      await expect(raw.sendCommand(['CONFIG', 'GET', 'dir'])).rejects.toThrow(/NOPERM/);
    } finally {
      await raw.close();
    }
  });
});
