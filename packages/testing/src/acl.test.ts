import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aclUser } from './acl.js';
import { startRedis, type TestRedis } from './redis.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startRedis({ fresh: true });
});
afterAll(() => server.stop());

async function connect(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

describe('aclUser', () => {
  it('makes a user limited to a key pattern, denied with NOPERM outside it', async () => {
    const url = await aclUser(server.url, { user: 'worker', password: 's3cret', rule: '~app:* +@all' });
    expect(url).toBe(`redis://worker:s3cret@127.0.0.1:${server.port}`);
    const client = await connect(url);
    try {
      expect(await client.aclWhoAmI()).toBe('worker');
      expect(await client.set('app:1', 'x')).toBe('OK');
      await expect(client.set('other:1', 'x')).rejects.toThrow(/NOPERM/);
      await expect(client.get('other:1')).rejects.toThrow(/NOPERM/);
    } finally {
      client.destroy();
    }
  });

  it('limits commands too, and resets a user that exists already', async () => {
    await aclUser(server.url, { user: 'reader', password: 'a', rule: '~* +@all' });
    const url = await aclUser(server.url, { user: 'reader', password: 'b b', rule: '~* +get +xrange' });
    expect(url).toBe(`redis://reader:b%20b@127.0.0.1:${server.port}`);
    const client = await connect(url);
    try {
      expect(await client.get('app:1')).toBe('x');
      await expect(client.xAdd('app:s', '*', { f: 'v' })).rejects.toThrow(/NOPERM/);
    } finally {
      client.destroy();
    }
    // The first password no longer works: `reset` dropped it.
    await expect(connect(`redis://reader:a@127.0.0.1:${server.port}`)).rejects.toThrow(/WRONGPASS/);
  });

  it('acts as the user named in the URL it is given', async () => {
    const limited = await aclUser(server.url, { user: 'plain', password: 'p', rule: '~* +@read' });
    await expect(aclUser(limited, { user: 'x', password: 'p', rule: '' })).rejects.toMatchObject({
      code: 'REDIS_ERROR',
      message: expect.stringMatching(/NOPERM/),
    });
  });

  it('rejects unknown options, empty names and rules Redis does not understand', async () => {
    await expect(aclUser(server.url, { user: 'u', password: 'p', rules: '~*' } as never)).rejects.toMatchObject({
      code: 'BAD_OPTION',
    });
    await expect(aclUser(server.url, { user: 'a b', password: 'p', rule: '' })).rejects.toThrow(/user must be/);
    await expect(aclUser(server.url, { user: 'u', password: '', rule: '' })).rejects.toThrow(/password/);
    await expect(aclUser(server.url, { user: 'u', password: 'p', rule: '+nosuchcommand' })).rejects.toMatchObject({
      code: 'REDIS_ERROR',
      message: expect.stringContaining('ACL SETUSER u failed'),
    });
  });
});
