import { inspect } from 'node:util';
import { aclUser, startRedis, type TestRedis, until } from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consumer } from '../consumer/consumer.js';
import { Producer } from '../producer/producer.js';
import { aclRule } from './acl.js';
import { redactText, redactUrl } from './redact.js';

describe('ACL user with the printed rule', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startRedis({ fresh: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('publishes (idempotent and delayed too), consumes, promotes and trims under its prefix, is denied outside, never shows its password', async () => {
    const password = 's3cret-Pa55';
    const url = await aclUser(server.url, { user: 'app', password, rule: aclRule('app') });
    expect(url).toContain(password);
    const p = new Producer({ url, prefix: 'app' });
    const handled: number[] = [];
    const c = new Consumer({
      url,
      prefix: 'app',
      stream: 'jobs',
      group: 'g',
      retention: { keepAcked: 1, intervalMs: 20 },
      handler: (n: number) => void handled.push(n),
    });
    const errors: string[] = [];
    c.on('error', (err) => errors.push(err.message));
    await c.start();
    await p.publish('jobs', 1, { idempotencyKey: 'one' });
    await p.publish('jobs', 2);
    await p.publish('jobs', 3, { delayMs: 10 });
    await until(() => handled.length === 3, 20_000);
    expect(handled.sort()).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 200)); // trim and promote runs, all within the rule
    expect(errors).toEqual([]);
    const other = new Producer({ url, prefix: 'other' });
    await expect(other.publish('jobs', 1)).rejects.toThrow(/NOPERM/);
    await other.close();
    for (const shown of [inspect(p, { depth: 5 }), inspect(c, { depth: 5 }), JSON.stringify(p.options)])
      expect(shown).not.toContain(password);
    expect(p.options.url).toContain(password); // still usable
    await c.close();
    await p.close();
  }, 40_000);
});

describe('TLS', () => {
  it('runs a producer and a consumer over rediss:// with the CA from the tls option', async () => {
    const server = await startRedis({ tls: true });
    try {
      expect(server.url).toMatch(/^rediss:\/\//);
      const tls = server.tls as NonNullable<TestRedis['tls']>;
      const p = new Producer({ url: server.url, prefix: server.prefix, tls });
      const got: string[] = [];
      const c = new Consumer({
        url: server.url,
        prefix: server.prefix,
        stream: 's',
        group: 'g',
        tls,
        handler: (x: string) => void got.push(x),
      });
      await c.start();
      await p.publish('s', 'over tls');
      await until(() => got.length === 1);
      expect(got).toEqual(['over tls']);
      await c.close();
      await p.close();
    } finally {
      await server.stop();
    }
  }, 30_000);
});

describe('redaction', () => {
  it('redacts passwords in URLs and in text', () => {
    expect(redactUrl('redis://app:pw@h:6379/0')).toBe('redis://app:***@h:6379/0');
    expect(redactUrl('rediss://:pw@h')).toBe('rediss://:***@h');
    expect(redactText('cannot reach redis://u:p%40ss@h:1 now')).toBe('cannot reach redis://u:***@h:1 now');
  });
});
