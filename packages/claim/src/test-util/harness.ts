// Test helpers for @sluice/claim: the suite's Redis, a raw client for assertions, and
// Producer/Consumer factories that are all closed after each test.
import { Consumer, type ConsumerOptions, openConnection, Producer, type RedisClient, streamKeys } from '@sluice/core';
import { useRedis } from '@sluice/testing/vitest';

export { sleep, until } from '@sluice/testing';

type Closable = { close(): Promise<void> };

export interface Harness {
  url: string;
  prefix: string;
  /** A raw client for setting up and checking Redis state. */
  redis: RedisClient;
  keys: ReturnType<typeof streamKeys>;
  producer(): Producer;
  consumer<T = unknown>(opts: Partial<ConsumerOptions<T>> & Pick<ConsumerOptions<T>, 'handler'>): Consumer<T>;
  /** Entries of a stream-like key, as [id, fields-object]. */
  range(key: string): Promise<Array<{ id: string; f: Record<string, string> }>>;
  /** XPENDING summary count of the group. */
  pending(group?: string): Promise<number>;
  close(): Promise<void>;
}

export async function harness(label: string): Promise<Harness> {
  const { url, prefix } = useRedis(label);
  const { client: redis } = await openConnection({ url }, () => {});
  const keys = streamKeys('jobs', prefix);
  const open: Closable[] = [];
  return {
    url,
    prefix,
    redis,
    keys,
    producer() {
      const p = new Producer({ url, prefix });
      open.push(p);
      return p;
    },
    consumer<T>(opts: Partial<ConsumerOptions<T>> & Pick<ConsumerOptions<T>, 'handler'>) {
      const c = new Consumer<T>({ url, prefix, stream: 'jobs', group: 'g', startId: '0', blockMs: 100, ...opts });
      c.on('error', () => {});
      open.push(c);
      return c;
    },
    async range(key) {
      const rows = await redis.sendCommand<Array<[string, string[]]>>(['XRANGE', key, '-', '+']);
      return rows.map(([id, fields]) => {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
        return { id, f };
      });
    },
    async pending(group = 'g') {
      const reply = await redis.sendCommand<[number]>(['XPENDING', keys.stream, group]);
      return Number(reply[0]);
    },
    async close() {
      await Promise.all(open.splice(0).map((c) => c.close({ timeoutMs: 2000 } as never)));
      await redis.close();
    },
  };
}

/** Deliver entries to a consumer that will never settle them (a crashed one), via raw XREADGROUP. */
export async function strand(h: Harness, consumer: string, count: number): Promise<string[]> {
  await h.redis.sendCommand(['XGROUP', 'CREATE', h.keys.stream, 'g', '0', 'MKSTREAM']).catch(() => {});
  const reply = await h.redis.sendCommand<Array<[string, Array<[string, string[]]>]> | null>([
    'XREADGROUP',
    'GROUP',
    'g',
    consumer,
    'COUNT',
    String(count),
    'STREAMS',
    h.keys.stream,
    '>',
  ]);
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}
