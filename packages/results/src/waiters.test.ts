import type { RedisClient } from '@sluice/core';
import { deferred, sleep, until } from '@sluice/testing';
import { createClient } from 'redis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { results } from './plugin.js';
import { Results } from './results.js';
import { type Harness, harness } from './test-util/harness.js';

/** Server-side connections carrying `name` (CLIENT SETNAME), with what each is running. */
async function connections(redis: RedisClient, name: string): Promise<Array<{ id: string; cmd: string }>> {
  const list = await redis.sendCommand<string>(['CLIENT', 'LIST']);
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => ({ id: /\bid=(\d+)/.exec(line)?.[1] as string, cmd: /\bcmd=(\S+)/.exec(line)?.[1] as string }));
}

describe('waitFor', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness('wait');
  });
  afterEach(() => h.close());

  it('serves 1,000 concurrent waiters over one blocking connection, early and late ones alike', async () => {
    const name = `waiters-${h.prefix.replace(/[^\w-]/g, '_')}`;
    const client = createClient({ url: h.url, name }) as unknown as RedisClient;
    await client.connect();
    const r = new Results({ client, prefix: h.prefix, stream: 'jobs', blockMs: 200 });
    const p = h.producer();
    const ids = await p.publishMany(
      'jobs',
      Array.from({ length: 1000 }, (_, n) => n),
    );
    // 500 wait before anything ran; the other 500 only after every result exists.
    const early = ids.slice(0, 500).map((id) => r.waitFor(id, { timeoutMs: 30_000 }));
    await until(async () => (await connections(h.redis, name)).some((c) => c.cmd === 'xread'));
    expect(r.waiting).toBe(500);
    expect(await connections(h.redis, name)).toHaveLength(2); // the caller's client + one blocking reader

    // The shared reader survives losing its connection: it resumes from its cursor.
    const blocked = (await connections(h.redis, name)).find((c) => c.cmd === 'xread');
    await h.redis.sendCommand(['CLIENT', 'KILL', 'ID', blocked?.id as string]);

    const c = h.consumer<number>({ use: [results()], handler: (n) => n * 2, concurrency: 50 });
    await c.start();
    const got = await Promise.all(early);
    expect(got.map((x) => x.result)).toEqual(ids.slice(0, 500).map((_, n) => n * 2));

    await until(async () => Number(await h.redis.sendCommand(['XLEN', h.keys.results])) === 1000);
    const late = ids.slice(500).map((id) => r.waitFor(id, { timeoutMs: 30_000 }));
    expect((await connections(h.redis, name)).length).toBeLessThanOrEqual(2);
    const gotLate = await Promise.all(late);
    expect(gotLate.map((x) => x.id)).toEqual(ids.slice(500));
    expect(gotLate.map((x) => x.result)).toEqual(ids.slice(500).map((_, n) => (n + 500) * 2));
    expect(r.waiting).toBe(0);

    await r.close();
    // Only the caller's client is left: Results never closes a client it was given.
    await until(async () => (await connections(h.redis, name)).length === 1);
    expect(client.isOpen).toBe(true);
    await client.close();
  });

  it('leaves no connection behind when closed right after the backfill answered', async () => {
    // The live reader's blocking connection may still be connecting when waitFor resolves from
    // the backfill and the caller closes: it used to finish connecting after close() and keep
    // the process alive (a CommonJS round trip hung ~1 run in 10).
    const name = `closed-${h.prefix.replace(/[^\w-]/g, '_')}`;
    const client = createClient({ url: h.url, name }) as unknown as RedisClient;
    await client.connect();
    const c = h.consumer<number>({ use: [results()], handler: (n) => n });
    await c.start();
    const id = await h.producer().publish('jobs', 1);
    await until(async () => (await h.range(h.keys.results)).length === 1);
    for (let i = 0; i < 30; i++) {
      const r = new Results({ client, prefix: h.prefix, stream: 'jobs' });
      expect((await r.waitFor(id)).result).toBe(1);
      await r.close();
    }
    await sleep(300); // a straggler would have connected by now
    expect(await connections(h.redis, name)).toHaveLength(1); // the caller's own client only
    await client.close();
  });

  it('answers a waiter that arrives just as the previous one resolved (the reader was about to stop)', async () => {
    const gate = deferred();
    const c = h.consumer<string>({
      use: [results()],
      handler: async (name) => {
        if (name === 'slow') await gate.promise;
        return name;
      },
    });
    await c.start();
    const r = h.results();
    const p = h.producer();
    const slow = await p.publish('jobs', 'slow');
    const fast = await p.publish('jobs', 'fast');
    await until(async () => (await h.range(h.keys.results)).length === 1); // fast is done
    const chained = r.waitFor(slow).then(() => r.waitFor(fast, { timeoutMs: 3000 }));
    await sleep(50);
    gate.resolve();
    expect((await chained).result).toBe('fast');
  });

  it('ignores the results of other groups when given a group', async () => {
    const a = h.consumer({ group: 'a', use: [results()], handler: () => 'from a' });
    await a.start();
    const id = await h.producer().publish('jobs', 1);
    const onlyB = h.results({ group: 'b' });
    const wait = onlyB.waitFor(id, { timeoutMs: 5000 });
    await until(async () => Number(await h.redis.sendCommand(['XLEN', h.keys.results])) === 1);
    await sleep(300); // group a's result is there; the group-b reader must not take it
    expect(onlyB.waiting).toBe(1);
    const b = h.consumer({ group: 'b', use: [results()], handler: () => 'from b' });
    await b.start();
    expect(await wait).toMatchObject({ group: 'b', result: 'from b' });
  });
});
