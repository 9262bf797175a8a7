import { startRedis, type TestRedis } from '@sluice/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Consumer } from '../consumer/consumer.js';
import { TimeoutError } from '../errors.js';
import { streamKeys } from '../keys.js';
import { Producer } from './producer.js';

let server: TestRedis;
beforeEach(async () => {
  server = await startRedis({ fresh: true });
});
afterEach(async () => {
  await server.stop();
});

describe('publish during a Redis outage', () => {
  it('resolves once Redis is back when the outage is shorter than publishTimeoutMs', async () => {
    const p = new Producer({ url: server.url, prefix: 'o', publishTimeoutMs: 20_000 });
    await p.publish('s', 0);
    const restarted = server.restart({ downMs: 1500, kill: true });
    await new Promise((r) => setTimeout(r, 300));
    const during = p.publish('s', 1);
    await restarted;
    const id = await during;
    expect(id).toMatch(/^\d+-\d+$/);
    await p.close();
  }, 30_000);

  it('rejects with a TimeoutError after publishTimeoutMs while Redis does not answer, and recovers after', async () => {
    const p = new Producer({ url: server.url, prefix: 'o', publishTimeoutMs: 1500 });
    await p.connect();
    await p.publish('t', 0);
    process.kill(server.pid as number, 'SIGSTOP');
    try {
      const err = await p.publish('t', 1).catch((e) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.code).toBe('ERR_SLUICE_TIMEOUT');
      expect(err.message).toMatch(/publishTimeoutMs=1500/);
      const scheduled = await p.publish('t', 2, { delayMs: 60_000 }).catch((e) => e);
      expect(scheduled).toBeInstanceOf(TimeoutError);
    } finally {
      process.kill(server.pid as number, 'SIGCONT');
    }
    expect(await p.publish('t', 3)).toMatch(/^\d+-\d+$/);
    await p.close();
    // The timed-out publish may still have been written once Redis answered (documented).
    const p2 = new Producer({ url: server.url, prefix: 'o' });
    const c = await p2.connect();
    expect(Number(await c.sendCommand(['XLEN', streamKeys('t', 'o').stream]))).toBeGreaterThanOrEqual(2);
    await p2.close();
  }, 30_000);

  it('a first publish rejects after publishTimeoutMs when Redis cannot be reached at all', async () => {
    await server.stop();
    const p = new Producer({ url: server.url, publishTimeoutMs: 300 });
    await expect(p.publish('u', 1)).rejects.toBeInstanceOf(TimeoutError);
    await p.close();
  }, 10_000);

  it('Consumer.close() returns within its timeout while Redis does not answer', async () => {
    const c = new Consumer({ url: server.url, prefix: 'o', stream: 'c', group: 'g', handler: () => {}, blockMs: 200 });
    await c.start();
    let closedAt = 0;
    const lateErrors: string[] = [];
    c.on('error', (err) => {
      if (closedAt > 0) lateErrors.push(err.message);
    });
    process.kill(server.pid as number, 'SIGSTOP');
    try {
      const closed = c.close({ timeoutMs: 500 }).then(() => 'closed');
      const stuck = new Promise((r) => setTimeout(() => r('stuck'), 15_000));
      expect(await Promise.race([closed, stuck])).toBe('closed');
      closedAt = Date.now();
    } finally {
      process.kill(server.pid as number, 'SIGCONT');
    }
    // Redis answers what it held once it runs again: a closed consumer reports nothing of it.
    await new Promise((r) => setTimeout(r, 1000));
    expect(lateErrors).toEqual([]);
  }, 30_000);
});
