// restart(): the server goes down and comes back on the same port, with its AOF data.
import { describe, expect, it } from 'vitest';
import { startRedis } from './redis.js';
import { call, endpointFromUrl } from './resp.js';

describe('TestRedis.restart()', () => {
  it('keeps the port and the AOF data across a SHUTDOWN and a SIGKILL', async () => {
    const redis = await startRedis({ fresh: true, aof: true, args: ['--appendfsync', 'always'] });
    try {
      const ep = endpointFromUrl(redis.url);
      await call(ep, 'SET', 'k', 'v1');
      const pid = redis.pid;
      await redis.restart({ downMs: 100 });
      expect(redis.pid).not.toBe(pid);
      expect(await call(ep, 'GET', 'k')).toBe('v1');
      await call(ep, 'SET', 'k', 'v2');
      await redis.restart({ kill: true });
      expect(await call(ep, 'GET', 'k')).toBe('v2');
    } finally {
      await redis.stop();
    }
    await expect(redis.restart()).rejects.toThrow(/after stop/);
  });

  it('without persistence comes back empty', async () => {
    const redis = await startRedis({ fresh: true });
    try {
      const ep = endpointFromUrl(redis.url);
      await call(ep, 'SET', 'k', 'v');
      await redis.restart();
      expect(await call(ep, 'GET', 'k')).toBeNull();
    } finally {
      await redis.stop();
    }
  });
});
