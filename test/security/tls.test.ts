// The pipeline over rediss:// against a TLS-only redis-server (certificates made by openssl
// in the harness): with node-redis clients of ours, and with the `tls` option (CA, client
// certificate and key) on Producer, Consumer, Results and replay(); then the CLI with
// --tls-ca/--tls-cert/--tls-key as an ACL user whose password never shows.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from '@sluice/core/plugin';
import { aclUser, startRedis, type TestRedis } from '@sluice/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from './pipeline.js';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const PASSWORD = 'tls-s3cret-pw';

let redis: TestRedis;
let dir: string;
beforeAll(async () => {
  redis = await startRedis({ tls: true });
  dir = mkdtempSync(join(tmpdir(), 'sluice-tls-'));
});
afterAll(async () => {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectFullRun(run: Awaited<ReturnType<typeof runPipeline>>): void {
  expect(run.errors).toEqual([]);
  expect(run.resultStatus).toBe('ok');
  expect(run.handled.size).toBe(31);
  expect(run.reclaimed).toBeGreaterThanOrEqual(1);
  expect(run.dead).toBe(3);
  expect(run.replayed).toBe(3);
  expect(run.processedOk).toBe(31);
  expect(run.pending).toBe(0);
}

/** The CLI as a user runs it; `files` writes the PEM files the --tls-* flags name. */
function sluice(argv: string[], env: Record<string, string> = {}) {
  const { REDIS_URL: _drop, ...rest } = process.env;
  return spawnSync(process.execPath, [CLI, ...argv], { encoding: 'utf8', env: { ...rest, ...env } });
}

function pemFiles(): { ca: string; cert: string; key: string } {
  const tls = redis.tls as NonNullable<TestRedis['tls']>;
  const out = { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') };
  writeFileSync(out.ca, tls.ca);
  writeFileSync(out.cert, tls.cert);
  writeFileSync(out.key, tls.key);
  return out;
}

describe('the pipeline over rediss://', () => {
  it('runs with TLS clients of ours', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const tls = redis.tls as NonNullable<TestRedis['tls']>;
    const client = async () => {
      const c = createClient({ url: redis.url, socket: { tls: true, ca: tls.ca, cert: tls.cert, key: tls.key } });
      c.on('error', () => {});
      await c.connect();
      return c as unknown as RedisClient;
    };
    expectFullRun(await runPipeline({ client }, redis.prefix, 'own'));
  });

  it('runs with the tls option (CA, client certificate, key) on every part, replay and Results included', async () => {
    const run = await runPipeline({ url: redis.url, tls: redis.tls }, redis.prefix, 'opt');
    expectFullRun(run);
  });

  it('is refused without the CA: no silent plaintext, no unverified certificate', async () => {
    const c = createClient({ url: redis.url, socket: { tls: true, reconnectStrategy: false } });
    c.on('error', () => {});
    await expect(c.connect()).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});

describe('the CLI over rediss:// as an ACL user', () => {
  it('reads and replays with --tls-ca/--tls-cert/--tls-key (or SLUICE_TLS_*), never printing the password', async () => {
    const prefix = `${redis.prefix}cli`;
    const rule = sluice(['acl', '--prefix', prefix])
      .stdout.split('\n')
      .find((l) => l.includes(`~${prefix}:`));
    expect(rule).toBeDefined();
    const url = await aclUser(redis.url, {
      user: 'tlsuser',
      password: PASSWORD,
      rule: (rule as string).replace(/^ACL SETUSER \S+ on >\S+ /, '').trim(),
      tls: redis.tls,
    });
    // Dead letters to look at and replay, written by the pipeline as that user.
    const run = await runPipeline({ url, tls: redis.tls }, prefix, 'jobs');
    expectFullRun(run);
    const f = pemFiles();
    const flags = ['--url', url, '--prefix', prefix, '--tls-ca', f.ca, '--tls-cert', f.cert, '--tls-key', f.key];

    const inspect = sluice([...flags, 'inspect', 'jobs', '--json']);
    expect(inspect.stderr).toBe('');
    expect(inspect.status).toBe(0);
    expect(JSON.stringify(JSON.parse(inspect.stdout))).toContain('"g"');

    // The same through the environment: replay a dead letter (written here as that user) over TLS.
    const c = createClient({ url, socket: { tls: true, ...redis.tls } });
    c.on('error', () => {});
    await c.connect();
    const dlq = `${prefix}:{jobs}:dlq`;
    await c.sendCommand(['XADD', dlq, '*', 'v', '1', 'data', '{"n":99,"kind":"ok"}', 'reason', 'non-retryable']);
    const env = { SLUICE_TLS_CA: f.ca, SLUICE_TLS_CERT: f.cert, SLUICE_TLS_KEY: f.key };
    const replay = sluice(['--url', url, '--prefix', prefix, 'dlq', 'replay', 'jobs'], env);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toBe('replayed 1 dead letter(s) of jobs, skipped 0\n');
    expect(await c.sendCommand(['XLEN', dlq])).toBe(0);
    await c.close();

    // Without the CA: one line, exit 1, the URL redacted.
    const refused = sluice(['--url', url, '--prefix', prefix, 'inspect', 'jobs']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^sluice: cannot reach Redis at rediss:\/\/tlsuser:\*\*\*@127\.0\.0\.1:\d+: .*certificate/i,
    );
    // TLS flags on a plaintext URL are a usage error.
    const plain = sluice([...flags.slice(2), '--url', 'redis://127.0.0.1:1', 'ls']);
    expect(plain.status).toBe(2);
    expect(plain.stderr).toMatch(/need a rediss:\/\/ URL/);

    for (const r of [inspect, replay, refused, plain]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});
