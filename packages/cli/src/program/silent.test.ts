// No command waits forever on a Redis that stops answering (SIGSTOP: the socket stays open,
// nothing comes back; CLIENT PAUSE WRITE: reads answer, writes hang). `--timeout-ms` bounds
// the connect and every command after it. In process: the bound is on the command, not on how
// long a loaded machine takes to start node.
import { startRedis, type TestRedis } from '@sluice/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import { DOWN } from '../test-util/commands.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis({ fresh: true });
});
afterAll(async () => {
  if (redis?.pid) process.kill(redis.pid, 'SIGCONT');
  await redis?.stop();
});

/** Run the CLI in this process; resolves with its exit code and what it wrote to stderr. */
async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await main([...argv, '--url', redis.url, '--prefix', redis.prefix, '--timeout-ms', '400']);
    return { code, stderr: written.join('') };
  } finally {
    spy.mockRestore();
    out.mockRestore();
  }
}

describe('sluice on a Redis that stops answering', () => {
  it('every command gives up on the connect with exit 1 and one line', async () => {
    process.kill(redis.pid as number, 'SIGSTOP');
    try {
      for (const argv of DOWN) {
        const r = await run(argv);
        expect(r.code, argv.join(' ')).toBe(1);
        expect(r.stderr).toMatch(
          /^sluice: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: no answer within 0\.4 s\n$/,
        );
      }
    } finally {
      process.kill(redis.pid as number, 'SIGCONT');
    }
  });

  it('a write command connected to a Redis that stops taking writes fails on its command', async () => {
    const admin = createClient({ url: redis.url });
    admin.on('error', () => {});
    await admin.connect();
    const dlq = `${redis.prefix}:{orders}:dlq`;
    await admin.sendCommand(['XADD', dlq, '*', 'v', '1', 'data', '1', 'reason', 'non-retryable', 'err', 'x']);
    await admin.sendCommand(['XGROUP', 'CREATE', `${redis.prefix}:{orders}`, 'g', '$', 'MKSTREAM']);
    await admin.sendCommand(['CLIENT', 'PAUSE', '20000', 'WRITE']);
    try {
      for (const [argv, command] of [
        [['publish', 'orders', '{"n":1}'], 'EVALSHA|XADD'],
        [['dlq', 'replay', 'orders'], 'EVALSHA'],
        [['dlq', 'purge', 'orders', '--yes'], 'XTRIM|XDEL|EVALSHA'],
        [['rewind', 'orders', 'g', '--to', '0', '--execute'], 'EVALSHA|XGROUP'],
      ] as const) {
        const r = await run([...argv]);
        expect(r.code, argv.join(' ')).toBe(1);
        // The last line (replay draws a progress bar before it).
        expect(r.stderr.trim().split('\n').at(-1)).toMatch(
          new RegExp(
            `^sluice: Redis at redis://127\\.0\\.0\\.1:\\d+/?: (${command}) got no reply from Redis within 400 ms`,
          ),
        );
      }
    } finally {
      await admin.sendCommand(['CLIENT', 'UNPAUSE']);
    }
    await admin.close();
    // Redis answers again: so does sluice.
    expect((await run(['inspect', 'orders'])).code).toBe(0);
  });

  it('tail ends with exit 1 when Redis stops answering while it follows a stream', async () => {
    const written: string[] = [];
    const following = new Promise<void>((resolve) => {
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        written.push(String(chunk));
        if (String(chunk).includes('following')) resolve();
        return true;
      });
    });
    const done = main(['tail', 'orders', '--url', redis.url, '--prefix', redis.prefix, '--timeout-ms', '400']);
    await following;
    process.kill(redis.pid as number, 'SIGSTOP');
    try {
      expect(await done).toBe(1);
    } finally {
      process.kill(redis.pid as number, 'SIGCONT');
      vi.restoreAllMocks();
    }
    expect(written.at(-1)).toMatch(
      /^sluice: Redis at redis:\/\/127\.0\.0\.1:\d+\/?: XREAD got no reply from Redis within 1400 ms/,
    );
  });
});
