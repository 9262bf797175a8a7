import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { aclUser } from './acl.js';
import { startRedis, type TestRedis } from './redis.js';

let server: TestRedis | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Connect, PING, close; the first socket error (else whatever failed) is thrown. */
async function ping(client: ReturnType<typeof createClient>): Promise<string> {
  const errors: Error[] = [];
  client.on('error', (err: Error) => errors.push(err));
  try {
    await client.connect();
    return await client.ping();
  } catch (err) {
    throw errors[0] ?? err;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

describe('startRedis({ tls: true })', () => {
  it('serves rediss:// only, trusted through the CA it returns', async () => {
    server = await startRedis({ tls: true });
    expect(server.kind).toBe('spawned');
    expect(server.url).toBe(`rediss://127.0.0.1:${server.port}`);
    const { ca, cert, key } = server.tls ?? { ca: '', cert: '', key: '' };
    for (const pem of [ca, cert]) expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(key).toMatch(/-----BEGIN PRIVATE KEY-----/);

    expect(await ping(createClient({ url: server.url, socket: { tls: true, ca } }))).toBe('PONG');
    // The client certificate is accepted as well (tls-auth-clients optional).
    expect(await ping(createClient({ url: server.url, socket: { tls: true, ca, cert, key } }))).toBe('PONG');
  });

  it('refuses plain redis:// and clients that do not trust its CA', async () => {
    server = await startRedis({ tls: true });
    const plain = `redis://127.0.0.1:${server.port}`;
    await expect(ping(createClient({ url: plain, socket: { reconnectStrategy: false } }))).rejects.toThrow();
    await expect(
      ping(createClient({ url: server.url, socket: { tls: true, reconnectStrategy: false } })),
    ).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('starts its own server even when REDIS_URL is set', async () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'redis://127.0.0.1:1';
    try {
      server = await startRedis({ tls: true });
      expect(server.kind).toBe('spawned');
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  it('lets aclUser() create a user over TLS and returns a rediss:// URL with its credentials', async () => {
    server = await startRedis({ tls: true });
    const url = await aclUser(server.url, { user: 'svc', password: 'pw', rule: '~* +@all', tls: server.tls });
    expect(url).toBe(`rediss://svc:pw@127.0.0.1:${server.port}`);
    const client = createClient({ url, socket: { tls: true, ca: server.tls?.ca } });
    client.on('error', () => {});
    await client.connect();
    try {
      expect(await client.aclWhoAmI()).toBe('svc');
    } finally {
      client.destroy();
    }
  });

  it('names the reason when redis-server was built without TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-notls-'));
    const fake = join(dir, 'redis-server');
    // What a build without TLS answers: it does not know the directive.
    writeFileSync(fake, '#!/bin/sh\necho "*** FATAL CONFIG FILE ERROR *** \'tls-port 1\' Bad directive"; exit 1\n');
    chmodSync(fake, 0o755);
    const saved = process.env.REDIS_SERVER_BIN;
    process.env.REDIS_SERVER_BIN = fake;
    try {
      await expect(startRedis({ tls: true })).rejects.toMatchObject({
        code: 'NO_TLS',
        message: expect.stringContaining('built without TLS support'),
      });
    } finally {
      if (saved === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
