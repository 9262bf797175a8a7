import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred } from './deferred.js';
import { entriesAdded, streamLength, waitForLength } from './streams.js';
import { useRedis } from './use-redis.js';
import { sleep } from './wait.js';

describe('deferred', () => {
  it('resolves from outside and says when it is settled', async () => {
    const d = deferred<number>();
    expect(d.settled).toBe(false);
    setTimeout(() => d.resolve(42), 5);
    expect(await d.promise).toBe(42);
    expect(d.settled).toBe(true);
  });

  it('rejects from outside', async () => {
    const d = deferred();
    d.reject(new Error('nope'));
    expect(d.settled).toBe(true);
    await expect(d.promise).rejects.toThrow('nope');
  });
});

describe.each([2, 3] as const)('stream helpers (RESP%i)', (RESP) => {
  const { url, prefix } = useRedis('streams');
  const client = createClient({ url, RESP });
  const key = `${prefix}:{s}`;
  beforeAll(async () => {
    await client.connect();
  });
  afterAll(() => client.close());

  it('counts entries now (XLEN) and ever added (entries-added), 0 for a missing stream', async () => {
    expect(await streamLength(client, `${key}:none`)).toBe(0);
    expect(await entriesAdded(client, `${key}:none`)).toBe(0);
    for (let i = 0; i < 5; i++) await client.xAdd(key, '*', { i: String(i) });
    await client.xTrim(key, 'MAXLEN', 2);
    expect(await streamLength(client, key)).toBe(2);
    expect(await entriesAdded(client, key)).toBe(5);
  });

  it('waits until a stream holds enough entries, and says how many it saw when it gives up', async () => {
    const wait = waitForLength(client, `${key}:w`, 3, 5_000);
    for (let i = 0; i < 3; i++) {
      await sleep(20);
      await client.xAdd(`${key}:w`, '*', { i: String(i) });
    }
    expect(await wait).toBe(3);
    await expect(waitForLength(client, `${key}:w`, 10, 100)).rejects.toThrow(/10 entries .*\(the stream holds 3\)/);
  });

  it('passes on errors other than a missing key', async () => {
    await client.set(`${key}:str`, 'x');
    await expect(entriesAdded(client, `${key}:str`)).rejects.toThrow(/WRONGTYPE/);
  });
});
