// replay() never waits forever: a Redis that stops answering (SIGSTOP: the socket stays open,
// nothing comes back) ends the run with a TimeoutError, on connect and on every command.
import { TimeoutError } from '@sluice/core';
import { openConnection, type RedisClient, streamKeys } from '@sluice/core/plugin';
import { startRedis, type TestRedis } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLAY_DEFAULTS, replay } from './replay.js';

let redis: TestRedis;
let client: RedisClient;
beforeAll(async () => {
  redis = await startRedis({ fresh: true });
  client = (await openConnection({ url: redis.url }, () => {})).client;
});
afterAll(async () => {
  if (redis?.pid) process.kill(redis.pid, 'SIGCONT');
  client?.destroy();
  await redis?.stop();
});

async function bury(stream: string, n: number): Promise<void> {
  const k = streamKeys(stream, redis.prefix);
  for (let i = 0; i < n; i++)
    await client.sendCommand(['XADD', k.dlq, '*', 'v', '1', 'data', String(i), 'reason', 'non-retryable', 'err', 'x']);
}

/** Run `fn` while redis-server is stopped (SIGSTOP), then let it go on. */
async function whileFrozen<T>(fn: () => Promise<T>): Promise<T> {
  process.kill(redis.pid as number, 'SIGSTOP');
  try {
    return await fn();
  } finally {
    process.kill(redis.pid as number, 'SIGCONT');
  }
}

describe('replay is bounded', () => {
  it('takes { url } and closes the connection it made', async () => {
    await bury('a', 3);
    const before = String(await client.sendCommand(['CLIENT', 'LIST']))
      .trim()
      .split('\n').length;
    const r = await replay({ url: redis.url }, 'a', { prefix: redis.prefix });
    expect(r).toEqual({ replayed: 3, skipped: 0 });
    expect(await client.sendCommand(['XLEN', streamKeys('a', redis.prefix).stream])).toBe(3);
    const after = String(await client.sendCommand(['CLIENT', 'LIST']))
      .trim()
      .split('\n').length;
    expect(after).toBe(before);
  });

  it('rejects with a TimeoutError when Redis stops answering a command', async () => {
    expect(REPLAY_DEFAULTS.commandTimeoutMs).toBe(10_000);
    await bury('b', 2);
    const err = await whileFrozen(() =>
      replay(client, 'b', { prefix: redis.prefix, commandTimeoutMs: 300 }).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/replay b: XRANGE got no reply from Redis within 300 ms/);
    // Nothing lost: the dead letters are still there, and a second run replays them.
    expect(await replay(client, 'b', { prefix: redis.prefix })).toEqual({ replayed: 2, skipped: 0 });
  });

  it('rejects with a TimeoutError when the connect gets no answer', async () => {
    const err = await whileFrozen(() =>
      replay({ url: redis.url }, 'c', { prefix: redis.prefix, connectTimeoutMs: 300 }).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/could not connect to Redis within connectTimeoutMs=300/);
  });

  it('rejects bad targets and options with a ConfigError', async () => {
    await expect(replay(null as never, 'd')).rejects.toThrow(/pass a client or \{ url, tls \}/);
    await expect(replay({ url: redis.url, tls: 'x' as never }, 'd')).rejects.toThrow(/"tls"/);
    await expect(replay(client, 'd', { commandTimeoutMs: 0 })).rejects.toThrow(/commandTimeoutMs/);
  });
});
