import { describe, expect, it } from 'vitest';
import { startRedis } from './redis.js';
import { call, endpointFromUrl, ReplyError, send } from './resp.js';
import { useRedis } from './use-redis.js';

describe('the harness RESP client', () => {
  const { url, prefix } = useRedis('resp');
  const ep = endpointFromUrl(url);

  it('pipelines commands and returns every reply in order, error replies in place', async () => {
    const big = 'x'.repeat(1 << 20); // many TCP chunks
    const replies = await send(
      ep,
      ['SET', `${prefix}:big`, big],
      ['GET', `${prefix}:big`],
      ['GET', `${prefix}:missing`],
      ['INCR', `${prefix}:big`],
      ['XADD', `${prefix}:s`, '1-1', 'f', 'ü'],
      ['XRANGE', `${prefix}:s`, '-', '+'],
      ['DEL', `${prefix}:big`],
    );
    expect(replies[0]).toBe('OK');
    expect(replies[1]).toBe(big);
    expect(replies[2]).toBeNull();
    expect(replies[3]).toBeInstanceOf(ReplyError);
    expect(String(replies[3])).toMatch(/not an integer/);
    expect(replies.slice(4)).toEqual(['1-1', [['1-1', ['f', 'ü']]], 1]);
  });

  it('throws error replies from call()', async () => {
    await expect(call(ep, 'NOSUCHCOMMAND')).rejects.toThrow(/unknown command/);
  });

  it('authenticates with the credentials of the URL, and rejects a wrong password', async () => {
    const server = await startRedis({ password: 'pw' });
    try {
      expect(await call(endpointFromUrl(server.url), 'PING')).toBe('PONG');
      await expect(call({ port: server.port, password: 'nope' }, 'PING')).rejects.toThrow(/WRONGPASS|invalid/);
    } finally {
      await server.stop();
    }
  });
});
